"""Form parameters: ``Form()`` fields and ``File()`` / ``UploadFile`` uploads, as in FastAPI.

``username: Annotated[str, Form()]`` reads a field of a urlencoded or multipart form;
``file: UploadFile`` (or ``Annotated[bytes, File()]``, ``list[UploadFile]``) an uploaded
file.  The form is parsed once per request (``request.form()``, see squall.forms).  As in
FastAPI, an empty field counts as not sent, and errors are located at ``["body", name]``.
Multipart forms need python-multipart: a route taking form parameters without it is refused
when it is declared.
"""

from __future__ import annotations

import importlib.util
import inspect
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec

from squall.datastructures import FormData, UploadFile
from squall.models import msgspec_error

FORM_PLACES = ("form", "file")
Reader = Callable[[Any], Awaitable[Any]]  # a form value (str or UploadFile) -> the argument


class WrongValue(Exception):
    """A form value of the wrong kind (a text field where a file is expected...)."""


def require_multipart(where: str) -> None:
    """Refuse, when the route is declared, form parameters without python-multipart."""
    if importlib.util.find_spec("python_multipart") is None:
        raise TypeError(
            f"{where} reads a form, which needs python-multipart: pip install 'squall[forms]'"
        )


def is_upload(annotation: Any) -> bool:
    """``UploadFile``, ``UploadFile | None``, ``list[UploadFile]``, ``Annotated[...]`` of them."""
    if annotation is UploadFile:
        return True
    origin = typing.get_origin(annotation)
    if origin is None:
        return inspect.isclass(annotation) and issubclass(annotation, UploadFile)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return is_upload(args[0])
    return any(is_upload(arg) for arg in args)


def is_list(annotation: Any) -> bool:
    """``list[T]``, ``list[T] | None``, ``Annotated[list[T], ...]``: a key's every value."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(is_list(arg) for arg in typing.get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def _item_type(annotation: Any) -> Any:
    """The type of one value: ``list[T]`` -> T, ``T | None`` -> T, Annotated kept aside."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _item_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _item_type(members[0]) if len(members) == 1 else annotation
    if origin in (list, tuple, set, frozenset):
        return _item_type(typing.get_args(annotation)[0])
    return annotation


def plan_reader(annotation: Any, multiple: bool, convert: Callable[[Any], Any]) -> Reader:
    """How a form value becomes the argument: files as they are (or their bytes), text
    through ``convert`` (msgspec's lax conversion of the whole annotation)."""
    item = _item_type(annotation)
    if is_upload(item):
        return _read_uploads if multiple else _read_upload
    if item is bytes:
        return _read_all_bytes if multiple else _read_bytes

    async def read_text(value: Any) -> Any:
        if isinstance(value, UploadFile) or (
            multiple and any(isinstance(v, UploadFile) for v in value)
        ):
            raise WrongValue("Expected a text field, got a file")
        return convert(value)

    return read_text


async def _read_upload(value: Any) -> Any:
    if not isinstance(value, UploadFile):
        raise WrongValue("Expected an uploaded file, got a text field")
    return value


async def _read_uploads(values: Any) -> Any:
    return [await _read_upload(value) for value in values]


async def _read_bytes(value: Any) -> Any:
    if isinstance(value, UploadFile):
        await value.seek(0)
        return await value.read()
    return value.encode("utf-8")


async def _read_all_bytes(values: Any) -> Any:
    return [await _read_bytes(value) for value in values]


def _empty_file_input(value: Any) -> bool:
    """A file input left empty: browsers send it with an empty filename and no bytes."""
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def sent_value(form: FormData, key: str, multiple: bool) -> Any:
    """What the form holds for ``key`` (every value when ``multiple``), or None when it was
    not sent; as FastAPI, an empty text field and an empty file input count as not sent
    (in a list, only empty file inputs are left out)."""
    if multiple:
        values = [value for value in form.getlist(key) if not _empty_file_input(value)]
        return values or None
    value = form.get(key)
    if value is None or value == "" or _empty_file_input(value):
        return None
    return value


async def take_form_value(
    form: FormData,
    key: str,
    multiple: bool,
    read: Reader,
) -> Any:
    """The argument for ``key``; raises KeyError when it was not sent, or
    ``msgspec.ValidationError`` / WrongValue when it does not fit."""
    value = sent_value(form, key, multiple)
    if value is None:
        raise KeyError(key)
    return await read(value)


def form_error(key: str, exc: Exception) -> dict[str, Any]:
    """The 422 detail for a form value that does not fit."""
    if isinstance(exc, msgspec.ValidationError):
        return msgspec_error(["body", key], exc)
    return {"loc": ["body", key], "msg": str(exc), "type": "value_error"}
