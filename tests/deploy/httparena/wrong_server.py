"""A tiny HTTP/1.1 + WebSocket server of HttpArena's endpoints that answers wrong on demand.

Each connection serves one request (``Connection: close``) on a thread.  ``faults`` names the
wrong answers to give; with none it answers every check of validate.sh right, so each check can
be shown to PASS on a right answer and to FAIL on a wrong one.  The database endpoints answer
from a made-up table in memory; the crud cache keeps an item 5 s.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TTL = 5.0  # an entry keeps 200 ms; longer here, so a slow machine cannot expire a wrong answer
JSON = "application/json"


def table_item(item_id: int) -> dict[str, Any]:
    return {
        "id": item_id,
        "name": f"Alpha Widget {item_id}",
        "category": ("electronics", "office")[item_id % 2],
        "price": item_id % 500 + 1,
        "quantity": item_id % 7 + 1,
        "active": item_id % 3 == 0,
        "tags": ["sale"],
        "rating": {"score": item_id % 50, "count": item_id % 9},
    }


@dataclass
class Answer:
    status: int = 200
    content_type: str | None = "text/plain"
    body: bytes = b""
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


class WrongServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, static_dir: Path, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.static_dir = static_dir
        self.faults: set[str] = set()
        self.first_post: bytes | None = None
        self.cached: dict[int, float] = {}
        self.created: dict[int, dict[str, Any]] = {}
        self.seen: list[Request] = []  # every request read, in order
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def reset(self, *faults: str) -> None:
        self.faults = set(faults)
        self.first_post = None
        self.cached.clear()
        self.created.clear()
        self.seen.clear()


@contextmanager
def wrong_server(static_dir: Path) -> Iterator[WrongServer]:
    server = WrongServer(static_dir)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def read_chunked(stream: BinaryIO) -> bytes:
    body = b""
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            stream.readline()
            return body
        body += stream.read(size)
        stream.readline()


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = [*lines[0].split(" "), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


class Handler(socketserver.StreamRequestHandler):
    server: WrongServer

    def handle(self) -> None:
        request = self.read_request()
        if request is None:
            return
        if len(request.body) == int(request.headers.get("content-length", len(request.body))):
            self.server.seen.append(request)  # whole requests only (wrk may stop inside one)
        if request.path == "/ws":
            self.websocket(request)
            return
        answer = route(self.server, request)
        self.write(answer, request)

    def read_request(self) -> Request | None:
        if "first-read" in self.server.faults:  # a server that parses its first read only
            data = self.request.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            method, target, headers = parse_head(head)
        else:
            lines = []
            while (line := self.rfile.readline()) not in (b"\r\n", b"\n"):
                if not line.endswith(b"\n"):
                    return None  # the client left in the middle of the head
                lines.append(line.rstrip(b"\r\n"))
            method, target, headers = parse_head(b"\r\n".join(lines))
            body = self.read_body(headers)
        url = urlsplit(target)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        return Request(method, url.path, query, headers, body)

    def read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return read_chunked(self.rfile)
        return self.rfile.read(int(headers.get("content-length", "0")))

    def write(self, answer: Answer, request: Request) -> None:
        fields = [("Connection", "close"), ("Content-Length", str(len(answer.body)))]
        if answer.content_type is not None:
            fields.append(("Content-Type", answer.content_type))
        fields += answer.extra
        head = f"HTTP/1.1 {answer.status} X\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields)
        self.wfile.write(head.encode() + b"\r\n" + answer.body)

    def websocket(self, request: Request) -> None:
        if request.headers.get("upgrade", "").lower() != "websocket":
            status = 500 if "ws-plain-500" in self.server.faults else 400
            self.write(Answer(status, body=b"no upgrade"), request)
            return
        accept = hashlib.sha1((request.headers["sec-websocket-key"] + GUID).encode()).digest()
        if "ws-bad-accept" in self.server.faults:
            accept = accept[::-1]
        self.wfile.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + base64.b64encode(accept) + b"\r\n\r\n"
        )
        while (frame := self.read_frame()) is not None:
            opcode, payload = frame
            if opcode == 0x8:
                if "ws-close-no-reply" not in self.server.faults:
                    self.send_frame(0x8, struct.pack("!H", 1000))
                return
            if opcode == 0x2 and "ws-binary-as-text" in self.server.faults:
                opcode = 0x1
            self.send_frame(opcode, payload)

    def read_frame(self) -> tuple[int, bytes] | None:
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        length = head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.rfile.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.rfile.read(8))
        mask = self.rfile.read(4)
        data = self.rfile.read(length)
        return head[0] & 0x0F, bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))

    def send_frame(self, opcode: int, payload: bytes) -> None:
        if len(payload) < 126:
            head = struct.pack("!BB", 0x80 | opcode, len(payload))
        else:
            head = struct.pack("!BBH", 0x80 | opcode, 126, len(payload))
        self.wfile.write(head + payload)


def route(server: WrongServer, request: Request) -> Answer:
    path, faults = request.path, server.faults
    if path in ("/baseline11", "/baseline2"):
        return baseline(server, request)
    if path == "/pipeline":
        return Answer(content_type=JSON if "pipeline-json" in faults else "text/plain", body=b"ok")
    if path.startswith("/json/"):
        return compressed(json_items(server, request), request, faults)
    if path == "/upload":
        if "echo-length" in faults:
            return Answer(body=request.headers.get("content-length", "0").encode())
        return Answer(body=str(len(request.body)).encode())
    if path.startswith("/static/"):
        return static(server, request)
    if path == "/async-db":
        return async_db(server, request)
    if path.startswith("/crud/items"):
        return crud(server, request)
    return Answer(404, body=b"not found")


def baseline(server: WrongServer, request: Request) -> Answer:
    total = int(request.query.get("a", "0")) + int(request.query.get("b", "0"))
    if request.method == "POST":
        total += int(request.body.strip() or b"0")
    body = str(total).encode()
    if request.method == "POST" and "cache-post" in server.faults:
        server.first_post = server.first_post or body
        body = server.first_post
    content_type = "text/html" if "html" in server.faults else "text/plain; charset=utf-8"
    extra = [("Content-Type", content_type)] if "duplicate-type" in server.faults else []
    return Answer(content_type=content_type, body=body, extra=extra)


def json_items(server: WrongServer, request: Request) -> Answer:
    count = int(request.path.rsplit("/", 1)[1])
    multiplier = 1 if "json-no-m" in server.faults else int(request.query.get("m", "1"))
    items = [table_item(i) for i in range(1, count + 1)]
    for item in items:
        item["total"] = item["price"] * item["quantity"] * multiplier
    document = {"items": items, "count": count}
    content_type = "text/plain" if "json-type" in server.faults else JSON
    return Answer(content_type=content_type, body=json.dumps(document).encode())


def compressed(answer: Answer, request: Request, faults: set[str]) -> Answer:
    asked = "gzip" in request.headers.get("accept-encoding", "")
    if "never-compress" in faults or not (asked or "always-gzip" in faults):
        return answer
    body = answer.body[:-1] if "gzip-lie" in faults else answer.body
    answer.body = gzip.compress(body)
    answer.extra.append(("Content-Encoding", "gzip"))
    return answer


def static(server: WrongServer, request: Request) -> Answer:
    name = request.path.removeprefix("/static/")
    path = server.static_dir / name
    if not path.is_file():
        if "static-200" in server.faults:
            return Answer(body=b"")
        return Answer(404, body=b"not found")
    data = path.read_bytes()
    if "truncate" in server.faults:
        data = data[:-1]
    types = {".css": "text/css", ".js": "text/javascript", ".json": JSON}
    content_type = types.get(path.suffix, "application/octet-stream")
    if "css-as-plain" in server.faults and path.suffix == ".css":
        content_type = "text/plain"
    answer = Answer(content_type=content_type, body=data)
    if path.suffix in types:
        return compressed(answer, request, server.faults)
    return answer


def async_db(server: WrongServer, request: Request) -> Answer:
    low, high = int(request.query.get("min", "10")), int(request.query.get("max", "50"))
    limit = max(1, min(int(request.query.get("limit", "50")), 50))
    items = [table_item(i) for i in range(1, 5000) if low <= table_item(i)["price"] <= high]
    items = items[:limit]
    for item in items:
        if "tags-string" in server.faults:
            item["tags"] = json.dumps(item["tags"])
        if "active-int" in server.faults:
            item["active"] = int(item["active"])
    return Answer(
        content_type=JSON, body=json.dumps({"items": items, "count": len(items)}).encode()
    )


def crud(server: WrongServer, request: Request) -> Answer:
    faults = server.faults
    if request.path == "/crud/items":
        if request.method == "POST":
            created = json.loads(request.body)
            server.created[created["id"]] = created
            return Answer(200 if "post-200" in faults else 201, JSON, json.dumps(created).encode())
        limit = int(request.query.get("limit", "10"))
        items = [table_item(i) for i in range(1, 200) if table_item(i)["category"] == "electronics"]
        page = {"items": items[:limit], "total": limit, "page": int(request.query.get("page", "1"))}
        return Answer(content_type=JSON, body=json.dumps(page).encode())
    item_id = int(request.path.rsplit("/", 1)[1])
    found = server.created.get(item_id) or (table_item(item_id) if item_id <= 100_000 else None)
    if found is None:
        return Answer(404, JSON, b"{}")
    with server.lock:
        if request.method == "PUT":
            if "put-keeps-cache" not in faults:
                server.cached.pop(item_id, None)
            return Answer(content_type=JSON, body=json.dumps({"id": item_id}).encode())
        now = time.monotonic()
        hit = now - server.cached.get(item_id, -1.0) < TTL and "never-hit" not in faults
        if not hit:
            server.cached[item_id] = now
    extra = [] if "no-x-cache" in faults else [("X-Cache", "HIT" if hit else "MISS")]
    return Answer(content_type=JSON, body=json.dumps(found).encode(), extra=extra)


def main() -> None:
    """Serve as an HttpArena entry would: PORT, STATIC_DIR, and WRONG_FAULTS (comma-separated)."""
    import os

    server = WrongServer(Path(os.environ.get("STATIC_DIR", ".")), int(os.environ["PORT"]))
    server.reset(*filter(None, os.environ.get("WRONG_FAULTS", "").split(",")))
    server.serve_forever()


if __name__ == "__main__":
    main()
