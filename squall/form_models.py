"""Form models: ``item: Annotated[ItemForm, Form()]`` fills a msgspec Struct, a dataclass or
a pydantic model from the form's fields, as FastAPI does.

Each field of the model is looked up in the form by its name on the wire (a Struct's
``rename``, a pydantic ``alias``): every value of a repeated key for a list field, the last
one otherwise; an empty text field or file input counts as not sent (its default applies).  Text is
converted laxly (``"3"`` for an ``int``), an ``UploadFile`` field takes an uploaded file.
Errors are a 422 located at ``["body", field]``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from squall.datastructures import FormData
from squall.form_params import is_list, sent_value
from squall.models import ValidationFailed, is_pydantic_model, msgspec_error, pydantic_failure

ModelReader = Callable[[FormData], Awaitable[Any]]


def is_form_model(annotation: Any) -> bool:
    """A class whose fields a form fills: a Struct, a dataclass or a pydantic model."""
    if not isinstance(annotation, type):
        return False
    return (
        issubclass(annotation, msgspec.Struct)
        or dataclasses.is_dataclass(annotation)
        or is_pydantic_model(annotation)
    )


def model_fields(model: type) -> list[tuple[str, bool]]:
    """(name on the wire, takes every value of a repeated key) for each field of ``model``."""
    if is_pydantic_model(model):
        fields = model.model_fields  # type: ignore[attr-defined]
        return [(f.alias or name, is_list(f.annotation)) for name, f in fields.items()]
    if issubclass(model, msgspec.Struct):
        return [(f.encode_name, is_list(f.type)) for f in msgspec.structs.fields(model)]
    hints = typing.get_type_hints(model, include_extras=True)
    return [(f.name, is_list(hints[f.name])) for f in dataclasses.fields(typing.cast(Any, model))]


def plan_form_model(model: type) -> ModelReader:
    """How a parsed form becomes an instance of ``model`` (raising ValidationFailed)."""
    fields = model_fields(model)
    convert = _pydantic_converter(model) if is_pydantic_model(model) else _msgspec_converter(model)

    async def read_model(form: FormData) -> Any:
        return convert(_values(form, fields))

    return read_model


def _values(form: FormData, fields: list[tuple[str, bool]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, repeated in fields:
        value = sent_value(form, key, repeated)
        if value is not None:
            values[key] = value
    return values


def _msgspec_converter(model: type) -> Callable[[dict[str, Any]], Any]:
    def convert(values: dict[str, Any]) -> Any:
        try:
            return msgspec.convert(values, model, strict=False)
        except msgspec.ValidationError as exc:
            raise ValidationFailed([msgspec_error(["body"], exc)]) from None

    return convert


def _pydantic_converter(model: Any) -> Callable[[dict[str, Any]], Any]:
    import pydantic

    def convert(values: dict[str, Any]) -> Any:
        try:
            return model.model_validate(values)
        except pydantic.ValidationError as exc:
            raise pydantic_failure(exc, ["body"]) from None

    return convert
