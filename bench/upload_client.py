"""A multipart upload of any size sent from a small buffer: the client's memory stays flat
however large the file (bench.upload_memory, python -m bench --upload-stream)."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BOUNDARY = "squall-bench-boundary"
CHUNK = 256 * 1024
UPLOAD_PATH = "/upload-file"
FILENAME = "upload.bin"


@dataclass(frozen=True)
class Sent:
    status: int
    answer: Any  # the decoded JSON answer (None if it was not JSON)
    seconds: float  # from the first byte sent to the whole answer read


def _envelope(size: int) -> tuple[bytes, bytes]:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{FILENAME}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def _body(size: int, head: bytes, tail: bytes) -> Iterator[bytes | memoryview]:
    yield head
    block = memoryview(bytes(range(256)) * (CHUNK // 256))
    left = size
    while left > 0:
        piece = block[: min(CHUNK, left)]
        left -= len(piece)
        yield piece
    yield tail


def upload(host: str, port: int, size: int, timeout: float = 600) -> Sent:
    """POST a ``size``-byte file as multipart/form-data to UPLOAD_PATH on a new connection."""
    head, tail = _envelope(size)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("POST", UPLOAD_PATH, body=_body(size, head, tail), headers=headers)
        response = connection.getresponse()
        raw = response.read()
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    return Sent(response.status, answer, seconds)


def answered_right(sent: Sent, size: int) -> bool:
    return sent.status == 200 and sent.answer == {"filename": FILENAME, "size": size}
