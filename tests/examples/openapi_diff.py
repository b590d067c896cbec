"""Compare the OpenAPI documents of the store (examples/store) and its FastAPI twin.

Each document is normalised into *facts*: one per leaf value, keyed by where it sits, with
``$ref``s to schemas replaced by what they point to (component names differ between the two
generators; the shapes are what must agree), parameters keyed by ``in`` and name instead of
their position, and ``required`` lists sorted.  The two sets of facts are then diffed, and
each difference is matched against the explained ones (tests/examples/openapi_differences.py):
what is left is unintended.

    python -m tests.examples.openapi_diff            the unexplained differences (exit 1 if any)
    python -m tests.examples.openapi_diff --all      every difference, with its explanation
    python -m tests.examples.openapi_diff --table    the explained differences as a Markdown table
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()
Facts = dict[str, Any]


@dataclass(frozen=True)
class Difference:
    where: str
    fastapi: Any
    squall: Any

    def __str__(self) -> str:
        return f"{self.where}: fastapi={_show(self.fastapi)} squall={_show(self.squall)}"


def _show(value: Any) -> str:
    return repr(value) if value is MISSING else json.dumps(value, ensure_ascii=False)


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def inline_refs(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` to a component schema replaced by that schema (a ref back
    into a schema being inlined is kept as ``{"$ref": "(recursive) Name"}``)."""
    if isinstance(node, list):
        return [inline_refs(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = _schema_name(ref)
        if name in seen:
            return {"$ref": "(recursive)"}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**inline_refs(schemas[name], schemas, (*seen, name)), **siblings}
    if "mapping" in node and isinstance(node["mapping"], dict):  # a discriminator's mapping
        node = {**node, "mapping": {k: "(a schema)" for k in node["mapping"]}}
    return {key: inline_refs(value, schemas, seen) for key, value in node.items()}


def _parameters_by_name(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{p['in']} {p['name']}": p for p in parameters}


def _path_items(items: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Path Items (``paths`` or ``webhooks``) with refs inlined, parameters by name."""
    inlined: dict[str, Any] = inline_refs(items, schemas)
    for operations in inlined.values():
        for operation in operations.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = _parameters_by_name(operation["parameters"])
    return inlined


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The parts of ``document`` to compare, with refs inlined (see the module docstring)."""
    schemas = document.get("components", {}).get("schemas", {})
    paths = _path_items(document.get("paths", {}), schemas)
    components = document.get("components", {})
    return {
        "openapi": document.get("openapi"),
        "info": document.get("info"),
        "servers": document.get("servers"),
        "tags": document.get("tags"),
        "paths": paths,
        "webhooks": _path_items(document.get("webhooks", {}), schemas),
        "components": {
            "schemas": {name: "(a schema)" for name in schemas},
            "securitySchemes": components.get("securitySchemes"),
        },
    }


def _leaves(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict) and node:
        for key, value in node.items():
            inner = f"{where}.{key}" if where else str(key)
            if key == "required" and isinstance(value, list):
                value = sorted(value)
            elif key == "properties" and isinstance(value, dict):  # a property without leaves
                yield f"{inner}(names)", sorted(value)
            yield from _leaves(value, inner)
    elif isinstance(node, list) and node and any(isinstance(i, (dict, list)) for i in node):
        for index, item in enumerate(node):
            yield from _leaves(item, f"{where}[{index}]")
    else:
        yield where, node


def facts(document: dict[str, Any]) -> Facts:
    """Every leaf of the normalised document, keyed by where it sits."""
    return dict(_leaves(normalised(document), ""))


def differences(fastapi: dict[str, Any], squall: dict[str, Any]) -> list[Difference]:
    theirs, ours = facts(fastapi), facts(squall)
    found = []
    for where in sorted(theirs.keys() | ours.keys()):
        a, b = theirs.get(where, MISSING), ours.get(where, MISSING)
        if a != b:
            found.append(Difference(where, a, b))
    return found


def store_documents() -> tuple[dict[str, Any], dict[str, Any]]:
    """(FastAPI's document of the twin, Squall's document of the store)."""
    from examples.store.app import app
    from examples.store_fastapi.app import app as fastapi_app

    return fastapi_app.openapi(), app.openapi()


def main(argv: list[str] | None = None) -> int:
    from tests.examples.openapi_differences import explainer, markdown_table

    parser = argparse.ArgumentParser(prog="python -m tests.examples.openapi_diff")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--all", action="store_true", help="every difference and its reason")
    shown.add_argument("--table", action="store_true", help="the reasons as a Markdown table")
    args = parser.parse_args(argv)
    fastapi, squall = store_documents()
    found = differences(fastapi, squall)
    explain = explainer(squall)
    explained = [(difference, explain(difference)) for difference in found]
    unexplained = [difference for difference, reason in explained if reason is None]
    if args.table:
        print(markdown_table(found, explain))
    elif args.all:
        for difference, reason in explained:
            print(f"{difference}\n    -> {reason.name if reason else 'UNEXPLAINED'}")
    for difference in unexplained:
        print(f"UNEXPLAINED {difference}", file=sys.stderr)
    print(f"{len(found)} differences, {len(unexplained)} unexplained", file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":  # run the imported module: MISSING must be the one the rules see
    from tests.examples import openapi_diff

    sys.exit(openapi_diff.main())
