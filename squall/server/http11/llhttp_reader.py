"""Reading requests with llhttp: its parser callbacks and the checks on each head it reads.

httptools (llhttp) calls the ``on_*`` methods while ``HttpConnection._parse`` feeds it (see
connection.py); heads that plain.py reads never come here.  :class:`LlhttpReader` holds the
per-message parse state; :class:`HttpConnection` extends it with everything else a
connection does, and queues each head that passes as an :class:`Exchange` (``_accept``).
"""

from __future__ import annotations

from typing import Final

import httptools

from squall.server.exchange import Exchange
from squall.server.http11.errors import Rejected
from squall.server.http11.plain import valid_host
from squall.server.http11.rules import check_transfer_codings, split_target, with_host
from squall.server.proxy_headers import HEADER_NAMES as PROXY_HEADER_NAMES
from squall.server.state import ServerState
from squall.server.transport import StreamConnection
from squall.server.websocket.handshake import asks_for_websocket

SPECIAL_HEADERS: Final = frozenset(
    (
        b"host",
        b"content-length",
        b"expect",
        b"content-type",
        b"upgrade",
        b"transfer-encoding",
        *PROXY_HEADER_NAMES,
    )
)
SP: Final = 32
HTAB: Final = 9
# A chunked body's framing (size lines, extensions, trailers) may take this many bytes more
# than CHUNK_OVERHEAD_RATIO times its data: 1-byte chunks pass, endless extensions do not.
CHUNK_OVERHEAD_ALLOWANCE: Final = 16 * 1024
CHUNK_OVERHEAD_RATIO: Final = 8
# Interned method names: no bytes->str decode per request for the common ones.
METHODS: Final = {
    m.encode("ascii"): m
    for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
}


class LlhttpReader(StreamConnection):
    """The llhttp side of an HTTP/1.1 connection: parser callbacks and per-message state."""

    def __init__(self, state: ServerState) -> None:
        super().__init__(state)
        self.max_header_count = state.max_header_count
        self.parser = httptools.HttpRequestParser(self)
        self.incoming: Exchange | None = None  # the one whose body is being parsed
        # Which parser read each request head: the compiled plain-head scan or llhttp.
        self.plain_heads = 0
        self.llhttp_heads = 0
        # Per-message parse state.
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_size = 0
        self._hosts = 0
        self._host = b""
        self._expect_100 = False
        self._unknown_expectation = False
        self._transfer_encoding = b""  # the Transfer-Encoding values, lowercased, comma-joined
        self._content_length = b""
        # A chunked body read by llhttp: its data and framing bytes so far (see _parse).
        self._chunked = False
        self._chunk_data = 0
        self._chunk_overhead = 0
        self._trailer_size = 0
        self._trailer_count = 0
        self._content_type = b""
        self._forwarded = False  # a proxy header is present (see proxy_headers.py)
        self._upgrade_header = False  # an Upgrade header is present
        # A request asking for a WebSocket, and what came after its head (websocket/upgrade.py).
        self.websocket_upgrade = state.websocket_upgrade
        self.upgrade_request: Exchange | None = None
        self.upgrade_data = b""
        self._in_head = False
        self._head_bytes = 0
        self._data_size = 0
        # A big read holding a head's end: that head's raw size (connection.py's _parse),
        # else -1.  llhttp skips the whitespace before a field value without telling, so the
        # fields a finished head holds can be far fewer bytes than the head itself.
        self._raw_head_size = -1
        self._head_tail = b""  # the last bytes of an unfinished head (its end may straddle)

    # -- Parser callbacks (llhttp) ----------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self.state.max_request_line_size:
            raise Rejected(414, "Request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if value and (value[-1] == SP or value[-1] == HTAB):
            value = value.rstrip(b" \t")  # trailing OWS is not part of the value (RFC 9110 5.5)
        if self.incoming is not None:
            self._on_trailer(name, value)
            return
        self._headers.append((name, value))
        if name in SPECIAL_HEADERS:
            if name == b"host":
                self._hosts += 1
                self._host = value
            elif name == b"content-length":
                self._content_length = value
            elif name == b"content-type":
                self._content_type = value
            elif name == b"expect":
                if value.lower() == b"100-continue":
                    self._expect_100 = True
                else:
                    self._unknown_expectation = True
            elif name == b"transfer-encoding":
                self._transfer_encoding += b"," + value.lower()
            elif name == b"upgrade":
                self._upgrade_header = True
            else:
                self._forwarded = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self.deadline = None
        state = self.state
        parser = self.parser
        headers = self._headers
        if self._head_bytes + self._data_size > state.max_header_size:
            self._check_header_size()  # only a big head can be too big: skip the sum otherwise
        if len(headers) > state.max_header_count:
            raise Rejected(431, "Too many request headers")
        version = parser.get_http_version()
        if version != "1.1" and version != "1.0":
            raise Rejected(505, "HTTP version not supported")
        if self._hosts != 1 and (version == "1.1" or self._hosts > 1):
            reason = "Multiple Host headers" if self._hosts else "Missing Host header"
            raise Rejected(400, reason)
        if self._hosts and not valid_host(self._host, 0, len(self._host)):
            raise Rejected(400, "Invalid Host header")
        if self._unknown_expectation:  # RFC 9110 10.1.1: only 100-continue is known
            raise Rejected(417, "Expectation failed")
        if self._transfer_encoding:
            check_transfer_codings(self._transfer_encoding, version)
            self._transfer_encoding = b""
            self._chunked = True
        limit = state.max_body_size
        if self._content_length and limit is not None and int(self._content_length) > limit:
            raise Rejected(413, "Request body too large")
        raw_method = parser.get_method()
        if raw_method == b"CONNECT":  # a tunnel request, for proxies (RFC 9110 9.3.6)
            raise Rejected(501, "CONNECT is not supported")
        method = METHODS.get(raw_method) or raw_method.decode("ascii")
        target = split_target(self._url, raw_method)
        if target.authority is not None:
            headers = with_host(headers, target.authority)
        exchange = self._accept(
            method,
            target.raw_path,
            target.query,
            headers,
            version,
            bool(parser.should_keep_alive()),
        )
        self.llhttp_heads += 1
        if self._expect_100 and version == "1.1":
            exchange.expect_100 = True
        exchange.content_type = self._content_type
        if self._forwarded:
            self._forwarded = False
            if self.trust_forwarded:
                self._apply_proxy_headers(exchange)
        if self._upgrade_header:
            self._upgrade_header = False
            if self.websocket_upgrade is not None and asks_for_websocket(headers):
                self.upgrade_request = exchange
        self._url = b""
        self._headers = []
        self._hosts = 0
        self._content_length = b""
        self._content_type = b""
        self._expect_100 = False
        self._chunk_overhead = self._chunk_data = 0
        self._trailer_size = self._trailer_count = 0

    def _on_trailer(self, name: bytes, value: bytes) -> None:
        """A trailer field (RFC 9112 7.1.2): counted against the head limits, then dropped."""
        self._trailer_size += len(name) + len(value)
        self._trailer_count += 1
        too_big = self._trailer_size > self.state.max_header_size
        if too_big or self._trailer_count > self.max_header_count:
            raise Rejected(431, "Request trailer section too large")

    def _accept(
        self,
        method: str,
        raw_path: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        version: str,
        keep_alive: bool,
    ) -> Exchange:
        """A request head was read: queue its exchange (HttpConnection does)."""
        raise NotImplementedError

    def _apply_proxy_headers(self, exchange: Exchange) -> None:
        """A trusted proxy sent proxy headers: they may name another client and scheme."""
        trust = self.state.proxy_trust
        if trust is None:
            return
        forwarded = trust.resolve(exchange.headers, self.client, self.scheme)
        if forwarded is not None:
            exchange.forward(forwarded[0], forwarded[1])

    def _check_header_size(self) -> None:
        state = self.state
        headers = self._headers
        size = sum(len(name) + len(value) for name, value in headers)
        if size > state.max_header_size:
            raise Rejected(431, "Request header section too large")
        # The fewest bytes this head can have taken (llhttp requires CRLF line ends): the
        # request line "METHOD SP target SP HTTP/x.y CRLF", "name:value CRLF" per field, and
        # the blank line.  An unfinished head is refused once its raw bytes pass the limits'
        # sum (_parse); a finished head must be too, or a head read whole would be served and
        # the same head read in pieces refused (differential fuzzing found it: see
        # tests/server/test_parser_agreement.py).  The stricter answer wins.
        request_line = len(self.parser.get_method()) + len(self._url) + 12
        least = request_line + size + 3 * len(headers) + 2
        raw_size = self._raw_head_size
        self._raw_head_size = -1  # measured for the head this read began with: this one
        if max(least, raw_size) > state.max_request_line_size + state.max_header_size:
            raise Rejected(431, "Request header section too large")

    def _measure_head(self, data: bytes) -> None:
        """Before a big read that continues (or starts) a head: that head's raw size, if
        it ends in ``data``.  A head's first empty line is its end (llhttp takes CRLF only)."""
        before = self._head_bytes
        tail = self._head_tail if before else b""
        if tail:  # the end may straddle the reads
            at = (tail + data[:3]).find(b"\r\n\r\n")
            if at >= 0:
                self._raw_head_size = before - len(tail) + at + 4
                return
        start = 0
        if not before:
            while data.startswith(b"\r\n", start):  # empty lines before a request: skipped
                start += 2
        at = data.find(b"\r\n\r\n", start)
        self._raw_head_size = -1 if at < 0 else before + at + 4

    def on_body(self, body: bytes) -> None:
        incoming = self.incoming
        if incoming is not None:
            if self._chunked:
                self._chunk_data += len(body)
            incoming.feed_body(body)

    def on_message_complete(self) -> None:
        incoming = self.incoming
        if incoming is not None:
            self.deadline = None  # the body timer's, if the body came in several reads
            self._message_complete(incoming)

    def _message_complete(self, exchange: Exchange) -> None:
        self.incoming = None
        self._chunked = False
        exchange.finish_body()

    def _check_chunk_overhead(self, overhead: int) -> None:
        """A read held only framing of a chunked body: bound chunk extensions and trailers."""
        self._chunk_overhead += overhead
        allowed = CHUNK_OVERHEAD_ALLOWANCE + CHUNK_OVERHEAD_RATIO * self._chunk_data
        if self._chunk_overhead > allowed:
            self.fail(400, "Chunk extensions or trailers too large")


__all__ = ["LlhttpReader"]
