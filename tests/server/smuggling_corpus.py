"""Request-smuggling (desync) attempts, as data: raw bytes and the one outcome Squall may have.

Every case is written here from the public descriptions of the attack classes, not copied from
any test suite.  The comment above each case names where its class is described:

* [K19]  James Kettle, "HTTP Desync Attacks: Request Smuggling Reborn" (PortSwigger, 2019):
         CL.TE, TE.CL and the TE.TE header obfuscations.
* [K25]  James Kettle, "HTTP/1.1 must die: the desync endgame" (PortSwigger, 2025): 0.CL,
         Expect-based desyncs, obfuscated Content-Length, parser discrepancies in line ends.
* [FC]   Jeppe Bonde Weikop, "Funky chunks" (2025): chunk-size and chunk-extension line-end
         tricks (TERM.EXT, EXT.TERM, one-byte terminators).
* [LB]   Linhart, Klein, Heled, Orrin, "HTTP Request Smuggling" (Watchfire, 2005): duplicate
         Content-Length, GET with a body, pipelined bodies.
* [RFC9112 x.y] / [RFC9110 x.y]: the rule the case tests.

An outcome is either :class:`Rejected` (an error response, 4xx unless the case allows 5xx,
after the responses to ``before``; then the connection is closed and nothing more is read)
or :class:`Parsed` (the exact requests the app sees, in order; ``closes``: the last one ends
the connection, else it stays open for the next request).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """One request as an app sees it: method, target (path and query) and whole body."""

    method: str
    target: bytes
    body: bytes = b""


@dataclass(frozen=True)
class Parsed:
    requests: tuple[Request, ...]
    closes: bool = False


@dataclass(frozen=True)
class Rejected:
    before: tuple[Request, ...] = ()  # answered before the error
    statuses: tuple[int, ...] = tuple(range(400, 500))


Outcome = Parsed | Rejected


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    outcome: Outcome


def head(request_line: bytes, *fields: bytes) -> bytes:
    """A request head: the request line, ``Host: example`` and ``fields``, CRLF-terminated."""
    return b"\r\n".join((request_line, b"Host: example", *fields)) + b"\r\n\r\n"


def post(*fields: bytes) -> bytes:
    return head(b"POST / HTTP/1.1", *fields)


GET_NEXT = head(b"GET /next HTTP/1.1")  # a follow-on request some cases try to hide
SMUGGLED = head(b"GET /smuggled HTTP/1.1")
NEXT = Request("GET", b"/next")
HELLO = Request("POST", b"/", b"hello")
EMPTY_POST = Request("POST", b"/")
REJECTED = Rejected()
CHUNKED = b"Transfer-Encoding: chunked"
BODY_5 = b"5\r\nhello\r\n0\r\n\r\n"


def chunked(body: bytes, *fields: bytes) -> bytes:
    """A chunked POST whose body (chunk lines and all) is ``body``."""
    return post(CHUNKED, *fields) + body


def length(value: bytes, body: bytes, *fields: bytes) -> bytes:
    """A POST with ``Content-Length: value`` and ``body``."""
    return post(b"Content-Length: " + value, *fields) + body


def te_field(field: bytes) -> bytes:
    """A Transfer-Encoding variant next to a Content-Length: either parse would desync."""
    return post(field, b"Content-Length: 5") + BODY_5


CASES: tuple[Case, ...] = (
    # --- CL.TE and TE.CL: both framings in one request --------------------------------------
    # [K19] CL.TE; [RFC9112 6.1, 6.3 item 3]: reject (or TE wins), then close.
    Case("cl-te", length(b"13", b"0\r\n\r\nSMUGGLED", CHUNKED), REJECTED),
    # [K19] TE.CL: the front-end reads chunks, the back-end 4 bytes.
    Case(
        "te-cl",
        post(CHUNKED, b"Content-Length: 4") + b"5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n",
        REJECTED,
    ),
    # [K19] CL.TE hiding a whole request after the last chunk.
    Case(
        "cl-te-prefix",
        length(b"%d" % (5 + len(SMUGGLED)), b"0\r\n\r\n" + SMUGGLED, CHUNKED),
        REJECTED,
    ),
    # [K25] 0.CL with TE: Content-Length 0 next to chunked.
    Case("cl0-te", post(b"Content-Length: 0", CHUNKED) + BODY_5, REJECTED),
    # [RFC9112 6.1] "identity" is no transfer coding any more; with a Content-Length.
    Case("te-identity-cl", te_field(b"Transfer-Encoding: identity"), REJECTED),
    # [K19] CL.TE on a GET.
    Case("cl-te-get", head(b"GET / HTTP/1.1", b"Content-Length: 5", CHUNKED) + BODY_5, REJECTED),
    # --- TE.TE: obfuscated Transfer-Encoding --------------------------------------------------
    # [K19] TE.TE "xchunked"; [RFC9112 6.3 item 4]: chunked not final in a request -> 400.
    Case("te-xchunked", te_field(b"Transfer-Encoding: xchunked"), REJECTED),
    Case(
        "te-xchunked-alone",
        post(b"Transfer-Encoding: xchunked") + BODY_5,
        Rejected(statuses=(400, 501)),
    ),
    # [K19] TE.TE space before the colon; [RFC9112 5.1]: MUST reject with 400.
    Case("te-space-before-colon", te_field(b"Transfer-Encoding : chunked"), REJECTED),
    # [K19] TE.TE tab before the colon.
    Case("te-tab-before-colon", te_field(b"Transfer-Encoding\t: chunked"), REJECTED),
    # [K19] TE.TE leading space on the field line: an obs-fold of the previous line.
    Case("te-leading-space-line", te_field(b" Transfer-Encoding: chunked"), REJECTED),
    # [K19] TE.TE obs-fold: "Transfer-Encoding:" CRLF SP "chunked"; [RFC9112 5.2].
    Case("te-obs-fold", te_field(b"Transfer-Encoding:\r\n chunked"), REJECTED),
    # [K19] TE.TE obs-fold with a bare LF.
    Case("te-obs-fold-lf", te_field(b"Transfer-Encoding:\n chunked"), REJECTED),
    # [K19] TE.TE vertical tab before the value: not OWS.
    Case("te-vertical-tab", te_field(b"Transfer-Encoding:\x0bchunked"), REJECTED),
    # [K19] TE.TE form feed before the value.
    Case("te-form-feed", te_field(b"Transfer-Encoding:\x0cchunked"), REJECTED),
    # [K19] TE.TE "chunked, identity": chunked not last; [RFC9112 6.3 item 4].
    Case("te-chunked-identity", te_field(b"Transfer-Encoding: chunked, identity"), REJECTED),
    # [K19] TE.TE two TE fields, the second bogus.
    Case(
        "te-duplicate-bogus",
        post(CHUNKED, b"Transfer-Encoding: x", b"Content-Length: 5") + BODY_5,
        REJECTED,
    ),
    # [RFC9112 6.1] chunked MUST NOT be applied twice.
    Case("te-chunked-twice", post(CHUNKED, CHUNKED) + BODY_5, REJECTED),
    Case(
        "te-chunked-chunked-list", post(b"Transfer-Encoding: chunked, chunked") + BODY_5, REJECTED
    ),
    # [K19] TE.TE quoted value.
    Case("te-quoted", te_field(b'Transfer-Encoding: "chunked"'), REJECTED),
    # [K19] TE.TE NUL after the value.
    Case("te-nul", te_field(b"Transfer-Encoding: chunked\x00"), REJECTED),
    # [K19] TE.TE CR inside the value.
    Case("te-bare-cr", te_field(b"Transfer-Encoding: chu\rnked"), REJECTED),
    # [K19] TE.TE "Transfer-Encoding\n: chunked" (line end before the colon).
    Case("te-lf-before-colon", te_field(b"Transfer-Encoding\n: chunked"), REJECTED),
    # [K19] TE.TE mixed case: coding names are case-insensitive [RFC9112 7]: chunked wins.
    Case("te-mixed-case-value", post(b"Transfer-Encoding: ChUnKeD") + BODY_5, Parsed((HELLO,))),
    Case("te-mixed-case-name", post(b"tRANSFER-eNCODING: chunked") + BODY_5, Parsed((HELLO,))),
    # [K19] "Transfer_Encoding": a different (valid) field name; the body is Content-Length's.
    Case(
        "te-underscore",
        post(b"Transfer_Encoding: chunked", b"Content-Length: 5") + b"hello",
        Parsed((HELLO,)),
    ),
    # [K19] TE.TE trailing whitespace after "chunked" is OWS: still chunked.
    Case("te-trailing-space", post(b"Transfer-Encoding: chunked  ") + BODY_5, Parsed((HELLO,))),
    # [RFC9112 6.1] HTTP/1.0 with Transfer-Encoding: framing is faulty.
    Case(
        "http10-te",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + BODY_5 + GET_NEXT,
        REJECTED,
    ),
    Case(
        "http10-te-cl",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + BODY_5,
        REJECTED,
    ),
    # --- Content-Length values and duplicates ----------------------------------------------
    # [LB] two different Content-Lengths; [RFC9112 6.3 item 5]: 400 and close.
    Case(
        "cl-duplicate-different",
        post(b"Content-Length: 5", b"Content-Length: 6") + b"hello!",
        REJECTED,
    ),
    # [LB] two equal Content-Lengths: allowed to be merged, Squall refuses any repeat.
    Case(
        "cl-duplicate-equal", post(b"Content-Length: 5", b"Content-Length: 5") + b"hello", REJECTED
    ),
    # [RFC9110 8.6] a comma-joined list, equal and different.
    Case("cl-list-equal", length(b"5, 5", b"hello"), REJECTED),
    Case("cl-list-different", length(b"5, 6", b"hello!"), REJECTED),
    Case("cl-list-trailing-comma", length(b"5,", b"hello"), REJECTED),
    # [K25] signed, hex, decimal-point and spaced values.
    Case("cl-plus", length(b"+5", b"hello"), REJECTED),
    Case("cl-minus", length(b"-5", b"hello"), REJECTED),
    Case("cl-hex", length(b"0x5", b"hello"), REJECTED),
    Case("cl-decimal-point", length(b"5.0", b"hello"), REJECTED),
    Case("cl-space-inside", length(b"1 5", b"hello"), REJECTED),
    Case("cl-empty", length(b"", b"hello"), REJECTED),
    Case("cl-letters", length(b"five", b"hello"), REJECTED),
    # [RFC9112 6.3] leading zeros are digits: 1*DIGIT.
    Case("cl-leading-zeros", length(b"0005", b"hello"), Parsed((HELLO,))),
    # [RFC9110 5.5] surrounding OWS is not part of the value.
    Case("cl-surrounding-ows", length(b"\t5 \t", b"hello"), Parsed((HELLO,))),
    # [K25] overflowing values: past 2**63 and 2**64.
    Case("cl-overflow-2-63", length(b"9223372036854775808", b"hello"), REJECTED),
    Case("cl-overflow-2-64", length(b"18446744073709551621", b"hello"), REJECTED),
    Case("cl-overflow-long", length(b"9" * 40, b"hello"), REJECTED),
    # [RFC9110 15.5.14] beyond the body limit (64 MiB): 413.
    Case("cl-over-limit", length(b"100000000", b"hello"), Rejected(statuses=(413,))),
    # [K25] obfuscated names: space/tab before the colon, obs-fold, VT, NUL.
    Case("cl-space-before-colon", post(b"Content-Length : 5") + b"hello", REJECTED),
    Case("cl-tab-before-colon", post(b"Content-Length\t: 5") + b"hello", REJECTED),
    Case("cl-obs-fold", post(b"Content-Length:\r\n 5") + b"hello", REJECTED),
    Case("cl-vertical-tab", post(b"Content-Length:\x0b5") + b"hello", REJECTED),
    Case("cl-nul", post(b"Content-Length: 5\x00") + b"hello", REJECTED),
    # [K19] "Content_Length" is another field: no body, the bytes after are the next request.
    Case(
        "cl-underscore",
        post(b"Content_Length: %d" % len(GET_NEXT)) + GET_NEXT,
        Parsed((EMPTY_POST, NEXT)),
    ),
    # --- Chunk-size and chunk-extension tricks ---------------------------------------------
    # [RFC9112 7.1] leading zeros and upper-case hex digits are valid.
    Case("chunk-leading-zeros", chunked(b"0005\r\nhello\r\n0000\r\n\r\n"), Parsed((HELLO,))),
    Case(
        "chunk-upper-hex",
        chunked(b"A\r\nhellohello\r\n0\r\n\r\n"),
        Parsed((Request("POST", b"/", b"hellohello"),)),
    ),
    # [FC] "0x" prefix, signs, overflow.
    Case("chunk-0x", chunked(b"0x5\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-negative", chunked(b"-5\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-plus", chunked(b"+5\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-overflow-64", chunked(b"10000000000000005\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-overflow-long", chunked(b"f" * 40 + b"\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-leading-space", chunked(b" 5\r\nhello\r\n0\r\n\r\n"), REJECTED),
    Case("chunk-empty-size", chunked(b"\r\nhello\r\n0\r\n\r\n"), REJECTED),
    # [RFC9112 7.1.1] extensions: ignored when understood as such.
    Case("chunk-extension", chunked(b"5;name=value\r\nhello\r\n0;x\r\n\r\n"), Parsed((HELLO,))),
    Case("chunk-extension-quoted", chunked(b'5;a="b;c"\r\nhello\r\n0\r\n\r\n'), Parsed((HELLO,))),
    # [FC] a quoted extension value hiding a line end.
    Case("chunk-extension-quoted-crlf", chunked(b'5;a="\r\n"\r\nhello\r\n0\r\n\r\n'), REJECTED),
    # [FC] EXT.TERM: a bare LF ends the extension for one parser only.
    Case("chunk-extension-bare-lf", chunked(b"5;a\nhello\r\n0\r\n\r\n"), REJECTED),
    # [FC] a bare CR inside the extension.
    Case("chunk-extension-bare-cr", chunked(b"5;a\rb\r\nhello\r\n0\r\n\r\n"), REJECTED),
    # [FC] TERM.EXT: a bare LF ends the chunk-size line.
    Case("chunk-size-bare-lf", chunked(b"5\nhello\r\n0\r\n\r\n"), REJECTED),
    # [FC] one-byte chunk-data terminators: LF only, CR only, none at all.
    Case("chunk-data-bare-lf", chunked(b"5\r\nhello\n0\r\n\r\n"), REJECTED),
    Case("chunk-data-bare-cr", chunked(b"5\r\nhello\r0\r\n\r\n"), REJECTED),
    Case("chunk-data-no-crlf", chunked(b"5\r\nhelloXX0\r\n\r\n"), REJECTED),
    # [FC] the last chunk's line ends with a bare LF.
    Case("chunk-last-bare-lf", chunked(b"5\r\nhello\r\n0\n\r\n"), REJECTED),
    Case("chunk-end-bare-lf", chunked(b"5\r\nhello\r\n0\r\n\n") + GET_NEXT, REJECTED),
    # [K19] TE.CL: a chunk shorter than its data (the rest would be a request to a CL parser).
    Case("chunk-size-too-small", chunked(b"3\r\nhello\r\n0\r\n\r\n"), REJECTED),
    # [K19] a chunk longer than its data: the size swallows the last-chunk line.
    Case("chunk-size-too-large", chunked(b"8\r\nhello\r\n0\r\n\r\n") + GET_NEXT, REJECTED),
    # [K19] TE.CL's payload: a whole request inside chunk data is just data.
    Case(
        "chunk-hides-request",
        chunked(b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)),
        Parsed((Request("POST", b"/", SMUGGLED),)),
    ),
    # [RFC9112 7.1.2] trailers: read and dropped, a Content-Length there frames nothing.
    Case("chunk-trailer", chunked(b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"), Parsed((HELLO,))),
    # [RFC9110 6.5.1] framing fields may not be trailers: llhttp refuses them.
    Case(
        "chunk-trailer-content-length",
        chunked(b"5\r\nhello\r\n0\r\nContent-Length: 40\r\n\r\n") + GET_NEXT,
        REJECTED,
    ),
    Case(
        "chunk-trailer-transfer-encoding",
        chunked(b"5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n") + GET_NEXT,
        REJECTED,
    ),
    # A trailer is no header of the next request: a second Host there would refuse it.
    Case(
        "chunk-trailer-host",
        chunked(b"5\r\nhello\r\n0\r\nHost: other\r\n\r\n") + GET_NEXT,
        Parsed((HELLO, NEXT)),
    ),
    Case("chunk-trailer-obs-fold", chunked(b"5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n"), REJECTED),
    Case("chunk-trailer-bare-lf", chunked(b"5\r\nhello\r\n0\r\nX: a\n\r\n") + GET_NEXT, REJECTED),
    # --- Bare LF and bare CR in the head [RFC9112 2.2] -------------------------------------
    # [K25] Squall accepts CRLF only: a bare LF ends a line for some parsers, not others.
    Case("request-line-bare-lf", b"GET / HTTP/1.1\nHost: example\r\n\r\n", REJECTED),
    Case("field-line-bare-lf", head(b"GET / HTTP/1.1", b"X: a\nY: b"), REJECTED),
    Case("head-end-bare-lf", b"GET / HTTP/1.1\r\nHost: example\r\n\n", REJECTED),
    Case("head-all-bare-lf", b"GET / HTTP/1.1\nHost: example\n\n", REJECTED),
    Case("bare-lf-hides-cl", post(b"X: y\nContent-Length: 5") + b"hello", REJECTED),
    Case("request-line-bare-cr", b"GET / HTTP/1.1\rHost: example\r\n\r\n", REJECTED),
    Case("field-value-bare-cr", head(b"GET / HTTP/1.1", b"X: a\rContent-Length: 5"), REJECTED),
    Case("field-name-bare-cr", head(b"GET / HTTP/1.1", b"X\r: a"), REJECTED),
    Case("target-bare-cr", head(b"GET /a\rb HTTP/1.1"), REJECTED),
    Case("head-end-cr-cr", b"GET / HTTP/1.1\r\nHost: example\r\n\r\r\n", REJECTED),
    # --- NUL and other control bytes [RFC9110 5.5, 5.6.2; RFC9112 3] -----------------------
    Case("nul-in-target", head(b"GET /a\x00b HTTP/1.1"), REJECTED),
    Case("nul-in-method", head(b"GE\x00T / HTTP/1.1"), REJECTED),
    Case("nul-in-field-name", head(b"GET / HTTP/1.1", b"X\x00Y: a"), REJECTED),
    Case("nul-in-field-value", head(b"GET / HTTP/1.1", b"X: a\x00b"), REJECTED),
    Case("escape-in-field-value", head(b"GET / HTTP/1.1", b"X: a\x1bb"), REJECTED),
    Case("del-in-field-value", head(b"GET / HTTP/1.1", b"X: a\x7fb"), REJECTED),
    Case("soh-in-method", head(b"G\x01ET / HTTP/1.1"), REJECTED),
    Case("tab-in-target", head(b"GET /a\tb HTTP/1.1"), REJECTED),
    Case("del-in-target", head(b"GET /a\x7fb HTTP/1.1"), REJECTED),
    # [RFC9110 5.5] obs-text in a value is allowed (opaque data).
    Case(
        "obs-text-in-field-value",
        head(b"GET /ok HTTP/1.1", b"X: caf\xe9"),
        Parsed((Request("GET", b"/ok"),)),
    ),
    # --- Field-name whitespace and shape [RFC9112 5, 5.1] ----------------------------------
    Case("space-in-field-name", head(b"GET / HTTP/1.1", b"X Y: a"), REJECTED),
    Case("empty-field-name", head(b"GET / HTTP/1.1", b": a"), REJECTED),
    Case("field-line-without-colon", head(b"GET / HTTP/1.1", b"X-Folded"), REJECTED),
    Case("first-field-folded", b"GET / HTTP/1.1\r\n Host: example\r\n\r\n", REJECTED),
    Case("host-space-before-colon", b"GET / HTTP/1.1\r\nHost : example\r\n\r\n", REJECTED),
    # --- The request line [RFC9112 3] ---------------------------------------------------------
    # [RFC9112 3] recipients MAY split the request line on runs of whitespace (llhttp does);
    # the target is the same either way, so no desync: parsed, as nginx does too.
    Case("request-line-double-space", head(b"GET  /d HTTP/1.1"), Parsed((Request("GET", b"/d"),))),
    Case("request-line-trailing-space", head(b"GET / HTTP/1.1 "), REJECTED),
    Case("request-line-space-in-target", head(b"GET /a b HTTP/1.1"), REJECTED),
    Case("request-line-lower-case-version", head(b"GET / http/1.1"), REJECTED),
    Case("request-line-http09", b"GET /\r\n\r\n", Rejected(statuses=(400, 505))),
    Case("request-line-leading-space", b" " + head(b"GET / HTTP/1.1"), REJECTED),
    # --- Host and the absolute form [RFC9112 3.2, 3.2.2] -----------------------------------
    # The target's authority wins over Host: the app sees the path only.
    Case(
        "absolute-form-other-host",
        b"GET http://other.example/admin HTTP/1.1\r\nHost: example\r\n\r\n",
        Parsed((Request("GET", b"/admin"),)),
    ),
    Case("absolute-form-without-host", b"GET http://example/ HTTP/1.1\r\n\r\n", REJECTED),
    Case("host-twice", head(b"GET / HTTP/1.1", b"Host: other"), REJECTED),
    Case("host-missing", b"GET / HTTP/1.1\r\nX: y\r\n\r\n", REJECTED),
    # --- Bodies where they are rare, and pipelines [LB, K25 0.CL] --------------------------
    Case(
        "get-with-body",
        head(b"GET /g HTTP/1.1", b"Content-Length: 5") + b"hello" + GET_NEXT,
        Parsed((Request("GET", b"/g", b"hello"), NEXT)),
    ),
    Case(
        "get-with-chunked-body",
        head(b"GET /g HTTP/1.1", CHUNKED) + BODY_5 + GET_NEXT,
        Parsed((Request("GET", b"/g", b"hello"), NEXT)),
    ),
    Case(
        "options-with-body",
        head(b"OPTIONS /o HTTP/1.1", b"Content-Length: 5") + b"hello",
        Parsed((Request("OPTIONS", b"/o", b"hello"),)),
    ),
    Case(
        "delete-with-body",
        head(b"DELETE /d HTTP/1.1", b"Content-Length: 5") + b"hello",
        Parsed((Request("DELETE", b"/d", b"hello"),)),
    ),
    # [K25] 0.CL: a GET whose body is itself a request (one parser ignores the length).
    Case(
        "get-body-is-a-request",
        head(b"GET /g HTTP/1.1", b"Content-Length: %d" % len(SMUGGLED)) + SMUGGLED,
        Parsed((Request("GET", b"/g", SMUGGLED),)),
    ),
    Case(
        "pipelined-length-bodies",
        length(b"5", b"hello") + length(b"5", b"world") + GET_NEXT,
        Parsed((HELLO, Request("POST", b"/", b"world"), NEXT)),
    ),
    Case(
        "pipelined-chunked-bodies",
        chunked(BODY_5) + chunked(b"5\r\nworld\r\n0\r\n\r\n"),
        Parsed((HELLO, Request("POST", b"/", b"world"))),
    ),
    Case(
        "pipelined-length-then-chunked",
        length(b"5", b"hello") + chunked(BODY_5),
        Parsed((HELLO, HELLO)),
    ),
    Case(
        "pipelined-then-cl-te",
        length(b"5", b"hello") + length(b"5", BODY_5, CHUNKED),
        Rejected(before=(HELLO,)),
    ),
    Case(
        "pipelined-then-bare-lf",
        length(b"5", b"hello") + b"GET / HTTP/1.1\nHost: e\r\n\r\n",
        Rejected(before=(HELLO,)),
    ),
    Case(
        "body-longer-than-length",
        length(b"3", b"hello") + GET_NEXT,
        Rejected(before=(Request("POST", b"/", b"hel"),)),
    ),
    Case(
        "connection-close-stops-reading",
        length(b"5", b"hello", b"Connection: close") + GET_NEXT,
        Parsed((HELLO,), closes=True),
    ),
    Case(
        "http10-stops-reading",
        b"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello" + GET_NEXT,
        Parsed((HELLO,), closes=True),
    ),
    # --- Expect [RFC9110 10.1.1; K25 Expect-based desync] ----------------------------------
    Case(
        "expect-100-with-body",
        length(b"5", b"hello", b"Expect: 100-continue") + GET_NEXT,
        Parsed((HELLO, NEXT)),
    ),
    Case(
        "expect-100-without-body",
        head(b"GET /e HTTP/1.1", b"Expect: 100-continue") + GET_NEXT,
        Parsed((Request("GET", b"/e"), NEXT)),
    ),
    # [RFC9110 10.1.1] the expectation is case-insensitive and OWS-padded: still 100-continue.
    # An unknown member ("Expect: y 100-continue" [K25]) is left out: RFC 9110 allows serving
    # it or a 417, and the conformance rules choose (either way it frames nothing).
    Case(
        "expect-mixed-case",
        length(b"5", b"hello", b"Expect: 100-Continue") + GET_NEXT,
        Parsed((HELLO, NEXT)),
    ),
    Case(
        "expect-padded",
        length(b"5", b"hello", b"Expect:   100-continue\t ") + GET_NEXT,
        Parsed((HELLO, NEXT)),
    ),
    Case("expect-folded", length(b"5", b"hello", b"Expect:\r\n 100-continue"), REJECTED),
    Case("expect-with-cl-te", length(b"5", BODY_5, b"Expect: 100-continue", CHUNKED), REJECTED),
    Case(
        "expect-http10",
        b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
        Parsed((HELLO,), closes=True),
    ),
)

assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"
