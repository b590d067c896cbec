"""Names in the document: component names without collisions, operation ids, summaries.

Components share one namespace (``#/components/schemas``).  msgspec names its types by class
name and module-qualifies them when two classes share one; pydantic does the same among its
own models.  ``merge_components`` joins both halves: a pydantic model whose name a msgspec
type already has is renamed to its module-qualified name (the same rule), and the ``$ref``s
pointing at it follow.  Names depend only on the types, never on the order routes were added.
"""

from __future__ import annotations

import re
import sys
import typing
from collections.abc import Iterable
from typing import Any

REF_PREFIX = "#/components/schemas/"
_NOT_IN_NAME = re.compile(r"[^a-zA-Z0-9.\-_]")
_NOT_IN_ID = re.compile(r"\W")


def qualified_name(cls: type) -> str:
    """``module.Qualname`` with the characters a component key can't hold replaced."""
    return _NOT_IN_NAME.sub("_", f"{cls.__module__}.{cls.__qualname__}")


def pydantic_classes(roots: Iterable[Any]) -> dict[str, list[type]]:
    """Every pydantic model reachable from ``roots`` (through fields and type arguments),
    by class name."""
    pydantic = sys.modules.get("pydantic")
    found: dict[str, list[type]] = {}
    if pydantic is None:
        return found
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        pending.extend(typing.get_args(item))
        if isinstance(item, type) and issubclass(item, pydantic.BaseModel):
            found.setdefault(item.__name__, []).append(item)
            fields: dict[str, Any] = getattr(item, "model_fields", {})
            pending.extend(field.annotation for field in fields.values())
    return found


def renames_for_collisions(
    names: Iterable[str], taken: set[str], classes: dict[str, list[type]]
) -> dict[str, str]:
    """New names for those of ``names`` that are ``taken`` (module-qualified when the class
    is known, else suffixed)."""
    renames: dict[str, str] = {}
    for name in names:
        if name not in taken:
            continue
        base, _, mode = name.partition("-")  # pydantic's Model-Input / Model-Output
        owners = classes.get(base, [])
        new = qualified_name(owners[0]) if len(owners) == 1 else f"{base}_pydantic"
        renames[name] = f"{new}-{mode}" if mode else new
    return renames


def rewrite_refs(value: Any, renames: dict[str, str]) -> Any:
    """``value`` (a schema) with each ``$ref`` to a renamed component pointing at its new name."""
    if not renames:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith(REF_PREFIX):
                name = item[len(REF_PREFIX) :]
                out[key] = REF_PREFIX + renames.get(name, name)
            else:
                out[key] = rewrite_refs(item, renames)
        return out
    if isinstance(value, list):
        return [rewrite_refs(item, renames) for item in value]
    return value


def default_summary(name: str) -> str:
    """FastAPI's summary from the endpoint's name: ``read_item`` -> ``Read Item``."""
    return name.replace("_", " ").title()


def default_operation_id(name: str, path: str, method: str) -> str:
    """FastAPI's scheme: name + path + method, with every non-word character as ``_``."""
    return f"{_NOT_IN_ID.sub('_', name + path)}_{method.lower()}"
