"""A compiled route: the endpoint, its planned parameters, and how its result is answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from squall.calling import run_sync
from squall.di import Solver
from squall.errors import body_failure
from squall.media import JSON, check_content_type
from squall.models import ValidationFailed, encode_extra, raw_body_decoder
from squall.outcome import JSON_HEADERS, Outcome, encode_json
from squall.params import Extractor, awaits, extract, extract_now, needs_resolver
from squall.query_reader import QueryReader, plan_query_reader
from squall.requests import Request
from squall.responses import JSONResponse, Response
from squall.router import Declaration
from squall.shaping import FieldFilter, Shaper, plan_shaper

if TYPE_CHECKING:
    from squall.app import App

Endpoint = Callable[..., Any]
Wrap = Callable[[Any, int], Response]  # (result, status) -> the route's response_class


def plan_wrap(response_class: type | None, status_code: int = 200) -> Wrap | None:
    """How a result becomes a ``response_class`` response; None for the default (JSON).

    A status that has no content (1xx, 204, 304) gets an empty response whatever the result
    (as FastAPI): a ``status_code=204`` route returning None must not send ``null``."""
    if status_code < 200 or status_code in (204, 304):
        return _without_content
    if response_class is None or response_class is JSONResponse:
        return None
    if not (isinstance(response_class, type) and issubclass(response_class, Response)):
        raise TypeError(f"response_class must be a Response subclass, not {response_class!r}")
    cls = response_class
    if issubclass(cls, JSONResponse):

        def wrap_json(result: Any, status: int) -> Response:
            return cls(msgspec.to_builtins(result, enc_hook=encode_extra), status_code=status)

        return wrap_json

    def wrap(result: Any, status: int) -> Response:
        return cls(result, status_code=status)

    return wrap


def _without_content(result: Any, status: int) -> Response:
    return Response(b"", status_code=status)


@dataclass
class Route:
    path: str
    methods: tuple[str, ...]
    endpoint: Endpoint
    status_code: int
    extractors: list[Extractor]
    returns: Any  # the declared type (response_model, else the return annotation), or None
    is_async: bool
    response_class: type | None = None  # None: JSON
    fields: FieldFilter = field(default_factory=FieldFilter)
    declaration: Declaration | None = None  # as declared: the OpenAPI metadata is there
    # Derived from the above once, here: read on every request, so plain attributes.
    awaits: bool = field(init=False)  # reading the arguments needs an await (body, dependency)
    resolves: bool = field(init=False)  # needs a Solver: dependencies, background, response
    direct: bool = field(init=False)  # async, a body or query values: served by App._native
    plain_type: Any = field(init=False)  # results of exactly this type are encoded as they are
    shape: Shaper | None = field(init=False)  # result -> what to encode (the declared type)
    wrap: Wrap | None = field(init=False)  # the response_class, unless JSON
    decode: Callable[[bytes], Any] | None = field(init=False)  # a body-only endpoint's decoder
    strict_json: bool = field(init=False)  # refuse its body without a Content-Type
    read_query: QueryReader | None = field(init=False)  # a query-values-only endpoint's reader
    # One segment ("/user"): no root path can end up in front of it.  The server puts its
    # root path before the request's path ("/api" + "/x"), so a path with a root path in
    # front has two slashes at least: App._native needs no root path check for these.
    flat: bool = field(init=False)

    def __post_init__(self) -> None:
        extractors = self.extractors
        self.awaits = awaits(extractors)
        self.resolves = needs_resolver(extractors)
        body_only = self.is_async and len(extractors) == 1 and extractors[0].place == "body"
        self.read_query = plan_query_reader(extractors) if self.is_async else None
        self.direct = self.is_async and (not extractors or body_only or bool(self.read_query))
        returns = self.returns
        if isinstance(returns, type) and issubclass(returns, Response):
            returns = self.returns = None  # a Response goes out as it is
        self.shape = None if returns is None else plan_shaper(returns, self.fields)
        self.wrap = plan_wrap(self.response_class, self.status_code)
        exact_is_plain = not self.fields.active and self.wrap is None
        self.plain_type = returns if exact_is_plain else None
        self.flat = self.path.count("/") == 1
        decode = extractors[0].decode if body_only else None
        # The raw decoder raises msgspec.DecodeError as it is (see body_error), and is strict:
        # a body it refuses goes to ``recovered`` (pydantic's lax conversions).
        self.decode = None if decode is None else raw_body_decoder(decode)
        self.decode_lax = decode
        self.strict_json = extractors[0].strict_json if body_only else True

    async def call(
        self, app: App, request: Request, params: dict[str, Any], solver: Solver | None
    ) -> Outcome:
        try:
            extractors = self.extractors
            if not extractors:
                kwargs: dict[str, Any] = {}
            elif self.awaits:
                kwargs = await extract(extractors, request, params, solver)
            else:
                kwargs = extract_now(extractors, request, params, solver)
            if self.is_async:
                result = await self.endpoint(**kwargs)
            else:
                result = await run_sync(app.threads, self.endpoint, **kwargs)
            status, headers, body = self.render(result)
            if isinstance(result, Response) and result.background is not None:
                request.background = result.background  # awaited once it has been sent
                request.finishes = True
            if solver is None:
                return status, headers, body
            if solver.closes_after_endpoint:
                await solver.endpoint_returned()  # closes scope="function" dependencies
        except Exception as exc:
            if solver is not None:
                await solver.unwind(exc)  # generator dependencies see it (may raise another)
            raise
        partial = solver.partial
        if partial is not None and not isinstance(result, Response):
            status = partial.status_code or status
            headers = headers + partial.raw_headers
        return status, headers, body

    def decoded(self, raw: bytes, content_type: bytes) -> Any:
        """A body-only endpoint's argument from the raw body (``content_type`` as the server
        picked it out)."""
        if not raw:
            return self.empty_body_value()
        if content_type != JSON:
            check_content_type(content_type, self.strict_json)
        try:
            return self.decode(raw)  # type: ignore[misc]  # set for body-only routes
        except Exception as exc:
            return self.recovered(raw, exc)

    def recovered(self, raw: bytes, exc: Exception) -> Any:
        """The body the strict decoder refused with ``exc``, read with pydantic's lax
        conversions (``{"age": 164.0}`` for an int) when it is valid JSON; else raises the
        error to answer."""
        if isinstance(exc, msgspec.ValidationError) and self.decode_lax is not None:
            try:
                return self.decode_lax(raw)
            except Exception as lax_exc:
                exc = lax_exc
        raise body_failure(exc, raw) from None

    def empty_body_value(self) -> Any:
        """The body-only endpoint's argument when the request has no body."""
        extractor = self.extractors[0]
        if extractor.required:
            raise ValidationFailed([{"loc": ["body"], "msg": "Field required", "type": "missing"}])
        return extractor.default

    def render(self, result: Any) -> Outcome:
        if isinstance(result, Response):
            return result.status_code, result.raw_headers, result.body
        shape = self.shape
        if shape is not None and type(result) is not self.plain_type:  # exact type: as it is
            result = shape(result)
        wrap = self.wrap
        if wrap is not None:
            response = wrap(result, self.status_code)
            return response.status_code, response.raw_headers, response.body
        return self.status_code, JSON_HEADERS, encode_json(result)
