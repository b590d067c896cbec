"""Where a parameter comes from and what it must satisfy: ``Query()``, ``Header()``, ...

These helpers take FastAPI's keywords: ``alias`` (the name on the wire), the checks ``gt``,
``ge``, ``lt``, ``le``, ``multiple_of``, ``min_length``, ``max_length``, ``pattern`` (or its
older spelling ``regex``), and the documentation ``title``, ``description``, ``examples``,
``deprecated``, ``include_in_schema``, ``openapi_examples``, ``json_schema_extra`` and
``Body(media_type=)`` (kept on the ``Source`` for the OpenAPI schema).
A default of ``...`` (Ellipsis) means required, as in FastAPI.

``constrained`` turns an annotation and its checks into the one type that is converted:
``Annotated[T, msgspec.Meta(...)]``, so checks cost nothing where none are declared.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Annotated, Any, TypedDict, Unpack

import msgspec

MISSING: Any = inspect.Parameter.empty


@dataclasses.dataclass(frozen=True)
class Checks:
    """Constraints on a value, named as in FastAPI (and msgspec.Meta)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    multiple_of: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def meta(self) -> msgspec.Meta | None:
        """The same checks as a msgspec.Meta, or None when there are none."""
        given = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return msgspec.Meta(**given) if given else None


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a parameter is read from; use the Query/Header/Cookie/Path/Body helpers."""

    place: str
    default: Any = MISSING
    alias: str | None = None
    checks: Checks = Checks()
    convert_underscores: bool = True  # headers: x_token is read from x-token
    embed: bool = False  # body: the value sits under its name in a JSON object
    # Documentation only (the OpenAPI schema reads these):
    title: str | None = None
    description: str | None = None
    examples: list[Any] | None = None
    deprecated: bool | None = None
    include_in_schema: bool = True
    openapi_examples: dict[str, Any] | None = None
    json_schema_extra: dict[str, Any] | None = None
    media_type: str | None = None  # body: what the schema says it takes (JSON is read)


def _required_if_ellipsis(default: Any) -> Any:
    """``Query(...)`` / ``Query(default=...)``: FastAPI's older spelling of "required"."""
    return MISSING if default is Ellipsis else default


class SourceOptions(TypedDict, total=False):
    """FastAPI's keywords of ``Query/Path/Header/Cookie/Body``: checks, the wire name, docs."""

    alias: str | None  # the name on the wire
    gt: float | None
    ge: float | None
    lt: float | None
    le: float | None
    multiple_of: float | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    regex: str | None  # pattern's older name
    title: str | None
    description: str | None
    examples: list[Any] | None
    deprecated: bool | None
    include_in_schema: bool
    openapi_examples: dict[str, Any] | None
    json_schema_extra: dict[str, Any] | None


def _source(
    place: str,
    default: Any,
    options: SourceOptions,
    convert_underscores: bool = True,
    embed: bool = False,
    media_type: str | None = None,
) -> Any:
    unknown = options.keys() - SourceOptions.__optional_keys__
    if unknown:  # a FastAPI keyword Squall doesn't take: say so, don't drop it silently
        raise TypeError(f"{place.title()}() got unexpected keywords: {', '.join(sorted(unknown))}")
    pattern = options.get("pattern")
    regex = options.get("regex")
    if pattern is not None and regex is not None and pattern != regex:
        raise TypeError("give pattern or its older name regex, not both")
    checks = Checks(
        options.get("gt"),
        options.get("ge"),
        options.get("lt"),
        options.get("le"),
        options.get("multiple_of"),
        options.get("min_length"),
        options.get("max_length"),
        pattern or regex,
    )
    return Source(
        place,
        _required_if_ellipsis(default),
        options.get("alias"),
        checks,
        convert_underscores,
        embed,
        options.get("title"),
        options.get("description"),
        options.get("examples"),
        options.get("deprecated"),
        options.get("include_in_schema", True),
        options.get("openapi_examples"),
        options.get("json_schema_extra"),
        media_type,
    )


# Functions, as in FastAPI (``q: str = Query(None, max_length=5)``), returning a Source.


def Query(default: Any = MISSING, **options: Unpack[SourceOptions]) -> Any:
    return _source("query", default, options)


def Path(default: Any = MISSING, **options: Unpack[SourceOptions]) -> Any:
    return _source("path", default, options)


def Header(
    default: Any = MISSING, *, convert_underscores: bool = True, **options: Unpack[SourceOptions]
) -> Any:
    return _source("header", default, options, convert_underscores=convert_underscores)


def Cookie(default: Any = MISSING, **options: Unpack[SourceOptions]) -> Any:
    return _source("cookie", default, options)


def Body(
    default: Any = MISSING,
    *,
    embed: bool = False,
    media_type: str = "application/json",
    **options: Unpack[SourceOptions],
) -> Any:
    return _source("body", default, options, embed=embed, media_type=media_type)


def Form(
    default: Any = MISSING,
    *,
    media_type: str = "application/x-www-form-urlencoded",
    **options: Unpack[SourceOptions],
) -> Any:
    """A field of a submitted form (urlencoded or multipart); see squall.form_params."""
    return _source("form", default, options, media_type=media_type)


def File(
    default: Any = MISSING,
    *,
    media_type: str = "multipart/form-data",
    **options: Unpack[SourceOptions],
) -> Any:
    """An uploaded file of a multipart form: ``UploadFile``, or ``bytes`` for its content."""
    return _source("file", default, options, media_type=media_type)


def constrained(annotation: Any, metas: list[msgspec.Meta], source: Source | None) -> Any:
    """``annotation`` with every check on it (``Annotated[T, Meta]`` extras and the
    source's keywords) as one msgspec type; raises TypeError at declaration when a check
    does not fit the type (e.g. ``ge`` on a ``str``)."""
    metas = list(metas)
    if source is not None:
        meta = source.checks.meta()
        if meta is not None:
            metas.append(meta)
    if not metas:
        return annotation
    checked = _attach(annotation, metas)
    try:
        msgspec.json.Decoder(checked)
    except TypeError as exc:
        raise TypeError(f"the checks on {annotation!r} don't fit it: {exc}") from None
    return checked


def _attach(annotation: Any, metas: list[msgspec.Meta]) -> Any:
    """``Annotated[T, *metas]``; on ``T | None`` the checks go on ``T`` (None passes)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [
            arg if arg is type(None) else _attach(arg, metas) for arg in typing.get_args(annotation)
        ]
        return typing.Union[tuple(members)]  # noqa: UP007 (built from a list)
    return Annotated[(annotation, *metas)]  # type: ignore[valid-type]
