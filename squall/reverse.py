"""Reverse routing: the path of a named route, ``app.url_path_for("read_item", item_id=3)``.

A route's name is its ``name=``, else its endpoint's function name (as in FastAPI).
``request.url_for(...)`` puts the request's base URL (its root path included) in front.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from squall.routing import Param, parse_template


class NoMatchFound(Exception):
    """No route has this name and exactly these path parameters."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        names = ", ".join(sorted(params))
        super().__init__(f'No route exists for name "{name}" and params "{names}".')


def path_for(named: Iterable[tuple[str | None, str]], name: str, params: dict[str, Any]) -> str:
    """The path of the first route called ``name`` whose parameters are ``params``' keys."""
    for route_name, template in named:
        if route_name != name:
            continue
        segments = parse_template(template)
        wanted = {segment.name for segment in segments if isinstance(segment, Param)}
        if wanted == set(params):
            return "/" + "/".join(_fill(segment, params) for segment in segments)
    raise NoMatchFound(name, params)


def _fill(segment: str | Param, params: dict[str, Any]) -> str:
    if isinstance(segment, str):
        return segment
    value = str(params[segment.name])
    if not value or ("/" in value and segment.converter != "path"):
        raise ValueError(f"{value!r} cannot fill the path parameter {segment.name!r}")
    return value
