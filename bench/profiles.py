"""What a bench run sends: the seed's POST /user by default, or one of the other profiles."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from bench import static_files

USER_JSON = b'{"id": 1, "name": "user", "email": "user@email.com"}'
UPLOAD_SIZE = 1024 * 1024


def _check_user(body: bytes) -> bool:
    return json.loads(body) == json.loads(USER_JSON)


def _check_sum(body: bytes) -> bool:
    return json.loads(body) == 3


def _check_users(body: bytes) -> bool:
    users = json.loads(body)
    return len(users) == 100 and users[7] == {"id": 7, "name": "user7", "email": "user7@email.com"}


def _check_upload(body: bytes) -> bool:
    return json.loads(body) == {"size": UPLOAD_SIZE}


def decode_content(body: bytes) -> bytes:
    """A compressed body as sent, decoded by its magic bytes: gzip, zstd, else brotli."""
    if body[:2] == b"\x1f\x8b":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if body[:4] == b"\x28\xb5\x2f\xfd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(body)  # type: ignore[no-any-return]
    import brotli  # type: ignore[import-untyped]

    return brotli.decompress(body)  # type: ignore[no-any-return]


def _check_items(body: bytes) -> bool:
    """Encoded (the client accepts gzip and br), and the 50 items once decoded."""
    from bench.apps.share import items_list

    return body[:1] != b"[" and json.loads(decode_content(body)) == json.loads(items_list())


def _not_http(body: bytes) -> bool:
    return False  # checked by its own client (ws-echo: bench/ws_load.py; upload-stream)


@dataclass(frozen=True)
class Profile:
    name: str
    method: str
    path: str
    body: bytes
    check: Callable[[bytes], bool]  # is this the right answer?
    simple: bool = True  # only POST /user: what every entry can serve
    pipeline: int = 1
    connections: int | None = None  # overrides --connections
    close: bool = False  # Connection: close on every request
    many_routes: bool = False  # serve the entry's 1,000-routes app instead
    summary: str = ""  # what is sent, for the table, the chart and --help
    flag: str = ""  # python -m bench FLAG selects this profile
    workers: int = 0  # several worker processes: server and wrk share every CPU, no pinning
    tls: bool = False  # over TLS: https, certificates made for the run
    static: bool = False  # the static files (bench/static_files.py), made for the run
    accept_encoding: str | None = None  # sent with every request
    media_type: str = "application/json"  # of the right answer
    compressed: bool = False  # compression middleware entries; bytes per response reported

    @property
    def request_headers(self) -> dict[str, str]:
        if self.static:
            return {"accept-encoding": self.accept_encoding or "identity"}
        if self.accept_encoding:
            return {"accept-encoding": self.accept_encoding}
        return {"content-type": "application/json"}

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def lua(self) -> str:
        """The wrk script sending this profile's request."""
        if self.static:
            return static_files.lua(STATIC_PREFIX, self.accept_encoding)
        body = "nil"
        if self.body == USER_JSON:
            body = f"'{USER_JSON.decode()}'"
        elif self.body:
            body = f'string.rep("u", {len(self.body)})'
        headers = '{["Content-Type"] = "application/json"'
        if self.accept_encoding:
            headers = f'{{["Accept-Encoding"] = "{self.accept_encoding}"'
        headers += ', ["Connection"] = "close"}' if self.close else "}"
        return (
            f"local body = {body}\n"
            f"local headers = {headers}\n"
            "init = function(args)\n"
            "  local requests = {}\n"
            f"  for i = 1, {self.pipeline} do\n"
            f'    requests[i] = wrk.format("{self.method}", "{self.path}", headers, body)\n'
            "  end\n"
            "  pipelined = table.concat(requests)\n"
            "end\n"
            "request = function() return pipelined end\n"
        )


STATIC_PREFIX = "/static"
STATIC_CHECKED = f"{STATIC_PREFIX}/{static_files.CHECKED}"

PROFILES = {
    "post-user": Profile(
        "post-user", "POST", "/user", USER_JSON, _check_user,
        summary="POST /user, decode a User, encode a new one (the seeds' procedure)",
    ),
    "query": Profile(
        "query", "GET", "/baseline?a=1&b=2", b"", _check_sum, simple=False,
        summary="GET /baseline?a=1&b=2 returns a+b", flag="--query",
    ),
    "pipelined": Profile(
        "pipelined", "POST", "/user", USER_JSON, _check_user, pipeline=16,
        summary="POST /user, 16 requests pipelined per connection", flag="--pipelined",
    ),
    "json-list": Profile(
        "json-list", "GET", "/users", b"", _check_users, simple=False,
        summary="GET /users returns a JSON list of 100 users", flag="--json-list",
    ),
    "upload": Profile(
        "upload", "POST", "/upload", b"u" * UPLOAD_SIZE, _check_upload, simple=False,
        summary="POST /upload of 1 MiB returns its size", flag="--upload",
    ),
    "many-routes": Profile(
        "many-routes", "POST", "/user", USER_JSON, _check_user, many_routes=True,
        summary="POST /user among 1,000 more routes", flag="--many-routes",
    ),
    "connections": Profile(
        "connections", "POST", "/user", USER_JSON, _check_user, connections=1000,
        summary="POST /user over 1,000 connections", flag="--many-connections",
    ),
    "workers": Profile(
        "workers", "POST", "/user", USER_JSON, _check_user, simple=False, workers=2,
        summary="POST /user to 2 worker processes (server and wrk share both CPUs)",
        flag="--workers",
    ),
    "tls": Profile(
        "tls", "POST", "/user", USER_JSON, _check_user, simple=False, tls=True,
        summary="POST /user over TLS, keep-alive", flag="--tls",
    ),
    "http10": Profile(
        "http10", "POST", "/user", USER_JSON, _check_user, close=True,
        summary="POST /user, Connection: close on every request", flag="--http10",
    ),
    "static": Profile(
        "static", "GET", STATIC_CHECKED, b"", static_files.check_identity, simple=False,
        connections=1000, static=True, media_type="text/css",
        summary="GET a random one of 20 static files (2-300 KB), 1,000 connections",
        flag="--static",
    ),
    "static-encoded": Profile(
        "static-encoded", "GET", STATIC_CHECKED, b"", static_files.check_encoded, simple=False,
        connections=1000, static=True, media_type="text/css",
        accept_encoding=static_files.ACCEPT_ENCODING,
        summary="--static with Accept-Encoding: br;q=1, gzip;q=0.8 (precompressed siblings)",
        flag="--static-encoded",
    ),
    "upload-stream": Profile(  # bench/upload_stream.py runs it: its own client, not wrk
        "upload-stream", "POST", "/upload-file", b"", _not_http, simple=False, connections=2,
        summary="POST /upload-file of 100 MiB multipart files taken as UploadFile, 2 at a time: "
        "MB/s and the server's peak RSS",
        flag="--upload-stream",
    ),
    "json-comp": Profile(
        "json-comp", "GET", "/items", b"", _check_items, simple=False, compressed=True,
        accept_encoding="gzip, br",
        summary="GET /items, a JSON list of 50 items (8 KB), Accept-Encoding: gzip, br",
        flag="--json-comp",
    ),
    "ws-echo": Profile(  # bench/ws_bench.py runs it: WebSocket, not wrk
        "ws-echo", "GET", "/ws", b"", _not_http, simple=False,
        summary="WebSocket echo at /ws of a 5-byte text and a 16 KiB binary message, "
        "one in flight per connection; server memory per idle socket",
        flag="--ws-echo",
    ),
    "h2": Profile(  # bench/h2_bench.py runs it: h2load, not wrk
        "h2", "GET", "/baseline?a=1&b=2", b"", _not_http, simple=False,
        summary="HTTP/2 (h2load -c 10 -m 100), h2c and TLS: GET /baseline?a=1&b=2 and POST "
        "/user; Squall's HTTP/1.1 pipelined figure for both",
        flag="--h2",
    ),
}  # fmt: skip
