"""The ASGI face of compression: one response's messages, encoded on their way out.

A whole body (one ``http.response.body`` message) is compressed in one call; a streamed one
chunk by chunk, each flushed; a file sent with the server's ``http.response.pathsend`` or
``http.response.zerocopy`` extensions is read and compressed in chunks (an encoded body
cannot go out with sendfile; an unencoded one still does).
"""

from __future__ import annotations

import os
from typing import Any

from squall.file_ranges import FileSpan
from squall.file_sending import PATHSEND, ZEROCOPY, read_segments
from squall.middleware.codings import Coding, StreamEncoder
from squall.middleware.compression_rules import (
    CompressionRules,
    RawHeaders,
    declared_length,
    encoded_headers,
    with_vary,
)

Message = dict[str, Any]
Send = Any

_BODY = "http.response.body"


class EncodingSender:
    """Wraps one response's ``send``: holds the start until the first body part decides."""

    def __init__(self, send: Send, rules: CompressionRules, coding: Coding | None) -> None:
        self.send = send
        self.rules = rules
        self.coding = coding
        self.start: Message | None = None
        self.stream: StreamEncoder | None = None
        self.passing = False  # sending the rest as it comes

    async def __call__(self, message: Message) -> None:
        if self.passing:
            await self.send(message)
        elif self.stream is not None:
            await self._encode_part(message)
        elif message["type"] == "http.response.start":
            await self._started(message)
        elif message["type"] == _BODY:
            await self._first_body(message)
        elif message["type"] in (PATHSEND, ZEROCOPY):
            await self._file(message)
        else:
            await self._pass(message)

    async def _started(self, message: Message) -> None:
        headers = message.get("headers", [])
        if not self.rules.eligible(message["status"], list(headers)):
            await self._pass(message)
            return
        declared = declared_length(headers)
        if not self.rules.big_enough(declared):
            await self._pass(message)
            return
        self.start = message  # held: the first body part says whether it fits in one call

    async def _first_body(self, message: Message) -> None:
        start = self.start
        assert start is not None
        headers = list(start.get("headers", []))
        body = message.get("body", b"")
        coding = self.coding
        if message.get("more_body", False):
            if coding is None:
                await self._pass_varied(start, headers, message, None)
                return
            await self._start_stream(start, headers, coding)
            await self._encode_part(message)
            return
        declared = declared_length(headers)
        size = len(body) if declared is None else declared
        if (
            coding is None
            or not self.rules.big_enough(len(body))
            or size != len(body)  # HEAD: a body the app did not send
        ):
            await self._pass_varied(start, headers, message, size)
            return
        encoded = coding.compress(body)
        headers = encoded_headers(headers, coding, len(encoded))
        self.passing = True
        await self.send({**start, "headers": headers})
        await self.send({"type": _BODY, "body": encoded})

    async def _file(self, message: Message) -> None:
        """A file the server would send itself (the first body part)."""
        start = self.start
        assert start is not None
        headers = list(start.get("headers", []))
        if self.coding is None:
            await self._pass_varied(start, headers, message, declared_length(headers))
            return
        await self._start_stream(start, headers, self.coding)
        await self._encode_file(message)

    async def _encode_file(self, message: Message) -> None:
        """A file's bytes, read and encoded here: an encoded body cannot go out with
        sendfile."""
        stream = self.stream
        assert stream is not None
        if message["type"] == PATHSEND:
            with open(message["path"], "rb") as file:
                await self._encode_span(stream, file, FileSpan(0, _size(file)))
        else:
            span = FileSpan(message.get("offset") or 0, _zerocopy_count(message))
            await self._encode_span(stream, message["file"], span)
        if not message.get("more_body", False):
            await self._finish(stream.finish())

    async def _encode_span(self, stream: StreamEncoder, file: Any, span: FileSpan) -> None:
        async for part in read_segments([span], file):
            encoded = stream.chunk(part)
            if encoded:
                await self.send({"type": _BODY, "body": encoded, "more_body": True})

    async def _start_stream(self, start: Message, headers: RawHeaders, coding: Coding) -> None:
        self.stream = coding.stream()
        await self.send({**start, "headers": encoded_headers(headers, coding, None)})

    async def _encode_part(self, message: Message) -> None:
        stream = self.stream
        assert stream is not None
        if message["type"] in (PATHSEND, ZEROCOPY):
            await self._encode_file(message)
            return
        if message["type"] != _BODY:
            await self.send(message)
            return
        data = message.get("body", b"")
        if message.get("more_body", False):
            if data:
                await self.send({"type": _BODY, "body": stream.chunk(data), "more_body": True})
            return
        await self._finish(stream.chunk(data) + stream.finish() if data else stream.finish())

    async def _finish(self, tail: bytes) -> None:
        self.stream = None
        self.passing = True
        await self.send({"type": _BODY, "body": tail})

    async def _pass_varied(
        self, start: Message, headers: RawHeaders, message: Message, size: int | None
    ) -> None:
        """Unencoded, but it would have been for another Accept-Encoding: Vary says so."""
        self.passing = True
        varied = with_vary(headers) if self.rules.big_enough(size) else headers
        await self.send({**start, "headers": varied})
        await self.send(message)

    async def _pass(self, message: Message) -> None:
        self.passing = True
        await self.send(message)


def _size(file: Any) -> int:
    return os.fstat(file.fileno()).st_size


def _zerocopy_count(message: Message) -> int:
    count = message.get("count")
    if count is not None:
        return int(count)
    return _size(message["file"]) - (message.get("offset") or 0)
