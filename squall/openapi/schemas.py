"""JSON Schema (2020-12, which OpenAPI 3.1 takes as it is) for the types a document mentions.

The operations ask ``Schemas.schema(annotation)`` for each type and get a dict to put in
place; ``finish()`` then generates every schema in one pass and fills those dicts in, so
shared types become one component each under stable names (see squall.openapi.naming):

- msgspec types (Structs with ``rename``, ``omit_defaults``, tagged unions as ``oneOf`` with
  a ``discriminator``, ``Meta`` constraints, titles, descriptions and examples; dataclasses,
  TypedDicts, enums, ``Literal``, generics, unions, containers, datetime/UUID/Decimal...)
  through ``msgspec.json.schema_components``;
- pydantic v2 models (and types made of them) through pydantic's own generator, validation
  schemas for requests and serialization schemas for responses (``Model-Input`` /
  ``Model-Output`` where the two differ, as FastAPI names them); pydantic is imported only
  when the app uses it.

Keys put in a schema dict before ``finish()`` (a parameter's title, default, description)
stay and win over the generated ones; a title given with ``default_title`` is left out
where the schema is a bare ``$ref`` (the component has its own title), as FastAPI does.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import msgspec

from squall.datastructures import UploadFile
from squall.models import is_pydantic_model, uses_pydantic
from squall.openapi.naming import (
    REF_PREFIX,
    pydantic_classes,
    renames_for_collisions,
    rewrite_refs,
)

BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
_NESTED_PYDANTIC = "\x00pydantic:"  # a placeholder $ref: a pydantic model inside a msgspec type
_GENERATED = "\x00generated"  # a slot's generated schema, until finish() fills the slot

Schema = dict[str, Any]


class Schemas:
    """The schemas of one document: asked for while the operations are built, then filled."""

    def __init__(self, separate_input_output: bool = True) -> None:
        self.separate_input_output = separate_input_output
        self._msgspec: list[tuple[Schema, Any]] = []
        self._pydantic: list[tuple[Schema | None, Any, str]] = []  # (slot, type, mode)
        self._named: dict[str, Schema] = {}  # schemas the document names itself
        self._named_refs: list[Schema] = []  # the $refs to them

    def schema(self, annotation: Any, mode: str = "validation") -> Schema:
        """A dict that ``finish()`` fills with ``annotation``'s schema; ``mode`` is
        ``"validation"`` (what a request sends) or ``"serialization"`` (what is answered)."""
        slot: Schema = {}
        if uses_pydantic(annotation):
            if not self.separate_input_output and not has_computed_fields(annotation):
                mode = "validation"  # one schema for both ways (FastAPI's option)
            self._pydantic.append((slot, annotation, mode))
        else:
            self._msgspec.append((slot, annotation))
        return slot

    def named(self, name: str, schema: Schema) -> Schema:
        """Keep ``schema`` as the component ``name``; a ``$ref`` to it."""
        self._named[name] = schema
        return self.ref(name)

    def ref(self, name: str) -> Schema:
        """A ``$ref`` to the component ``name`` kept with ``named``: ``squall.<name>`` in
        the end if a type of the app's has that name (``ValidationError``...)."""
        ref = {"$ref": REF_PREFIX + name}
        self._named_refs.append(ref)
        return ref

    def has(self, name: str) -> bool:
        """Whether the component ``name`` was kept with ``named``."""
        return name in self._named

    def finish(self) -> dict[str, Schema]:
        """Fill every schema handed out; the components, by name (sorted)."""
        components = self._generate_msgspec()
        pydantic_components = self._generate_pydantic()
        classes = pydantic_classes(annotation for _, annotation, _ in self._pydantic)
        renames = renames_for_collisions(pydantic_components, set(components), classes)
        for name, schema in pydantic_components.items():
            components[renames.get(name, name)] = rewrite_refs(schema, renames)
        for slot, _, _ in self._pydantic:
            if slot is not None:
                _fill(slot, rewrite_refs(slot.pop(_GENERATED), renames))
        # The msgspec half: placeholders of nested pydantic models to their final names.
        markers = {
            f"{_NESTED_PYDANTIC}{index}": renames.get(name, name)
            for index, name in self._nested_names.items()
        }
        for slot, _ in self._msgspec:
            _fill(slot, _from_msgspec(rewrite_refs(slot.pop("\x00generated"), markers)))
        components = {
            name: _from_msgspec(rewrite_refs(schema, markers))
            for name, schema in components.items()
        }
        self._add_named(components)
        return dict(sorted(components.items()))

    def _add_named(self, components: dict[str, Schema]) -> None:
        """The document's own components into ``components``; a name an app type has
        already becomes ``squall.<name>``."""
        renames = {name: f"squall.{name}" for name in self._named if name in components}
        for ref in self._named_refs:
            name = ref["$ref"][len(REF_PREFIX) :]
            ref["$ref"] = REF_PREFIX + renames.get(name, name)
        for name, schema in self._named.items():
            components[renames.get(name, name)] = schema

    # -- msgspec --------------------------------------------------------------------------

    def _generate_msgspec(self) -> dict[str, Schema]:
        types = [annotation for _, annotation in self._msgspec]
        try:
            generated, components = msgspec.json.schema_components(
                types, schema_hook=self._hook, ref_template=REF_PREFIX + "{name}"
            )
        except TypeError:  # one type msgspec can't describe: describe the others
            types = [_describable(annotation, self._hook) for annotation in types]
            generated, components = msgspec.json.schema_components(
                types, schema_hook=self._hook, ref_template=REF_PREFIX + "{name}"
            )
        for (slot, _), schema in zip(self._msgspec, generated, strict=True):
            slot[_GENERATED] = schema
        return dict(components)

    def _hook(self, cls: type) -> Schema:
        """Types msgspec leaves to us: uploads, pydantic models inside msgspec types."""
        if inspect.isclass(cls) and issubclass(cls, UploadFile):
            return dict(BINARY)
        if is_pydantic_model(cls):
            index = next(
                (
                    at
                    for at, (slot, annotation, _) in enumerate(self._pydantic)
                    if slot is None and annotation is cls
                ),
                len(self._pydantic),
            )
            if index == len(self._pydantic):
                self._pydantic.append((None, cls, "validation"))
            return {"$ref": REF_PREFIX + f"{_NESTED_PYDANTIC}{index}"}
        return {"title": getattr(cls, "__name__", repr(cls))}  # described as "anything"

    # -- pydantic -------------------------------------------------------------------------

    _nested_names: dict[int, str]

    def _generate_pydantic(self) -> dict[str, Schema]:
        self._nested_names = {}
        if not self._pydantic:
            return {}
        import pydantic

        inputs = [
            (index, mode, pydantic.TypeAdapter(annotation))
            for index, (_, annotation, mode) in enumerate(self._pydantic)
        ]
        keyed, top = pydantic.TypeAdapter.json_schemas(
            inputs,  # type: ignore[arg-type]  # mode is "validation" or "serialization"
            ref_template=REF_PREFIX + "{model}",
            schema_generator=_pydantic_generator(),
        )
        for index, (slot, _, mode) in enumerate(self._pydantic):
            schema = keyed[(index, mode)]  # type: ignore[index]
            if slot is not None:
                slot[_GENERATED] = schema
            else:  # a model inside a msgspec type: always a $ref of its own
                self._nested_names[index] = str(schema["$ref"])[len(REF_PREFIX) :]
        return dict(top.get("$defs", {}))


def has_computed_fields(annotation: Any) -> bool:
    """Whether a pydantic model reachable from ``annotation`` has computed fields (which
    only its serialization schema has: it keeps two schemas whatever the option says)."""
    classes = pydantic_classes([annotation])
    return any(
        getattr(cls, "model_computed_fields", None) for found in classes.values() for cls in found
    )


_DEFAULT_TITLE = "\x00title"


def default_title(schema: Schema, title: str) -> None:
    """Title ``schema`` (a dict from ``Schemas.schema``) unless it turns out a bare ``$ref``."""
    schema[_DEFAULT_TITLE] = title


@functools.cache
def _pydantic_generator() -> Any:
    """pydantic's generator, knowing uploads (a form model's ``UploadFile`` fields) and
    describing what it can't (an arbitrary class) as any value rather than failing."""
    from pydantic.json_schema import GenerateJsonSchema

    class Generator(GenerateJsonSchema):
        def is_instance_schema(self, schema: Any) -> Any:
            cls = schema.get("cls")
            if inspect.isclass(cls) and issubclass(cls, UploadFile):
                return dict(BINARY)
            return super().is_instance_schema(schema)

        def handle_invalid_for_json_schema(self, schema: Any, error_info: str) -> Any:
            return {}

    return Generator


def _fill(slot: Schema, generated: Schema) -> None:
    """Put ``generated`` in ``slot``, the keys already there winning."""
    given = dict(slot)
    title = given.pop(_DEFAULT_TITLE, None)
    slot.clear()
    slot.update(generated)
    if title is not None and "title" not in given and set(generated) != {"$ref"}:
        slot["title"] = title
    slot.update(given)


def tagged_one_of(schema: Any) -> Any:
    """``schema`` with each tagged union (``anyOf`` with a ``discriminator``, as msgspec
    writes it) as a ``oneOf``: one member matches, by its tag."""
    if isinstance(schema, dict):
        out = {key: tagged_one_of(value) for key, value in schema.items()}
        if "discriminator" in out and "anyOf" in out:
            out = {"oneOf" if key == "anyOf" else key: value for key, value in out.items()}
        return out
    if isinstance(schema, list):
        return [tagged_one_of(item) for item in schema]
    return schema


def typed_enums(schema: Any) -> Any:
    """``schema`` with a ``type`` beside each ``enum`` of strings or of integers (msgspec
    writes the values alone, which Swagger UI and ReDoc show as "any")."""
    if isinstance(schema, dict):
        out = {key: typed_enums(value) for key, value in schema.items()}
        values = out.get("enum")
        if isinstance(values, list) and values and "type" not in out:
            if all(isinstance(value, str) for value in values):
                out["type"] = "string"
            elif all(isinstance(value, int) and not isinstance(value, bool) for value in values):
                out["type"] = "integer"
        return out
    if isinstance(schema, list):
        return [typed_enums(item) for item in schema]
    return schema


def _from_msgspec(schema: Any) -> Any:
    """A schema msgspec generated, in the shape the document gives: tagged unions as
    ``oneOf``, enums typed."""
    return typed_enums(tagged_one_of(schema))


def _describable(annotation: Any, hook: Any) -> Any:
    """``annotation``, or ``Any`` (with a warning) when msgspec can't describe it."""
    try:
        msgspec.json.schema(annotation, schema_hook=hook)
    except TypeError as exc:
        warnings.warn(f"OpenAPI: {annotation!r} is described as any value: {exc}", stacklevel=3)
        return Any
    return annotation
