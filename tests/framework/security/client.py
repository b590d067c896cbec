"""Sending a case (cases.py) to a served app and reading the answer the tests compare."""

import dataclasses
from typing import Any

import httpx

from tests.framework.security.cases import Case


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    challenge: str | None  # the WWW-Authenticate header
    body: Any

    @classmethod
    def expected(cls, case: Case) -> "Answer":
        return cls(case.status, case.challenge, case.body)


def send(client: httpx.Client, case: Case) -> Answer:
    headers = dict(case.headers)
    if case.cookies:
        headers["cookie"] = "; ".join(f"{name}={value}" for name, value in case.cookies.items())
    response = client.get(case.path, headers=headers, params=case.query)
    return Answer(response.status_code, response.headers.get("www-authenticate"), response.json())
