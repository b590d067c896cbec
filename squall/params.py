"""Typed parameters: what an endpoint's signature asks for, compiled once per route.

``plan_endpoint`` reads the signature when the route is added and returns one small
extractor per parameter; per request only the extractors run.  Where a value comes from:

- a name in the path template: the path (already converted by the router, then checked
  against the annotation);
- ``Annotated[T, Query()]`` / ``Header()`` / ``Cookie()`` / ``Body()``: that place;
- a ``Request`` annotation: the request itself;
- otherwise scalars (and lists of scalars) come from the query string, anything else
  (msgspec Structs, dataclasses, TypedDicts, dicts...) from the JSON body.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from squall.background import BackgroundTasks
from squall.models import ValidationFailed, body_decoder, msgspec_error
from squall.requests import Request
from squall.responses import Response
from squall.signatures import type_hints

MISSING: Any = inspect.Parameter.empty
SCALARS = (str, int, float, bool, bytes)


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a parameter is read from; use the Query/Header/Cookie/Body helpers."""

    place: str
    default: Any = MISSING
    alias: str | None = None


def Query(default: Any = MISSING, *, alias: str | None = None) -> Any:
    return Source("query", default, alias)


def Header(default: Any = MISSING, *, alias: str | None = None) -> Any:
    return Source("header", default, alias)


def Cookie(default: Any = MISSING, *, alias: str | None = None) -> Any:
    return Source("cookie", default, alias)


def Path(default: Any = MISSING, *, alias: str | None = None) -> Any:
    return Source("path", default, alias)


def Body(default: Any = MISSING) -> Any:
    return Source("body", default)


class Depends:
    """A parameter whose value is what ``dependency`` returns (or yields), solved per request.

    ``dependency`` left out: the parameter's annotation is the dependency (a class, usually).
    ``use_cache``: one call per request however many times it is asked for.
    ``scope``: when a generator dependency is closed: ``"request"`` (the default, also
    ``None``) after the response is sent, ``"function"`` right after the endpoint returns,
    before the response; ``"app"``: one call for the app's lifetime (a singleton, closed at
    shutdown).
    """

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: str | None = "request",
    ) -> None:
        scope = "request" if scope is None else scope
        if scope not in ("request", "function", "app"):
            raise ValueError(f"scope is 'request', 'function' or 'app', not {scope!r}")
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope


class Resolver(typing.Protocol):
    """What ``extract`` asks for dependencies and background tasks (see squall.di)."""

    async def solve(self, depends: Depends, request: Request, path: dict[str, Any]) -> Any: ...

    def background(self) -> Any: ...

    def response(self) -> Any: ...


@dataclasses.dataclass
class Extractor:
    name: str  # the endpoint's argument
    place: str  # path, query, header, cookie, body, request
    key: str  # the name in that place
    annotation: Any
    default: Any
    decode: Callable[[bytes], Any] | None = None  # body only
    depends: Depends | None = None  # "depends" only
    passed: bool = True  # False for a route's extra dependencies: run, not handed over
    # Derived once (read per request, so plain attributes rather than properties):
    required: bool = dataclasses.field(init=False)  # no default
    multiple: bool = dataclasses.field(init=False)  # list-like: every value of a repeated key
    convert: Callable[[Any], Any] = dataclasses.field(init=False)  # a found value -> annotation

    def __post_init__(self) -> None:
        self.required = self.default is MISSING
        self.multiple = typing.get_origin(self.annotation) in (list, tuple, set, frozenset)
        self.convert = value_converter(self.annotation)


def value_converter(annotation: Any) -> Callable[[Any], Any]:
    """How a path, query, header or cookie value becomes ``annotation``: msgspec's lax
    conversion (raising msgspec.ValidationError), with the usual ``str`` and ``int`` cases
    done without it (it costs ~2k instructions a call; these, a few hundred)."""
    if annotation is str:
        return _to_str
    if annotation is int:
        return _to_int
    return functools.partial(msgspec.convert, type=annotation, strict=False)


def _to_str(value: Any) -> Any:
    return value if type(value) is str else msgspec.convert(value, str, strict=False)


def _to_int(value: Any) -> Any:
    if type(value) is int:
        return value
    # Plain decimal digits, no leading zero: int() reads these exactly as msgspec does.
    if (
        type(value) is str
        and 0 < len(value) < 19
        and value.isdigit()
        and value.isascii()
        and (value[0] != "0" or len(value) == 1)
    ):
        return int(value)
    return msgspec.convert(value, int, strict=False)


def _is_scalar(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return all(_is_scalar(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)
    if origin in (typing.Union, types.UnionType):
        return all(_is_scalar(arg) or arg is type(None) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        return True
    return annotation in SCALARS or (
        inspect.isclass(annotation) and issubclass(annotation, SCALARS)
    )


def plan_endpoint(endpoint: Callable[..., Any], path_params: set[str]) -> list[Extractor]:
    """One extractor per endpoint parameter, in signature order."""
    try:
        hints = type_hints(endpoint)
    except NameError as exc:
        raise TypeError(
            f"cannot resolve the annotations of {endpoint.__qualname__}: {exc} (string "
            "annotations can only name module-level objects)"
        ) from exc
    extractors = []
    for name, parameter in inspect.signature(endpoint).parameters.items():
        annotation = hints.get(name, Any)
        source: Source | None = None
        depends: Depends | None = None
        if typing.get_origin(annotation) is Annotated:
            annotation, *extras = typing.get_args(annotation)
            source = next((e for e in extras if isinstance(e, Source)), None)
            depends = next((e for e in extras if isinstance(e, Depends)), None)
        default = parameter.default
        if isinstance(default, Depends):
            depends, default = default, MISSING
        if depends is not None:
            extractors.append(
                Extractor(name, "depends", name, annotation, MISSING, depends=depends)
            )
            continue
        if annotation is BackgroundTasks:
            extractors.append(Extractor(name, "background", name, annotation, MISSING))
            continue
        if annotation is Response:
            extractors.append(Extractor(name, "response", name, annotation, MISSING))
            continue
        if isinstance(default, Source):
            source, default = default, default.default
        elif source is not None and source.default is not MISSING:
            default = source.default
        extractors.append(_extractor(name, annotation, default, source, path_params))
    return extractors


def _extractor(
    name: str, annotation: Any, default: Any, source: Source | None, path_params: set[str]
) -> Extractor:
    if annotation is Request or (inspect.isclass(annotation) and issubclass(annotation, Request)):
        return Extractor(name, "request", name, annotation, MISSING)
    if source is None:
        if name in path_params:
            return Extractor(name, "path", name, annotation, MISSING)
        place = "query" if _is_scalar(annotation) else "body"
        source = Source(place)
    key = source.alias or (name.replace("_", "-") if source.place == "header" else name)
    decode = body_decoder(annotation) if source.place == "body" else None
    return Extractor(name, source.place, key, annotation, default, decode)


def extract_now(
    extractors: list[Extractor], request: Request, path: dict[str, Any], resolver: Resolver | None
) -> dict[str, Any]:
    """``extract`` for endpoints with nothing to await (no body, no dependency).

    ``resolver`` is None when no extractor needs one (see ``needs_resolver``)."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for ex in extractors:
        _extract_one(ex, request, path, resolver, values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def needs_resolver(extractors: list[Extractor]) -> bool:
    """Whether these ask for a dependency, background tasks or the response to set."""
    return any(ex.place in ("depends", "background", "response") for ex in extractors)


def awaits(extractors: list[Extractor]) -> bool:
    """Whether ``extract`` has to await something for these (a body or a dependency)."""
    return any(ex.place in ("body", "depends") for ex in extractors)


async def extract(
    extractors: list[Extractor], request: Request, path: dict[str, Any], resolver: Resolver | None
) -> dict[str, Any]:
    """The endpoint's keyword arguments for this request; raises ValidationFailed/MalformedBody."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for ex in extractors:
        place = ex.place
        if place == "depends":
            assert ex.depends is not None
            assert resolver is not None, "needs_resolver() is True for these"
            try:
                value = await resolver.solve(ex.depends, request, path)
            except ValidationFailed as exc:
                errors.extend(exc.errors())
                continue
            if ex.passed:
                values[ex.name] = value
        elif place == "body":
            raw = await request.body()
            if not raw:
                if ex.required:
                    errors.append({"loc": ["body"], "msg": "Field required", "type": "missing"})
                else:
                    values[ex.name] = ex.default
                continue
            assert ex.decode is not None
            try:
                values[ex.name] = ex.decode(raw)
            except ValidationFailed as exc:
                errors.extend(exc.errors())
        else:
            _extract_one(ex, request, path, resolver, values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


def _extract_one(
    ex: Extractor,
    request: Request,
    path: dict[str, Any],
    resolver: Resolver | None,
    values: dict[str, Any],
    errors: list[dict[str, Any]],
) -> None:
    """One argument that needs no await: into ``values``, or its error into ``errors``."""
    place = ex.place
    # The places that read a value come first, the usual one (query) leading.
    if place == "query":
        query = request.query_params
        key = ex.key
        raw_value = (query.getlist(key) or MISSING) if ex.multiple else query.get(key, MISSING)
    elif place == "path":
        raw_value = path.get(ex.key, MISSING)
    elif place == "header":
        raw_value = request.headers.get(ex.key.lower(), MISSING)
    elif place == "cookie":
        raw_value = request.cookies.get(ex.key, MISSING)
    else:
        values[ex.name] = _given(place, request, resolver)
        return
    if raw_value is MISSING:
        if ex.required:
            errors.append({"loc": [place, ex.key], "msg": "Field required", "type": "missing"})
        else:
            values[ex.name] = ex.default
        return
    try:
        values[ex.name] = ex.convert(raw_value)
    except msgspec.ValidationError as exc:
        errors.append(msgspec_error([place, ex.key], exc))


def _given(place: str, request: Request, resolver: Resolver | None) -> Any:
    """What the framework itself hands over: the request, background tasks, the response."""
    if place == "request":
        return request
    assert resolver is not None, "needs_resolver() is True for these"
    if place == "background":
        return resolver.background()
    if place == "response":
        return resolver.response()
    raise AssertionError(f"no value comes from {place!r}")
