"""The differences between the store's document and its FastAPI twin's, each with its reason
(docs/openapi-vs-fastapi.md shows them as a table: ``python -m tests.examples.openapi_diff
--table``).  A difference that matches none of these is unintended."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.examples.openapi_diff import MISSING, Difference, Facts, facts

Test = Callable[[Difference, Facts], bool]


def parent(where: str) -> str:
    return where.rsplit(".", 1)[0]


@dataclass(frozen=True)
class Explained:
    name: str
    reason: str
    where: str  # a regular expression searched in Difference.where
    when: Test  # given the difference and the facts of Squall's document

    def matches(self, difference: Difference, ours: Facts) -> bool:
        return re.search(self.where, difference.where) is not None and self.when(difference, ours)


def fastapi_only(difference: Difference, ours: Facts) -> bool:
    return difference.squall is MISSING


def sorted_enum(difference: Difference, ours: Facts) -> bool:
    theirs, mine = difference.fastapi, difference.squall
    return isinstance(theirs, list) and theirs != mine and sorted(theirs) == mine


def tag_as_enum(difference: Difference, ours: Facts) -> bool:
    where = parent(difference.where)
    if difference.where.endswith(".const"):
        return ours.get(f"{where}.enum") == [difference.fastapi]
    return difference.fastapi is MISSING and len(difference.squall) == 1


def null_default(difference: Difference, ours: Facts) -> bool:
    return difference.fastapi is MISSING and difference.squall is None


def factory_default(difference: Difference, ours: Facts) -> bool:
    return difference.fastapi is MISSING and difference.squall == []


def only_squall(difference: Difference, ours: Facts) -> bool:
    return difference.fastapi is MISSING


def validation_error_fields(difference: Difference, ours: Facts) -> bool:
    if difference.where.endswith("(names)"):
        return set(difference.fastapi) - set(difference.squall) == {"input", "ctx"}
    return difference.squall is MISSING


def binary_file(difference: Difference, ours: Facts) -> bool:
    if difference.where.endswith(".format"):
        return difference.fastapi is MISSING and difference.squall == "binary"
    return difference.squall is MISSING and difference.fastapi == "application/octet-stream"


EXPLAINED = [
    Explained(
        "Titles of properties and parameters",
        "pydantic titles every field after its name (`price_cents`: `Price Cents`); msgspec "
        "leaves titles to what is declared (`Meta(title=)`), so Squall's schemas have only "
        "those (and each model's, its name). Swagger UI and ReDoc show the name either way.",
        r"\.(properties\.[^.]+|parameters\.[a-z]+ [^.]+\.schema)\.title$",
        fastapi_only,
    ),
    Explained(
        "Enum and Literal values sorted",
        "msgspec lists the values of an Enum or a Literal sorted; pydantic in declaration "
        "order. The same values.",
        r"\.enum$",
        sorted_enum,
    ),
    Explained(
        "A tagged union's tag as a one-value `enum`",
        'msgspec writes a Struct\'s tag as `{"enum": ["card"]}`, pydantic a `Literal["card"]` '
        'as `{"const": "card"}` (both with `"type": "string"`): the same constraint. Both '
        "documents have the `oneOf` with a `discriminator` on `kind` and its mapping.",
        r"\.kind\.(const|enum)$",
        tag_as_enum,
    ),
    Explained(
        "`default: null` stated",
        "Squall states the default of an optional field or parameter that defaults to None "
        "(msgspec does); FastAPI leaves `default: null` out.",
        r"\.default$",
        null_default,
    ),
    Explained(
        "A dataclass field's `default_factory` shown",
        "msgspec shows what `field(default_factory=list)` gives (`[]`); pydantic shows no "
        "default for it.",
        r"\.default$",
        factory_default,
    ),
    Explained(
        "`required: []` on a model with no required field",
        "msgspec writes the empty list; pydantic leaves the keyword out. Equivalent in JSON "
        "Schema 2020-12.",
        r"\.required$",
        lambda difference, ours: difference.fastapi is MISSING and difference.squall == [],
    ),
    Explained(
        "A generic model's docstring kept",
        "Squall keeps `Page`'s docstring as the description of `Page[Product]`; pydantic "
        "drops it for a parametrized generic model.",
        r"/products\.get\.responses\.200\.content\.application/json\.schema\.description$",
        only_squall,
    ),
    Explained(
        "422 items: `loc`, `msg`, `type`",
        'Squall\'s validation errors carry these three (README, "The framework"), so its '
        "`ValidationError` schema has no `input` and `ctx`, which FastAPI's errors add.",
        r"\.422\.content\.application/json\.schema\.properties\.detail\.items\.properties",
        validation_error_fields,
    ),
    Explained(
        "A 400 for a malformed JSON body",
        'Squall answers a body that is not JSON with a 400 (README, "The framework") and '
        "documents it on each operation taking a JSON body (`MalformedBody`); FastAPI answers "
        "such a body with a 422 and documents no 400.",
        r"\.responses\.400\.|^components\.schemas\.MalformedBody$",
        only_squall,
    ),
    Explained(
        "A file field is `format: binary`",
        "Squall marks an `UploadFile` field as `format: binary` (what Swagger UI turns into a "
        "file picker, valid in 3.1); FastAPI uses 3.1's `contentMediaType`.",
        r"multipart/form-data\.schema\.properties\.[^.]+\.(format|contentMediaType)$",
        binary_file,
    ),
]


def explainer(squall_document: dict[str, Any]) -> Callable[[Difference], Explained | None]:
    """The function giving a difference's explanation (None: unexplained)."""
    ours = facts(squall_document)

    def explain(difference: Difference) -> Explained | None:
        return next((e for e in EXPLAINED if e.matches(difference, ours)), None)

    return explain


def markdown_table(
    found: list[Difference], explain: Callable[[Difference], Explained | None]
) -> str:
    counts = Counter(reason.name for d in found if (reason := explain(d)) is not None)
    lines = ["| difference | facts | why |", "| --- | ---: | --- |"]
    lines += [f"| {e.name} | {counts[e.name]} | {e.reason} |" for e in EXPLAINED if counts[e.name]]
    return "\n".join(lines)
