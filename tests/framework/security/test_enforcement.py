"""Each security scheme enforces itself on a real server: Squall's (the native path) and
uvicorn (the plain ASGI path), with httpx.  One twin app (twin.py) per server for the module;
every case of cases.py, FastAPI's and Squall's own (DIFFERENT), against each."""

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.framework.security.cases import CASES, DIFFERENT, Case
from tests.framework.security.client import Answer, send
from tests.framework.security.twin import build

SERVERS = {"squall-native": serve_with_squall, "uvicorn-asgi": serve_with_uvicorn}


@pytest.fixture(scope="module", params=list(SERVERS))
def client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(SERVERS[request.param](build("squall")))
        yield stack.enter_context(httpx.Client(base_url=url, timeout=10))


@pytest.mark.parametrize("case", CASES + DIFFERENT, ids=lambda case: case.name)
def test_the_answer_to_each_request(client: httpx.Client, case: Case) -> None:
    assert send(client, case) == Answer.expected(case)


def test_the_password_flow_issues_a_token_the_scheme_then_takes(client: httpx.Client) -> None:
    form = {"username": "alice", "password": "wonderland", "grant_type": "password"}
    issued = client.post("/token", data=form)
    assert issued.json() == {"access_token": "alice-token", "token_type": "bearer"}
    token = issued.json()["access_token"]
    me = client.get("/me/items", headers={"authorization": f"Bearer {token}"})
    assert me.json() == {"user": "alice", "scopes": ["me", "items"]}
    wrong = client.post("/token", data={**form, "password": "x"})
    assert wrong.status_code == 400
    other_grant = client.post("/token", data={**form, "grant_type": "client_credentials"})
    assert other_grant.status_code == 422
    assert other_grant.json()["detail"][0]["loc"] == ["body", "grant_type"]


def test_a_refusal_is_json_with_its_challenge(client: httpx.Client) -> None:
    response = client.get("/bearer")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated"}
