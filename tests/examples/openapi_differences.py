"""The differences between the store's document and its FastAPI twin's, each with its reason
(docs/openapi-vs-fastapi.md shows them as a table: ``python -m tests.examples.openapi_diff
--table``).  A difference that matches none of these is unintended."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.examples.openapi_diff import MISSING, Difference


@dataclass(frozen=True)
class Explained:
    name: str
    reason: str
    where: str  # a regular expression searched in Difference.where
    when: Callable[[Difference], bool] = field(default=lambda difference: True)

    def matches(self, difference: Difference) -> bool:
        return re.search(self.where, difference.where) is not None and self.when(difference)


def only_fastapi(difference: Difference) -> bool:
    return difference.squall is MISSING


def only_squall(difference: Difference) -> bool:
    return difference.fastapi is MISSING


EXPLAINED: list[Explained] = []


def explain(difference: Difference) -> Explained | None:
    return next((reason for reason in EXPLAINED if reason.matches(difference)), None)


def markdown_table(found: list[Difference]) -> str:
    counts = Counter(reason.name for d in found if (reason := explain(d)) is not None)
    lines = ["| difference | facts | why |", "| --- | ---: | --- |"]
    lines += [f"| {r.name} | {counts[r.name]} | {r.reason} |" for r in EXPLAINED if counts[r.name]]
    return "\n".join(lines)
