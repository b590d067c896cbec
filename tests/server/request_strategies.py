"""Hypothesis strategies for HTTP/1.1 request byte streams, valid and subtly invalid.

A request is built from parts (method, target, version, line ends, field lines, Host, framing,
chunk sizes ...).  Each part has a *usual* strategy (what clients really send) and an *odd*
one (the near misses that request smuggling and parser differentials are made of: signs and
commas in Content-Length, casing and lists in Transfer-Encoding, obs-fold, whitespace before a
colon, control and high bytes, lying chunk sizes).  Each request draws at most a couple of
parts from their odd strategy, so about half the streams are valid and the rest are invalid in
one or two places: deep enough to reach the framing, near enough to valid to be interesting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ODD_BYTES = [b"\x00", b"\r", b"\n", b"\x7f", b"\x80", b"\xff", b"\t", b" ", b"\x0b", b"\x0c"]


def _over(chars: bytes, max_size: int, prefix: bytes = b"") -> st.SearchStrategy[bytes]:
    """Strings of up to ``max_size`` bytes from ``chars``."""
    return st.binary(max_size=max_size).map(
        lambda raw: prefix + bytes(chars[byte % len(chars)] for byte in raw)
    )


@st.composite
def _spliced(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """A ``base`` string with one odd byte spliced in somewhere."""
    value = draw(base)
    at = draw(st.integers(0, len(value)))
    return value[:at] + draw(st.sampled_from(ODD_BYTES)) + value[at:]


def _part(usual: st.SearchStrategy[bytes], odd: st.SearchStrategy[bytes]) -> tuple[Any, Any]:
    return usual, st.one_of(odd, _spliced(usual))


_tokens = _over(TOKEN_CHARS, 8, prefix=b"X")
_PATH_CHARS = b"abcXYZ019-._~!$&'()*+,;=:@/%"
_path = _over(_PATH_CHARS, 12, prefix=b"/")
_query = st.sampled_from([b"", b"", b"?", b"?q=1", b"?a=%20&b", b"?x?y", b"?caf%C3%A9"])
_origin = st.builds(lambda p, q: p + q, _path, _query)
_VALUE_CHARS = b'abc XYZ 09/;=,"\t\xc3\xa9()'
_value = _over(_VALUE_CHARS, 12)
_NAMES = [b"X-A", b"Accept", b"Content-Type", b"User-Agent", b"Expect", b"Upgrade"]
_NAMES += [b"Connection", b"Forwarded", b"X-Forwarded-For", b"TE", b"Trailer"]

PARTS: dict[str, tuple[Any, Any]] = {
    "method": _part(
        st.sampled_from([b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD", b"OPTIONS"])
        | st.sampled_from([b"TRACE", b"PROPFIND", b"M-SEARCH", b"get"])
        | _tokens,
        st.sampled_from([b"CONNECT", b"PRI", b"", b"G@T", b"GET/"]),
    ),
    "gap": _part(st.just(b" "), st.sampled_from([b"  ", b"\t", b"", b" \x0b"])),
    "target": _part(
        _origin | st.builds(lambda p, q: b"http://example.com" + p + q, _path, _query),
        st.sampled_from(
            [b"*", b"example.com:443", b"http://user@h/x", b"//x", b"/%", b"/%zz", b'/"q"']
        )
        | st.sampled_from(
            [b"/<a>", b"/{|}^`\\", b"/a b", b"", b"x", b"/#f", b"/a?b#", b"/\xc3\xa9"]
        ),
    ),
    "version": _part(
        st.sampled_from([b"HTTP/1.1"] * 3 + [b"HTTP/1.0"]),
        st.sampled_from([b"HTTP/1.2", b"HTTP/2.0", b"HTTP/0.9", b"http/1.1", b"HTTP/1.10"])
        | st.sampled_from([b"HTTP/11", b"HTTP/1.1 ", b"HTTP/1.", b"HTTP/3.0", b"HTTP/1.9"]),
    ),
    "line end": _part(st.just(b"\r\n"), st.sampled_from([b"\n", b"\r", b"\r\r\n", b"\n\r"])),
    "name": _part(st.sampled_from(_NAMES) | _tokens, st.sampled_from([b"", b"X A", b"\xc3\xa9"])),
    "colon": _part(
        st.sampled_from([b":", b": ", b":\t", b":  "]), st.sampled_from([b" :", b"\t:", b""])
    ),
    "value": _part(
        _value | st.sampled_from([b"", b"a  ", b"  b"]),
        st.sampled_from([b"a\r\n b", b"a\r\n\tb", b"\r\n b"]),  # obs-fold
    ),
    "host": _part(
        st.sampled_from([b"Host: x\r\n", b"HOST: x\r\n", b"host:x\r\n", b"Host: [::1]:80\r\n"]),
        st.sampled_from([b"", b"Host: x\r\nHost: x\r\n", b"Host: x\r\nHost: y\r\n", b"host:\r\n"])
        | st.sampled_from([b"Host: a b\r\n", b"Host: h:99999\r\n", b"Host : x\r\n"]),
    ),
    "length": _part(  # "{}" stands for the decimal length
        st.just(b"{}"),
        st.sampled_from([b"0{}", b"+{}", b"-{}", b"{},{}", b"{}, {}", b" {} ", b"{}x", b""])
        | st.sampled_from([b"{}.0", b"0x{}", b"1{}", b"{},", b",{}", b"{} {}", b"1{}" + b"0" * 20]),
    ),
    "transfer coding": _part(
        st.sampled_from([b"chunked", b"Chunked", b"CHUNKED", b"gzip, chunked"]),
        st.sampled_from([b"chunked, gzip", b"identity", b"chunked\x0b", b" chunked", b"gzip"])
        | st.sampled_from([b"chunked;q=1", b"xchunked", b"chunked, chunked", b"", b"chunk"]),
    ),
    "chunk size": _part(  # "{}" stands for the size in lower-case hex, "{X}" upper-case
        st.sampled_from([b"{}", b"{X}", b"00{}"]),
        st.sampled_from([b"{} ", b" {}", b"-{}", b"0x{}", b"+{}", b"{}\t", b"g{}", b"{}" * 9]),
    ),
    "chunk extension": _part(
        st.sampled_from([b"", b"", b";a=b", b';a="q;r"', b";a"]),
        st.sampled_from([b" ;a", b";", b";a=\x00", b";a=b c", b"; a=b", b';a="\x7f"']),
    ),
    "trailer": _part(
        st.sampled_from([b"", b"", b"T: 1\r\n"]),
        st.sampled_from([b"T 1\r\n", b"Content-Length: 5\r\n", b"T: 1\n", b" T: 1\r\n"]),
    ),
}
# Framing lies and conflicts: each is one "part" of its own.
FRAMING_FLAWS = ["length off by one", "two lengths", "length and chunked", "lying chunk size"]
# A head near the size limits (Config's defaults: 8,192 for the target, 16,384 for the fields).
BIG = "big head"
FLAWS = [*PARTS, *FRAMING_FLAWS, BIG]


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    """One request: request line, field lines, framing, the blank line, the body."""
    count = draw(st.sampled_from([0, 0, 1, 1, 2]))
    flaws = set(draw(st.lists(st.sampled_from(FLAWS), min_size=count, max_size=count)))

    def part(name: str) -> Any:
        usual, odd = PARTS[name]
        return draw(odd if name in flaws else usual)

    line = part("method") + part("gap") + part("target") + part("gap") + part("version")
    line += part("line end")
    framing, body = draw(_framings(part, flaws))
    fields = [
        part("name") + part("colon") + part("value") + part("line end")
        for _ in range(draw(st.integers(0, 3)))
    ]
    fields.insert(draw(st.integers(0, len(fields))), part("host") + framing)
    if BIG in flaws:
        padding = b"p" * draw(st.integers(0, 8200))
        line = line.replace(b" /", b" /" + padding, 1)
        fields.append(b"X-Big: " + b"v" * draw(st.integers(8000, 16400)) + b"\r\n")
    return line + b"".join(fields) + part("line end") + body


@st.composite
def _framings(draw: st.DrawFn, part: Callable[[str], Any], flaws: set[str]) -> tuple[bytes, bytes]:
    """The framing field lines and the body that goes with them."""
    kind = draw(st.sampled_from(["none", "length", "length", "chunked"]))
    if "two lengths" in flaws:
        kind = "two lengths"
    elif "length and chunked" in flaws:
        kind = "both"
    body = draw(st.binary(max_size=16))
    if kind == "none":
        return b"", b""
    if kind in ("length", "two lengths"):
        length = len(body) + (draw(st.sampled_from([-1, 1])) if "length off by one" in flaws else 0)
        value = part("length").replace(b"{}", b"%d" % max(length, 0))
        fields = b"Content-Length: " + value + b"\r\n"
        if kind == "two lengths":
            other = draw(st.sampled_from([value, str(len(body) + 1).encode()]))
            fields += b"Content-Length: " + other + b"\r\n"
        return fields, body
    chunked = draw(_chunked_body(part, "lying chunk size" in flaws))
    fields = b"Transfer-Encoding: " + part("transfer coding") + b"\r\n"
    if kind == "both":
        fields += b"Content-Length: " + str(len(chunked)).encode() + b"\r\n"
    return fields, chunked


@st.composite
def _chunked_body(draw: st.DrawFn, part: Callable[[str], Any], lying: bool) -> bytes:
    """Chunks (sizes in odd spellings, extensions, a lie if asked), last chunk, trailers."""
    out = b""
    chunks = draw(st.integers(1 if lying else 0, 3))
    liar = draw(st.integers(0, chunks - 1)) if lying else -1
    for index in range(chunks):
        data = draw(st.binary(max_size=10))
        size = len(data) + (draw(st.sampled_from([-1, 1])) if index == liar else 0)
        spelling = part("chunk size").replace(b"{X}", b"%X" % max(size, 0))
        out += spelling.replace(b"{}", b"%x" % max(size, 0)) + part("chunk extension")
        out += part("line end") + data + part("line end")
    last = draw(st.sampled_from([b"0", b"0", b"00", b"0;x=y"]))
    return out + last + b"\r\n" + part("trailer") + part("line end")


PLAIN_NEXT = [
    b"GET /next HTTP/1.1\r\nHost: n\r\n\r\n",
    b"POST /next HTTP/1.1\r\nHost: n\r\nContent-Length: 2\r\n\r\nhi",
    b"GET /next HTTP/1.0\r\n\r\n",
]


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """A request, sometimes followed by a pipelined second one (plain or generated)."""
    first = draw(requests())
    then = draw(st.sampled_from(["none", "plain", "plain", "generated"]))
    if then == "plain":
        return first + draw(st.sampled_from(PLAIN_NEXT))
    if then == "generated":
        return first + draw(requests())
    return first
