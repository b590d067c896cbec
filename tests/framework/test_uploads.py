"""Uploads over real sockets, on Squall's server (native path) and under uvicorn (plain ASGI):
``UploadFile`` (names, type, headers, size, async read/seek/write, spooling to disk past
1 MiB, closed after the request even when the endpoint raises), ``File()`` parameters from
``curl -F``, and ``request.stream()`` handing over a raw body piece by piece."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest

import squall.multipart
from squall import App, File, Form, Request, UploadFile
from squall.forms import SPOOL_MAX_SIZE
from tests.framework.static_tree import SERVERS, curl, serving
from tests.server.serving import captured_errors, wait_until

BIG = bytes(range(256)) * (SPOOL_MAX_SIZE // 256 * 3)  # 3 MiB: spooled to disk


class Seen:
    """The UploadFiles the endpoints were given, to look at once the response is in."""

    files: list[UploadFile] = []


def upload_app() -> App:
    app = App()

    @app.post("/describe")
    async def describe(file: UploadFile) -> dict[str, Any]:
        Seen.files.append(file)
        head = await file.read(4)
        await file.seek(0)
        whole = await file.read()
        return {
            "filename": file.filename,
            "content_type": file.content_type,
            "custom": file.headers.get("x-custom"),
            "size": file.size,
            "head": head.decode("latin-1"),
            "sha": hashlib.sha256(whole).hexdigest(),
            "on_disk": file.file._rolled,  # type: ignore[attr-defined]
        }

    @app.post("/append")
    async def append(file: UploadFile) -> dict[str, Any]:
        await file.seek(file.size or 0)
        await file.write(b"+more")
        await file.seek(0)
        return {"size": file.size, "content": (await file.read()).decode()}

    @app.post("/fails")
    async def fails(file: UploadFile) -> None:
        Seen.files.append(file)
        raise RuntimeError("the endpoint fails after the upload was read")

    @app.post("/bytes")
    async def as_bytes(
        data: Annotated[bytes, File()], files: list[UploadFile], note: Annotated[str, Form()]
    ) -> dict[str, Any]:
        return {"data": len(data), "files": [f.filename for f in files], "note": note}

    @app.post("/contents")
    async def contents(files: list[UploadFile]) -> list[str]:
        return [(await f.read()).decode() for f in files]

    @app.post("/optional")
    async def optional(
        file: UploadFile | None = None, note: Annotated[str, Form()] = "none"
    ) -> dict[str, Any]:
        return {"file": None if file is None else file.filename, "note": note}

    @app.post("/stream")
    async def stream(request: Request) -> dict[str, Any]:
        digest = hashlib.sha256()
        pieces = 0
        async for chunk in request.stream():
            digest.update(chunk)
            pieces += 1
        return {"sha": digest.hexdigest(), "pieces": pieces}

    return app


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(request.param)(upload_app()) as url:
        yield url


def test_an_upload_file_tells_its_name_type_headers_and_size(base: str, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG rest of it")
    sent = curl(f"{base}/describe", "-F", f'file=@{photo};type=image/png;headers="X-Custom: yes"')
    assert httpx.Response(200, content=sent.body).json() == {
        "filename": "photo.png",
        "content_type": "image/png",
        "custom": "yes",
        "size": 15,
        "head": "\x89PNG",
        "sha": hashlib.sha256(b"\x89PNG rest of it").hexdigest(),
        "on_disk": False,
    }


def test_a_large_upload_is_spooled_to_disk_and_arrives_whole(base: str) -> None:
    sent = httpx.post(f"{base}/describe", files={"file": ("big.bin", BIG)}, timeout=30)
    described = sent.json()
    assert described["size"] == len(BIG)
    assert described["sha"] == hashlib.sha256(BIG).hexdigest()
    assert described["on_disk"] is True


def test_an_upload_file_can_be_written_to(base: str) -> None:
    sent = httpx.post(f"{base}/append", files={"file": ("a.txt", b"abc")})
    assert sent.json() == {"size": 8, "content": "abc+more"}


def test_uploads_are_closed_after_the_response_and_when_the_endpoint_raises(base: str) -> None:
    Seen.files.clear()
    httpx.post(f"{base}/describe", files={"file": ("a.bin", BIG)}, timeout=30)
    failed = httpx.post(f"{base}/fails", files={"file": ("b.bin", b"x")})
    assert failed.status_code == 500
    httpx.post(f"{base}/describe", files={"file": ("c.bin", b"y")})  # the others have finished
    first, second, _ = Seen.files
    assert first.file.closed
    assert second.file.closed


def test_file_parameters_from_curl(base: str, tmp_path: Path) -> None:
    paths = []
    for name in ("one.txt", "two.txt"):
        paths.append(tmp_path / name)
        paths[-1].write_text(name)
    sent = curl(
        f"{base}/bytes",
        "-F", f"data=@{paths[0]}", "-F", f"files=@{paths[0]}", "-F", f"files=@{paths[1]}",
        "-F", "note=hi",
    )  # fmt: skip
    assert httpx.Response(200, content=sent.body).json() == {
        "data": 7,
        "files": ["one.txt", "two.txt"],
        "note": "hi",
    }


def test_files_arriving_in_one_chunk_each_keep_their_own_bytes(base: str) -> None:
    files = [("files", (name, name.encode() * 3)) for name in ("first", "second", "third")]
    sent = httpx.post(f"{base}/contents", files=files, data={"between": "text"})
    assert sent.json() == ["firstfirstfirst", "secondsecondsecond", "thirdthirdthird"]


def test_an_empty_file_input_counts_as_not_sent_as_fastapi(base: str) -> None:
    """What a browser sends for a file input left empty: an empty filename, no bytes."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n"
        b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n\r\n--b--\r\n'
    )
    headers = {"content-type": "multipart/form-data; boundary=b"}
    empty = httpx.post(f"{base}/optional", content=body, headers=headers)
    assert empty.json() == {"file": None, "note": "none"}
    required = httpx.post(f"{base}/describe", content=body, headers=headers)
    assert required.status_code == 422
    assert required.json()["detail"][0]["loc"] == ["body", "file"]


def test_request_stream_hands_over_a_chunked_body_in_pieces(base: str) -> None:
    pieces = [bytes([n]) * 200_000 for n in range(10)]

    def body() -> Iterator[bytes]:
        yield from pieces

    sent = httpx.post(f"{base}/stream", content=body(), timeout=30)
    streamed = sent.json()
    assert streamed["sha"] == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert streamed["pieces"] > 1  # not gathered into one body first


def test_writes_that_reach_the_disk_run_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    in_threads: list[int] = []
    real = asyncio.to_thread

    async def recorded(call: Any, *args: Any) -> Any:
        in_threads.append(len(args[0]) if args and isinstance(args[0], bytes) else -1)
        return await real(call, *args)

    monkeypatch.setattr(asyncio, "to_thread", recorded)
    with tempfile.SpooledTemporaryFile(max_size=10) as spool:
        upload = UploadFile(spool, size=0)  # type: ignore[arg-type]

        async def write_three() -> None:
            await upload.write(b"12345")  # in memory: on the loop
            await upload.write(b"678901")  # rolls over to disk: in a thread
            await upload.write(b"23")  # on disk: in a thread
            await upload.close()

        asyncio.run(write_three())
    assert in_threads == [6, 2, -1]  # the two writes, then close
    assert upload.size == 13


class RecordedSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    made: list[tempfile.SpooledTemporaryFile] = []  # type: ignore[type-arg]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.made.append(self)


def test_a_client_gone_mid_upload_leaves_no_file_open_and_logs_no_error(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(squall.multipart, "SpooledTemporaryFile", RecordedSpool)
    RecordedSpool.made.clear()
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
    request = (
        "POST /describe HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {len(head) + 10 * len(BIG)}\r\n\r\n"
    ).encode()
    host, port = base.removeprefix("http://").split(":")
    with captured_errors() as errors:
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request + head + BIG)  # 3 MiB of 30: the spool is on disk by now
            wait_until(lambda: RecordedSpool.made and RecordedSpool.made[0]._rolled, "the spool")
        wait_until(lambda: RecordedSpool.made[0].closed, "the half-received upload closed")
        assert httpx.post(f"{base}/append", files={"file": ("a", b"x")}).status_code == 200
    assert errors.records == []
