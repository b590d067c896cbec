"""Forms over real sockets, on Squall's server (native path) and under uvicorn (plain ASGI):
urlencoded and multipart fields (httpx and ``curl -F``), every limit with the message naming
it, malformed and cut-short bodies, and a form parsed while its body is still arriving."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest

from squall import App, Form, Request, UploadFile
from squall.forms import FormLimits
from tests.framework.static_tree import SERVERS, curl, serving

BOUNDARY = "b0undary"
APP_MAX_FILE = 64 * 1024  # App(form_limits=...): the app-wide default


def multipart(*parts: bytes, end: bytes = b"--" + BOUNDARY.encode() + b"--\r\n") -> bytes:
    return b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts) + end


def text_part(name: str, value: bytes, extra: bytes = b"") -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"\r\n'.encode()
    return disposition + extra + b"\r\n" + value


def file_part(name: str, filename: str, data: bytes) -> bytes:
    head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
    return head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


async def described(request: Request, **limits: Any) -> list[list[Any]]:
    form = await request.form(**limits)
    return [
        [name, {"filename": v.filename, "size": v.size, "type": v.content_type}]
        if isinstance(v, UploadFile)
        else [name, v]
        for name, v in form.multi_items()
    ]


def form_app() -> App:
    app = App(form_limits=FormLimits(max_file_size=APP_MAX_FILE))

    @app.post("/form")
    async def whole(request: Request) -> list[list[Any]]:
        return await described(request)

    @app.post("/limited")
    async def limited(request: Request) -> list[list[Any]]:
        return await described(
            request,
            max_files=1,
            max_fields=2,
            max_part_size=10,
            max_file_size=100,
            max_part_header_size=200,
        )

    @app.post("/block")
    async def block(request: Request) -> dict[str, Any]:
        async with request.form() as form:
            upload = form["f"]
            assert isinstance(upload, UploadFile)
            inside = (await upload.read()).decode()
        return {"inside": inside, "closed_after": upload.file.closed}

    @app.post("/login")
    async def login(
        username: Annotated[str, Form()], tags: Annotated[list[str], Form()]
    ) -> dict[str, Any]:
        return {"username": username, "tags": tags}

    return app


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(request.param)(form_app()) as url:
        yield url


def test_urlencoded_fields_keep_order_repeats_and_utf8(base: str) -> None:
    sent = httpx.post(
        f"{base}/form", content=b"a=1&b=%C3%A9t%C3%A9&a=2&empty=&flag", headers=urlencoded()
    )
    assert sent.json() == [["a", "1"], ["b", "été"], ["a", "2"], ["empty", ""], ["flag", ""]]
    login = httpx.post(f"{base}/login", data={"username": "ann", "tags": ["x", "y"]})
    assert login.json() == {"username": "ann", "tags": ["x", "y"]}


def urlencoded() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


def test_curl_sends_fields_and_files(base: str, tmp_path: Path) -> None:
    upload = tmp_path / "report.csv"
    upload.write_bytes(b"a,b\n1,2\n" * 100)
    sent = curl(
        f"{base}/form",
        "-F", "note=héllo",
        "-F", f"data=@{upload};type=text/csv",
        "-F", "note=again",
    )  # fmt: skip
    assert sent.status == 200
    assert httpx.Response(200, content=sent.body).json() == [
        ["note", "héllo"],
        ["data", {"filename": "report.csv", "size": 800, "type": "text/csv"}],
        ["note", "again"],
    ]


LIMITS = {
    "max_files": (
        multipart(file_part("a", "a", b"1"), file_part("b", "b", b"2")),
        400,
        "Too many files: more than 1 (max_files)",
    ),
    "max_fields": (
        multipart(text_part("a", b"1"), text_part("b", b"2"), text_part("c", b"3")),
        400,
        "Too many fields: more than 2 (max_fields)",
    ),
    "max_part_size": (
        multipart(text_part("a", b"x" * 11)),
        413,
        "A form field is larger than 10 bytes (max_part_size)",
    ),
    "max_file_size": (
        multipart(file_part("f", "big.bin", b"x" * 101)),
        413,
        "The file 'big.bin' is larger than 100 bytes (max_file_size)",
    ),
    "max_part_header_size": (
        multipart(text_part("a", b"1", extra=b"X-Pad: " + b"p" * 200 + b"\r\n")),
        400,
        "A multipart part's headers are larger than 200 bytes (max_part_header_size)",
    ),
}


@pytest.mark.parametrize("limit", list(LIMITS))
def test_each_limit_answers_with_a_message_naming_it(base: str, limit: str) -> None:
    body, status, message = LIMITS[limit]
    refused = httpx.post(f"{base}/limited", content=body, headers=MULTIPART)
    assert (refused.status_code, refused.json()) == (status, {"detail": message})


def test_a_form_just_within_the_limits_is_read(base: str) -> None:
    body = multipart(
        text_part("a", b"x" * 10), text_part("b", b""), file_part("f", "f", b"y" * 100)
    )
    read = httpx.post(f"{base}/limited", content=body, headers=MULTIPART)
    assert read.json() == [
        ["a", "x" * 10],
        ["b", ""],
        ["f", {"filename": "f", "size": 100, "type": "application/octet-stream"}],
    ]


def test_the_apps_limits_apply_without_arguments(base: str) -> None:
    body = multipart(file_part("f", "f.bin", b"z" * (APP_MAX_FILE + 1)))
    refused = httpx.post(f"{base}/form", content=body, headers=MULTIPART)
    assert refused.status_code == 413
    assert "(max_file_size)" in refused.json()["detail"]
    fitting = multipart(file_part("f", "f.bin", b"z" * APP_MAX_FILE))
    assert httpx.post(f"{base}/form", content=fitting, headers=MULTIPART).status_code == 200


def test_urlencoded_fields_are_counted_and_sized(base: str) -> None:
    many = httpx.post(f"{base}/limited", content=b"a=1&b=2&c=3", headers=urlencoded())
    assert many.json() == {"detail": "Too many fields: more than 2 (max_fields)"}
    large = httpx.post(f"{base}/limited", content=b"a=" + b"x" * 20, headers=urlencoded())
    assert (large.status_code, large.json()["detail"]) == (
        413,
        "A form field is larger than 10 bytes (max_part_size)",
    )


@pytest.mark.parametrize(
    "body",
    [
        multipart(text_part("a", b"1"), end=b""),  # no closing boundary
        multipart(end=b"")[:-2] + b"--" + BOUNDARY.encode() + b"\r\nContent-Disp",  # in a head
        b"--" + BOUNDARY.encode() + b"\r\n" + text_part("a", b"half a val"),  # in the data
    ],
    ids=["no-closing-boundary", "inside-the-headers", "inside-the-data"],
)
def test_a_body_that_ends_inside_a_part_is_a_400(base: str, body: bytes) -> None:
    refused = httpx.post(f"{base}/form", content=body, headers=MULTIPART)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("Malformed multipart form")


def test_a_part_without_content_disposition_is_a_400(base: str) -> None:
    body = multipart(b"Content-Type: text/plain\r\n\r\nvalue")
    refused = httpx.post(f"{base}/form", content=body, headers=MULTIPART)
    assert refused.status_code == 400
    assert "Content-Disposition" in refused.json()["detail"]


def test_content_types_as_fastapi_answers_them(base: str) -> None:
    no_boundary = httpx.post(
        f"{base}/login", content=b"x", headers={"content-type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    assert no_boundary.json() == {"detail": "Missing boundary in multipart form"}
    as_json = httpx.post(f"{base}/login", json={"username": "ann", "tags": ["x"]})
    assert as_json.status_code == 422  # not a form: its fields are missing
    assert [e["loc"] for e in as_json.json()["detail"]] == [["body", "username"], ["body", "tags"]]
    empty = httpx.post(f"{base}/form", content=b"", headers=MULTIPART)
    assert empty.json() == []


def test_a_refusal_comes_while_the_body_is_still_arriving(base: str) -> None:
    """The parser sees each chunk as it arrives: two files against max_files=1 are refused
    with the body's end never sent (a parser given the whole body would wait for it)."""
    start = multipart(file_part("a", "a", b"1"), file_part("b", "b", b"2"), end=b"")
    head = (
        "POST /limited HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(start) + 10_000_000}\r\n\r\n"
    ).encode()
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head + start)
        answer = b""
        while b"(max_files)" not in answer:
            piece = sock.recv(65536)
            assert piece, f"closed without the refusal: {answer!r}"
            answer += piece
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_async_with_request_form_closes_its_files_at_the_end_of_the_block(base: str) -> None:
    sent = httpx.post(f"{base}/block", files={"f": ("f.txt", b"content")})
    assert sent.json() == {"inside": "content", "closed_after": True}
