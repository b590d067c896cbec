"""Form fields and file uploads written the FastAPI way, and OAuth2PasswordRequestForm."""

from __future__ import annotations

from importlib import util
from typing import Annotated

import pytest

from squall import App, Depends, File, Form, UploadFile
from squall.security import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict
from tests.compat.conftest import ClientFor


def test_form_fields_urlencoded_and_multipart(client_for: ClientFor) -> None:
    app = App()

    @app.post("/login")
    async def login(
        username: Annotated[str, Form(min_length=2)],
        age: Annotated[int, Form()] = 0,
        tags: Annotated[list[str] | None, Form()] = None,
    ) -> dict[str, object]:
        return {"username": username, "age": age, "tags": tags}

    client = client_for(app)
    sent = client.post("/login", data={"username": "ann", "age": "30", "tags": ["a", "b"]})
    assert sent.json() == {"username": "ann", "age": 30, "tags": ["a", "b"]}
    multipart = client.post("/login", data={"username": "bob"}, files={"x": ("x.txt", b"x")})
    assert multipart.json() == {"username": "bob", "age": 0, "tags": None}
    bad = client.post("/login", data={"username": "a", "age": "old"})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "username"], ["body", "age"]]
    missing = client.post("/login", data={"username": ""})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["type"] == "missing"


def test_uploads(client_for: ClientFor) -> None:
    app = App()

    @app.post("/files")
    async def create_file(
        file: Annotated[bytes, File()], note: Annotated[str, Form()] = ""
    ) -> dict[str, object]:
        return {"size": len(file), "note": note}

    @app.post("/uploadfile")
    async def upload(file: UploadFile) -> dict[str, object]:
        return {"name": file.filename, "content": (await file.read()).decode()}

    @app.post("/uploadfiles")
    async def uploads(files: list[UploadFile]) -> list[str | None]:
        return [f.filename for f in files]

    client = client_for(app)
    sent = client.post("/files", files={"file": ("a.bin", b"12345")}, data={"note": "n"})
    assert sent.json() == {"size": 5, "note": "n"}
    one = client.post("/uploadfile", files={"file": ("a.txt", b"hello")})
    assert one.json() == {"name": "a.txt", "content": "hello"}
    many = client.post("/uploadfiles", files=[("files", ("a", b"1")), ("files", ("b", b"2"))])
    assert many.json() == ["a", "b"]
    assert client.post("/uploadfile", data={"file": "text"}).status_code == 422
    missing = client.post("/uploadfile", files={"other": ("a", b"1")})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]


def test_oauth2_password_request_form(client_for: ClientFor) -> None:
    app = App()

    @app.post("/token")
    async def token(
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
    ) -> dict[str, object]:
        return {
            "username": form.username,
            "password": form.password,
            "scopes": form.scopes,
            "client_id": form.client_id,
            "grant_type": form.grant_type,
        }

    @app.post("/strict")
    async def strict(form: OAuth2PasswordRequestFormStrict = Depends()) -> str:
        return form.username

    client = client_for(app)
    sent = client.post(
        "/token", data={"username": "ann", "password": "pw", "scope": "me items", "client_id": "c"}
    )
    assert sent.json() == {
        "username": "ann",
        "password": "pw",
        "scopes": ["me", "items"],
        "client_id": "c",
        "grant_type": None,
    }
    missing = client.post("/token", data={"username": "ann"})
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "password"]]
    assert (
        client.post(
            "/token", data={"username": "a", "password": "p", "grant_type": "x"}
        ).status_code
        == 422
    )
    assert client.post("/strict", data={"username": "a", "password": "p"}).status_code == 422
    ok = client.post("/strict", data={"username": "a", "password": "p", "grant_type": "password"})
    assert ok.json() == "a"


def test_forms_without_python_multipart_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = util.find_spec
    monkeypatch.setattr(
        util, "find_spec", lambda name: None if name == "python_multipart" else real(name)
    )
    app = App()

    async def login(username: Annotated[str, Form()]) -> str:
        return username

    with pytest.raises(TypeError, match="python-multipart"):
        app.post("/login")(login)


def test_uploaded_files_are_closed_after_the_response(client_for: ClientFor) -> None:
    app = App()
    seen: list[UploadFile] = []

    @app.post("/upload")
    async def upload(file: UploadFile) -> int:
        seen.append(file)
        return len(await file.read())

    client = client_for(app)
    assert client.post("/upload", files={"file": ("a", b"abc")}).json() == 3
    client.post("/upload", files={"file": ("b", b"de")})  # the first request has finished
    assert seen[0].file.closed


class LoginForm:
    def __init__(self, username: str) -> None:
        self.username = username


def test_form_models_are_refused_when_declared() -> None:
    app = App()

    async def login(data: Annotated[LoginForm, Form()]) -> str:
        return data.username

    with pytest.raises(TypeError, match="form model"):
        app.post("/login")(login)
