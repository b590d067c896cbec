"""Squall's security schemes side by side with fastapi.security (the release in the dev
extra): the same requests to the twin app on Squall's server and on FastAPI under uvicorn
give the same status, ``WWW-Authenticate`` and body; where Squall differs on purpose
(cases.DIFFERENT) FastAPI's answer is checked to still be the one the README describes.
Both frameworks' schemes document themselves alike (``components.securitySchemes``)."""

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.framework.security.cases import CASES, DIFFERENT, Case
from tests.framework.security.client import Answer, send
from tests.framework.security.twin import build, kit_of, schemes

pytest.importorskip("fastapi", reason="fastapi (in the dev extra) runs the twin app")


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with contextlib.ExitStack() as stack:
        ours = stack.enter_context(serve_with_squall(build("squall")))
        theirs = stack.enter_context(serve_with_uvicorn(build("fastapi")))
        yield (
            stack.enter_context(httpx.Client(base_url=ours, timeout=10)),
            stack.enter_context(httpx.Client(base_url=theirs, timeout=10)),
        )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_squall_answers_as_fastapi_does(
    clients: tuple[httpx.Client, httpx.Client], case: Case
) -> None:
    squall, fastapi = clients
    assert send(squall, case) == send(fastapi, case) == Answer.expected(case)


FASTAPI_ANSWERS = {  # FastAPI's answer to each of cases.DIFFERENT
    "basic utf-8": Answer(401, 'Basic realm="store"', {"detail": "Not authenticated"}),
    "basic junk in base64": Answer(200, None, {"gave": {"username": "u", "password": "p"}}),
    "basic optional malformed": Answer(401, "Basic", {"detail": "Not authenticated"}),
    "password bearer no token": Answer(200, None, {"gave": ""}),
}


@pytest.mark.parametrize("case", DIFFERENT, ids=lambda case: case.name)
def test_where_squall_differs_on_purpose(
    clients: tuple[httpx.Client, httpx.Client], case: Case
) -> None:
    squall, fastapi = clients
    assert send(squall, case) == Answer.expected(case)
    assert send(fastapi, case) == FASTAPI_ANSWERS[case.name]


def test_each_scheme_documents_itself_as_fastapi_does() -> None:
    documented = build("fastapi").openapi()["components"]["securitySchemes"]
    ours = schemes(kit_of("squall"))
    assert {scheme.scheme_name for scheme in ours.values()} == set(documented)
    for scheme in ours.values():
        assert scheme.security_scheme == documented[scheme.scheme_name], scheme.scheme_name
