"""What one route takes, gathered from its whole planned tree: the endpoint's parameters and
those of every dependency below it (the app's, routers' and route's ``dependencies=`` too).

Security dependencies are recognised by duck typing: a dependency object with a
``scheme_name: str`` (its key under ``components.securitySchemes``) and a
``security_scheme: dict`` (the OpenAPI Security Scheme Object).  Its scopes are those
``Security(..., scopes=)`` declared on the way down to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.dependants import Planned
from squall.params import Extractor

PARAMETER_PLACES = ("path", "query", "header", "cookie")
BODY_PLACES = ("body", "embedded")
FORM_PLACES = ("form", "form-model")


@dataclass
class Inputs:
    parameters: list[Extractor] = field(default_factory=list)  # path, query, header, cookie
    bodies: list[Extractor] = field(default_factory=list)  # JSON: the body, or keys of it
    forms: list[Extractor] = field(default_factory=list)  # form fields, files, form models
    schemes: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> scheme object
    scopes: dict[str, list[str]] = field(default_factory=dict)  # name -> scopes required

    @property
    def any(self) -> bool:
        """Whether the operation reads anything a client sends (so it can answer 422)."""
        return bool(self.parameters or self.bodies or self.forms)


def gather(extractors: list[Extractor]) -> Inputs:
    """The inputs of a route's tree, each (place, key) once, in the order they are met."""
    inputs = Inputs()
    _walk(extractors, inputs, set(), set())
    return inputs


def _walk(
    extractors: list[Extractor], inputs: Inputs, seen_keys: set[tuple[str, str]], seen: set[int]
) -> None:
    for ex in extractors:
        place = ex.place
        if place == "depends":
            node = ex.depends
            if isinstance(node, Planned):
                _security(node, inputs)
                plan = node.plan(node.dependency)
                if id(plan) not in seen:
                    seen.add(id(plan))
                    _walk(plan.extractors, inputs, seen_keys, seen)
            continue
        if (place, ex.key) in seen_keys:
            continue
        seen_keys.add((place, ex.key))
        if place in PARAMETER_PLACES:
            inputs.parameters.append(ex)
        elif place in BODY_PLACES:
            inputs.bodies.append(ex)
        elif place in FORM_PLACES:
            inputs.forms.append(ex)


def is_security_scheme(dependency: Any) -> bool:
    """The contract with squall.security's classes (or any of the user's)."""
    return isinstance(getattr(dependency, "scheme_name", None), str) and isinstance(
        getattr(dependency, "security_scheme", None), dict
    )


def _security(node: Planned, inputs: Inputs) -> None:
    dependency = node.dependency
    if not is_security_scheme(dependency):
        return
    name: str = dependency.scheme_name  # type: ignore[attr-defined]
    inputs.schemes[name] = dict(dependency.security_scheme)  # type: ignore[attr-defined]
    scopes = inputs.scopes.setdefault(name, [])
    scopes.extend(scope for scope in node.scopes if scope not in scopes)
