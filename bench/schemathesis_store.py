"""Property-based requests from the store's OpenAPI document (schemathesis) against the store
(examples/store) on Squall's server: no 5xx, and every response has a documented status, its
documented content type and a body valid by its documented schema.

    python -m bench.schemathesis_store --examples 200     (per operation; CI runs a few)

Each operation gets the credentials its ``security`` asks for (staff bearer token, admin API
key, a customer's OAuth2 token), so requests reach the handlers instead of stopping at 401.
The store's data is reset before each operation.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from examples.store.auth import ADMIN_KEY, STAFF_TOKEN
from examples.store.data import STORE

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CREDENTIALS = {
    "HTTPBearer": {"Authorization": f"Bearer {STAFF_TOKEN}"},
    "APIKeyHeader": {"X-API-Key": ADMIN_KEY},
    "OAuth2PasswordBearer": {"Authorization": "Bearer alice-token"},
}


@dataclass
class Outcome:
    """What one operation's run found."""

    label: str
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failure: str | None = None


def credentials_for(operation: Any) -> dict[str, str]:
    """The headers that satisfy the operation's first security requirement (none if it has
    none)."""
    requirements = operation.definition.raw.get("security") or [{}]
    headers: dict[str, str] = {}
    for scheme in requirements[0]:
        headers.update(CREDENTIALS[scheme])
    return headers


def run_operation(
    operation: Any, base_url: str, examples: int, seed: int | None, session: requests.Session
) -> Outcome:
    """Send ``examples`` generated requests for ``operation``; stop at the first failure."""
    outcome = Outcome(operation.label)
    headers = credentials_for(operation)

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        print_blob=False,
    )
    @hypothesis.given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=10)
        outcome.requests += 1
        outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    if seed is not None:
        check = hypothesis.seed(seed)(check)
    STORE.reset()
    try:
        check()
    except Exception as failure:  # a check's failure (or several, grouped): reported
        outcome.failure = f"{type(failure).__name__}: {failure}"
    return outcome


def operations(document_url: str) -> list[Any]:
    """The operations of the document at ``document_url`` (one schemathesis can't read raises)."""
    found = []
    for result in schemathesis.openapi.from_url(document_url).get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


def run_all(
    base_url: str, examples: int, seed: int | None = None, report: Callable[[Outcome], Any] = print
) -> list[Outcome]:
    """Run every operation of the document served at ``base_url``."""
    outcomes = []
    with requests.Session() as session:  # one connection, kept alive
        for operation in operations(f"{base_url}/openapi.json"):
            outcome = run_operation(operation, base_url, examples, seed, session)
            report(outcome)
            outcomes.append(outcome)
    return outcomes


def _print(outcome: Outcome) -> None:
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items()))
    print(f"{outcome.label:45} {outcome.requests:5} requests ({statuses})", flush=True)
    if outcome.failure:
        print(f"    FAILED {outcome.failure}", flush=True)


def main(argv: list[str] | None = None) -> int:
    from examples.store.app import app
    from tests.server.serving import serve

    parser = argparse.ArgumentParser(prog="python -m bench.schemathesis_store")
    parser.add_argument("--examples", type=int, default=100, help="requests per operation")
    parser.add_argument("--seed", type=int, default=None, help="a seed (default: derandomized)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with serve(app) as running:
        httpx.get(f"{running.url}/openapi.json").raise_for_status()
        outcomes = run_all(running.url, args.examples, args.seed, _print)
    failed = [o for o in outcomes if o.failure]
    total = sum(o.requests for o in outcomes)
    print(
        f"{len(outcomes)} operations, {total} requests, {len(failed)} failed, "
        f"{time.monotonic() - started:.1f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
