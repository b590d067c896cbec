"""Body models: msgspec types (Structs, dataclasses, TypedDicts, builtins) and pydantic v2.

pydantic is optional: it is only imported when an annotation is a pydantic model, so apps
that don't use it don't pay for it.
"""

from __future__ import annotations

import re
import sys
import typing
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from squall.exceptions import RequestValidationError
from squall.finite_decimals import NOT_FINITE, Refused
from squall.lax_bodies import LaxRefusal, finite_decimal_check, lax_body_decoder

_AT = re.compile(r" - at `\$(.*)`$")  # where msgspec says the error is: `$.items[0].name`
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


class ValidationFailed(RequestValidationError):
    """One or more parameters were missing or invalid: becomes a 422 response."""


class MalformedBody(Exception):
    """The body is not valid JSON: becomes a 400 response."""


def is_pydantic_model(annotation: Any) -> bool:
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None
        and isinstance(annotation, type)
        and issubclass(annotation, pydantic.BaseModel)
    )


def msgspec_error(location: list[Any], exc: msgspec.ValidationError) -> dict[str, Any]:
    """A FastAPI-shaped error entry from a msgspec error message."""
    message = str(exc)
    loc = list(location)
    at = _AT.search(message)
    if at:
        message = message[: at.start()]
        for key, index in _STEP.findall(at.group(1)):
            loc.append(key if key else int(index))
    missing = re.match(r"Object missing required field `(.+)`", message)
    if missing:
        loc.append(missing.group(1))
        return {"loc": loc, "msg": "Field required", "type": "missing"}
    return {"loc": loc, "msg": message, "type": getattr(exc, "error_type", "value_error")}


def uses_pydantic(annotation: Any) -> bool:
    """A pydantic model, or a type made of one (``Model | None``, ``list[Model]``...)."""
    if is_pydantic_model(annotation):
        return True
    return any(uses_pydantic(arg) for arg in typing.get_args(annotation))


def body_decoder(annotation: Any, location: list[Any] | None = None) -> Callable[[bytes], Any]:
    """bytes -> value of ``annotation``, raising ValidationFailed or MalformedBody; errors
    are located under ``location`` (``["body"]`` unless told)."""
    where = ["body"] if location is None else location
    if uses_pydantic(annotation):
        return _pydantic_decoder(annotation, where)
    decode = finite_decoder(msgspec.json.Decoder(annotation).decode, annotation)
    decode_lax = lax_body_decoder(annotation)

    def decode_body(raw: bytes) -> Any:
        try:
            return decode(raw)
        except msgspec.ValidationError as exc:
            if decode_lax is None:
                raise body_error(exc, where) from None
        except msgspec.DecodeError as exc:
            raise body_error(exc, where) from None
        return lax_decoded(decode_lax, raw, where)  # pydantic's conversions may take it

    decode_body.raw = decode  # type: ignore[attr-defined]
    return decode_body


def finite_decoder(decode: Callable[[bytes], Any], annotation: Any) -> Callable[[bytes], Any]:
    """``decode`` (msgspec's), refusing a non-finite decimal as a ValidationError (the lax
    reading then gives the 422 its pydantic entry); itself when ``annotation`` holds none."""
    check = finite_decimal_check(annotation)
    if check is None:
        return decode

    def decode_finite(raw: bytes) -> Any:
        value = decode(raw)
        try:
            check(raw)
        except LaxRefusal as exc:
            raise Refused(NOT_FINITE, json_path(exc.entry["loc"])) from None
        return value

    return decode_finite


def json_path(loc: Sequence[Any]) -> str:
    """A location as msgspec writes it in its errors (``$.items[0].price``)."""
    return "$" + "".join(f"[{step}]" if type(step) is int else f".{step}" for step in loc)


def lax_decoded(decode_lax: Callable[[bytes], Any], raw: bytes, location: list[Any]) -> Any:
    """``raw`` (valid JSON) read with pydantic's lax conversions, or the 422 to answer."""
    try:
        return decode_lax(raw)
    except LaxRefusal as exc:
        entry = exc.entry
        raise ValidationFailed([{**entry, "loc": [*location, *entry["loc"]]}]) from None
    except msgspec.ValidationError as exc:
        raise body_error(exc, location) from None


def raw_body_decoder(decode_body: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """The decoder inside ``body_decoder``'s: raises msgspec.DecodeError (see body_error),
    strictly (a refused body is to be given to ``body_decoder``'s for the lax conversions).

    One Python call less per request, for the framework's direct native path.
    """
    return getattr(decode_body, "raw", decode_body)


def body_error(exc: msgspec.DecodeError, location: list[Any] | None = None) -> Exception:
    """A msgspec decoding error as the 422 (invalid) or 400 (not JSON) it means."""
    if isinstance(exc, msgspec.ValidationError):
        return ValidationFailed([msgspec_error(location or ["body"], exc)])
    return MalformedBody(str(exc))


def _pydantic_decoder(annotation: Any, location: list[Any]) -> Callable[[bytes], Any]:
    import pydantic

    if is_pydantic_model(annotation):
        validate_json = annotation.model_validate_json
    else:  # Model | None, list[Model]...: pydantic decodes the whole type
        validate_json = pydantic.TypeAdapter(annotation).validate_json

    def decode_body(raw: bytes) -> Any:
        try:
            return validate_json(raw)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            if any(e["type"] == "json_invalid" for e in errors):
                raise MalformedBody(errors[0]["msg"]) from None
            raise pydantic_failure(exc, location) from None

    return decode_body


def pydantic_failure(exc: Any, location: list[Any]) -> ValidationFailed:
    """A pydantic ValidationError as the 422 it means, its errors located under ``location``."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return ValidationFailed(
        [{"loc": [*location, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]
    )


def encode_extra(value: Any) -> Any:
    """msgspec's hook for what it can't encode itself: pydantic models."""
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", by_alias=True)  # as FastAPI sends them
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def conform(result: Any, returns: Any) -> Any:
    """``result`` as the declared return type (e.g. a dict returned from ``-> User``)."""
    if isinstance(returns, type) and isinstance(result, returns):
        return result
    if is_pydantic_model(returns):
        return returns.model_validate(result, from_attributes=True)
    return msgspec.convert(result, returns, from_attributes=True)
