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
import decimal
import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from squall import finite_decimals
from squall.background import BackgroundTasks
from squall.bodies import body_fields, field_decoder
from squall.constraints import NOTHING, nested_checks, pydantic_checks
from squall.datastructures import FormData
from squall.form_models import is_form_model, plan_form_model
from squall.form_params import (
    FORM_PLACES,
    Reader,
    WrongValue,
    form_error,
    is_list,
    is_upload,
    plan_reader,
    require_multipart,
    take_form_value,
)
from squall.lax_values import READERS, lax_int, text_normalizer
from squall.media import check_json_body
from squall.models import ValidationFailed, body_decoder, msgspec_error
from squall.requests import Request
from squall.responses import Response
from squall.signatures import type_hints
from squall.sources import (
    MISSING,
    Body,
    Cookie,
    File,
    Form,
    Header,
    Path,
    Query,
    Source,
    constrained,
)

SCALARS = (str, int, float, bool, bytes, decimal.Decimal)  # a Decimal too, as in FastAPI
LISTS = (list, tuple, set, frozenset)
__all__ = [  # the declarations live in squall.sources; imported from here too
    "Body", "Cookie", "Depends", "Extractor", "File", "Form", "Header", "Path", "Query", "Source",
    "extract", "extract_now", "plan_endpoint",
]  # fmt: skip


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
    place: str  # path, query, header, cookie, body, embedded (a key of the body), request...
    key: str  # the name in that place
    annotation: Any  # with its checks, as Annotated[T, msgspec.Meta(...)]
    default: Any
    decode: Callable[[bytes], Any] | None = None  # body and embedded only
    read_form: Reader | None = None  # form only: a form value -> the argument
    depends: Depends | None = None  # "depends" only
    passed: bool = True  # False for a route's extra dependencies: run, not handed over
    source: Source | None = None  # as declared (title, description... for the schema)
    strict_json: bool = True  # body: refuse a body without a Content-Type (see squall.media)
    # Derived once (read per request, so plain attributes rather than properties):
    required: bool = dataclasses.field(init=False)  # no default
    multiple: bool = dataclasses.field(init=False)  # list-like: every value of a repeated key
    convert: Callable[[Any], Any] = dataclasses.field(init=False)  # a found value -> annotation

    def __post_init__(self) -> None:
        self.required = self.default is MISSING
        self.multiple = is_list(self.annotation)
        self.convert = value_converter(self.annotation)


def value_converter(annotation: Any) -> Callable[[Any], Any]:
    """How a path, query, header or cookie value becomes ``annotation``: msgspec's lax
    conversion (raising msgspec.ValidationError), after text for an int, float, bool or Decimal is
    read the way FastAPI reads it (squall/lax_values.py), refusing non-finite decimals as
    FastAPI does (squall/finite_decimals.py); the usual ``str`` and ``int`` cases
    are done without msgspec (it costs ~2k instructions a call; these, a few hundred)."""
    if annotation is str:
        return _to_str
    if annotation is int:
        return _to_int
    if annotation is float or annotation is bool:
        return _reader_of(annotation)
    convert = functools.partial(msgspec.convert, type=annotation, strict=False)
    normalize = text_normalizer(annotation)
    if normalize is None:
        return finite_decimals.checked(annotation, convert)
    return finite_decimals.checked(annotation, lambda value: convert(normalize(value)))


def _reader_of(annotation: type) -> Callable[[Any], Any]:
    """Text read the lax way (refused in msgspec's words), other values by msgspec."""
    read = READERS[annotation]
    refusal = f"Expected `{annotation.__name__}`, got `str`"

    def convert(value: Any) -> Any:
        if type(value) is str:
            read_value = read(value)
            if read_value is None:
                raise msgspec.ValidationError(refusal)
            return read_value
        return msgspec.convert(value, annotation, strict=False)

    return convert


def _to_str(value: Any) -> Any:
    return value if type(value) is str else msgspec.convert(value, str, strict=False)


def _to_int(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str:
        if 0 < len(value) < 19 and value.isdigit() and value.isascii():  # the usual case
            return int(value)
        read = lax_int(value)
        if read is not None:
            return read
        raise msgspec.ValidationError("Expected `int`, got `str`")  # msgspec's own words
    return msgspec.convert(value, int, strict=False)


def _is_scalar(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_scalar(typing.get_args(annotation)[0])
    if origin in LISTS:
        return all(_is_scalar(arg) for arg in typing.get_args(annotation) if arg is not Ellipsis)
    if origin in (typing.Union, types.UnionType):
        return all(_is_scalar(arg) or arg is type(None) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        return True
    return annotation in SCALARS or (
        inspect.isclass(annotation) and issubclass(annotation, SCALARS)
    )


def plan_endpoint(
    endpoint: Callable[..., Any], path_params: set[str], strict_json: bool = True
) -> list[Extractor]:
    """One extractor per endpoint parameter, in signature order.

    Several body parameters (or one declared ``Body(embed=True)``) are each read from a key
    of one JSON object (FastAPI's rule); ``strict_json=False`` accepts a body sent without a
    Content-Type."""
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
        metas: list[msgspec.Meta] = []
        field_default: Any = MISSING
        if typing.get_origin(annotation) is Annotated:
            annotation, *extras = typing.get_args(annotation)
            source = next((e for e in extras if isinstance(e, Source)), None)
            depends = next((e for e in extras if isinstance(e, Depends)), None)
            metas = [e for e in extras if isinstance(e, msgspec.Meta)]
            source, field_default = _with_pydantic_checks(extras, metas, source, name)
        annotation = nested_checks(annotation, f"parameter {name!r}")
        default = MISSING if parameter.default is Ellipsis else parameter.default
        if default is MISSING and field_default is not MISSING:
            default = field_default
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
        extractor = _extractor(name, annotation, metas, default, source, path_params)
        extractor.strict_json = strict_json
        extractors.append(extractor)
    return embed_bodies(extractors)


def _with_pydantic_checks(
    extras: list[Any], metas: list[msgspec.Meta], source: Source | None, name: str
) -> tuple[Source | None, Any]:
    """Add the pydantic / annotated_types checks among ``extras`` to ``metas``; the source
    with a ``Field(alias=)`` applied, and a ``Field(default=)`` (MISSING when none)."""
    found, declared = pydantic_checks(extras, f"parameter {name!r}")
    metas.extend(found)
    if declared.alias is not None and (source is None or source.alias is None):
        source = dataclasses.replace(source or Source(""), alias=declared.alias)
    unset = {k: v for k, v in declared.docs.items() if getattr(source, k, None) is None}
    if unset:  # a Field's title, description... where the Query() etc. says none
        source = dataclasses.replace(source or Source(""), **unset)
    default = MISSING if declared.default in (NOTHING, Ellipsis) else declared.default
    return source, default


def _extractor(
    name: str,
    annotation: Any,
    metas: list[msgspec.Meta],
    default: Any,
    source: Source | None,
    path_params: set[str],
) -> Extractor:
    if annotation is Request or (inspect.isclass(annotation) and issubclass(annotation, Request)):
        return Extractor(name, "request", name, annotation, MISSING)
    checked = constrained(annotation, metas, source)
    if source is None or not source.place:  # no place said (a Field(alias=) has none)
        if name in path_params:
            return Extractor(name, "path", name, checked, MISSING)
        place = "file" if is_upload(annotation) else "query" if _is_scalar(annotation) else "body"
        source = Source(place) if source is None else dataclasses.replace(source, place=place)
    key = source.alias or name
    if source.place == "header":  # x_token is read from x-token; header names are lower-case
        convert = source.convert_underscores and source.alias is None
        key = (key.replace("_", "-") if convert else key).lower()
    if source.place in FORM_PLACES:
        return _form_extractor(name, key, checked, default, source)
    decode = body_decoder(checked) if source.place == "body" else None
    return Extractor(name, source.place, key, checked, default, decode, source=source)


def _form_extractor(name: str, key: str, checked: Any, default: Any, source: Source) -> Extractor:
    require_multipart(f"parameter {name!r}")
    model = typing.get_args(checked)[0] if typing.get_origin(checked) is Annotated else checked
    if is_form_model(model):  # a Struct, dataclass or pydantic model filled from the fields
        ex = Extractor(name, "form-model", key, model, default, source=source)
        ex.read_form = plan_form_model(model)
        return ex
    if not (_is_scalar(checked) or is_upload(checked)):
        raise TypeError(
            f"parameter {name!r}: form fields are scalars, lists of them, files or a form "
            f"model (a Struct, dataclass or pydantic model), not {checked!r}"
        )
    ex = Extractor(name, "form", key, checked, default, source=source)
    ex.read_form = plan_reader(checked, ex.multiple, ex.convert)
    return ex


def embed_bodies(extractors: list[Extractor]) -> list[Extractor]:
    """Body parameters read from keys of one JSON object, when there are several (with
    different names) or one says ``Body(embed=True)``; their errors are located at
    ``["body", key, ...]``.  Also given a route's whole tree (its dependencies' too)."""
    bodies = [ex for ex in extractors if ex.place in ("body", "embedded")]
    if len({ex.key for ex in bodies}) > 1 or any(_embedded(ex) for ex in bodies):
        for ex in bodies:
            ex.place = "embedded"
            ex.decode = field_decoder(ex.annotation, ex.key)
    return extractors


def _embedded(ex: Extractor) -> bool:
    return ex.place == "embedded" or (ex.source is not None and ex.source.embed)


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
    return any(
        ex.place in ("body", "embedded", "depends", "form", "form-model") for ex in extractors
    )


async def extract(
    extractors: list[Extractor], request: Request, path: dict[str, Any], resolver: Resolver | None
) -> dict[str, Any]:
    """The endpoint's keyword arguments for this request; raises ValidationFailed/MalformedBody."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    fields: dict[str, msgspec.Raw] | None = None  # the body's keys, read for the first
    form: FormData | None = None  # the submitted form, read for the first form parameter
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
                check_json_body(request.raw_headers, ex.strict_json)
                values[ex.name] = ex.decode(raw)
            except ValidationFailed as exc:
                errors.extend(exc.errors())
        elif place == "embedded":
            if fields is None:
                try:
                    fields = await _read_fields(request, ex.strict_json)
                except ValidationFailed as exc:  # not an object: no key to look for
                    errors.extend(exc.errors())
                    fields = _UNREADABLE
            if fields is not _UNREADABLE:
                _take_field(ex, fields, values, errors)
        elif place == "form" or place == "form-model":
            if form is None:
                form = await request.form()
            if place == "form":
                await _take_form(ex, form, values, errors)
            else:
                await _take_form_model(ex, form, values, errors)
        else:
            _extract_one(ex, request, path, resolver, values, errors)
    if errors:
        raise ValidationFailed(errors)
    return values


_UNREADABLE: dict[str, msgspec.Raw] = {}


async def _read_fields(request: Request, strict_json: bool) -> dict[str, msgspec.Raw]:
    """The body as a JSON object's undecoded values by key ({} for an empty body)."""
    raw = await request.body()
    if not raw:
        return {}
    check_json_body(request.raw_headers, strict_json)
    return body_fields(raw)


def _take_field(
    ex: Extractor,
    fields: dict[str, msgspec.Raw],
    values: dict[str, Any],
    errors: list[dict[str, Any]],
) -> None:
    raw = fields.get(ex.key)
    if raw is None:
        if ex.required:
            errors.append({"loc": ["body", ex.key], "msg": "Field required", "type": "missing"})
        else:
            values[ex.name] = ex.default
        return
    assert ex.decode is not None
    try:
        values[ex.name] = ex.decode(raw)
    except ValidationFailed as exc:
        errors.extend(exc.errors())


async def _take_form(
    ex: Extractor, form: FormData, values: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    assert ex.read_form is not None
    try:
        values[ex.name] = await take_form_value(form, ex.key, ex.multiple, ex.read_form)
    except KeyError:
        if ex.required:
            errors.append({"loc": ["body", ex.key], "msg": "Field required", "type": "missing"})
        else:
            values[ex.name] = ex.default
    except (msgspec.ValidationError, WrongValue) as exc:
        errors.append(form_error(ex.key, exc))


async def _take_form_model(
    ex: Extractor, form: FormData, values: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    assert ex.read_form is not None
    try:
        values[ex.name] = await ex.read_form(form)
    except ValidationFailed as exc:
        errors.extend(exc.errors())


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
        if ex.multiple:  # every line of a repeated header is an item
            raw_value = _header_lines(request, ex.key) or MISSING
        else:
            raw_value = request.headers.get(ex.key, MISSING)
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


def _header_lines(request: Request, name: str) -> list[str]:
    """Every value of a header, one per line it was sent on (a function of its own: a
    comprehension in ``_extract_one`` would cost it a closure cell on every call)."""
    wire = name.encode("latin-1")
    return [value.decode("latin-1") for key, value in request.raw_headers if key == wire]


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
