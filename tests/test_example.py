"""The README's example app (the seed's endpoint), served by Squall over a real socket."""

from __future__ import annotations

import httpx

from examples.users import app
from tests.server.serving import serve

USER = {"id": 1, "name": "user", "email": "user@email.com"}


def test_post_user_answers_a_new_user() -> None:
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        response = client.post("/user", json=USER)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == USER


def test_bad_input_gets_clear_errors() -> None:
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        wrong_type = client.post("/user", json={**USER, "id": "one"})
        assert wrong_type.status_code == 422
        assert wrong_type.json()["detail"][0]["type"] == "int_parsing"  # pydantic's, as FastAPI
        missing = client.post("/user", json={"id": 1})
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["body", "name"]
        malformed = client.post(
            "/user", content=b'{"id": 1,', headers={"content-type": "application/json"}
        )
        assert malformed.status_code == 400
        assert client.get("/user").status_code == 405
        assert client.get("/user").headers["allow"] == "POST"
        assert client.post("/other", json=USER).status_code == 404
