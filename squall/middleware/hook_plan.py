"""The hooks of an App's chain as one plan, decided when a layer is added: which slots are
real, and which requests each layer's hooks may skip (:class:`squall.middleware.hooks.Hooks`'s
gates), so that a request no layer acts on makes no Python call into any of them.

Compiled with mypyc with the server's hot path (squall/server/hot_path.py): the gates (a
method, a scheme, a header present, a header value already known to pass) are checked in C,
one call per request for the ``before`` side and one for the ``after`` side, and none at all
for a side no layer uses.  Without the compiler it works the same, slower.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from squall.middleware.hooks import After, Before, Bind, Hooks
from squall.middleware.native_headers import RawHeaders, first_value, has_header, varied
from squall.native import NativeRequest
from squall.outcome import JSON_HEADERS, Outcome
from squall.requests import Request


class PlannedLayer:
    """One layer's hooks and their gates, as the plan checks them."""

    def __init__(self, hooks: Hooks, depth: int) -> None:
        self.depth = depth  # 0: the outermost layer
        self.before: Before | None = hooks.before
        self.before_methods: frozenset[str] | None = hooks.before_methods
        self.before_schemes: frozenset[str] | None = hooks.before_schemes
        self.passes: tuple[bytes, Container[bytes]] | None = hooks.passes
        self.after: After | None = hooks.after
        self.after_header: bytes | None = hooks.after_header
        self.after_needs_request = hooks.after_needs_request
        self.vary: bytes | None = hooks.vary

    def screens(self, native: NativeRequest, method: str) -> bool:
        """Whether this request goes through the layer's ``before``."""
        methods = self.before_methods
        if methods is not None and method not in methods:
            return False
        schemes = self.before_schemes
        if schemes is not None and native.scheme not in schemes:
            return False
        passes = self.passes
        if passes is not None:
            value = first_value(native.headers, passes[0])
            if value is not None and value in passes[1]:
                return False
        return True

    def acts_after(self, headers: RawHeaders, request: Request | None) -> bool:
        """Whether the layer's ``after`` sees the response of this request."""
        if request is None and self.after_needs_request:
            return False
        name = self.after_header
        return name is None or has_header(headers, name)


class HookPlan:
    """The chain's hooks, given outermost first: ``before`` outside in (the first answer
    stops the request, and only the layers outside the one that answered see it leave),
    ``after`` inside out, as the chain's layers run their parts around ``call_next``."""

    def __init__(self, layers: Sequence[Hooks]) -> None:
        planned = [PlannedLayer(hooks, depth) for depth, hooks in enumerate(layers)]
        self.screening = [layer for layer in planned if layer.before is not None]
        self.leaving = [layer for layer in reversed(planned) if layer.after or layer.vary]
        self.binds: list[Bind] = [hooks.bind for hooks in layers if hooks.bind is not None]
        # What the App checks inline before calling in: a request whose method no layer
        # screens makes no call (screens_all: some layer screens every method).
        gated = [layer.before_methods for layer in self.screening]
        self.screens_all = any(methods is None for methods in gated)
        self.screened: frozenset[str] = frozenset().union(*[m for m in gated if m is not None])
        # Whether a response with no Request behind it (App._native's short way) may change.
        self.leaves_unbound = any(not layer.after_needs_request for layer in self.leaving)
        # A JSON outcome's headers when no layer's after acts: each one's Vary, inside out.
        json_headers = JSON_HEADERS
        for layer in self.leaving:
            if layer.vary is not None:
                json_headers = varied(json_headers, layer.vary)
        self.json_headers = json_headers

    def answer(self, native: NativeRequest) -> Outcome | None:
        """The first layer's own answer (through the layers outside it), or None."""
        method = native.method
        for layer in self.screening:
            if not layer.screens(native, method):
                continue
            before = layer.before
            assert before is not None
            answer = before(native)
            if answer is not None:
                return self._outside(native, answer, layer.depth)
        return None

    def bind(self, request: Request) -> None:
        for bind in self.binds:
            bind(request)

    def leave(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        """The routed ``outcome`` through every layer's ``after``, inside out."""
        headers = native.headers
        for layer in self.leaving:
            outcome = _through(layer, native, headers, request, outcome)
        return outcome

    def kept_json_headers(self, native: NativeRequest) -> RawHeaders | None:
        """A JSON outcome's headers on the way out, when no layer's after acts on this
        request made with no Request (App._native's short way); else None: :meth:`leave`."""
        headers = native.headers
        for layer in self.leaving:
            if layer.after is not None and layer.acts_after(headers, None):
                return None
        return self.json_headers

    def _outside(self, native: NativeRequest, answer: Outcome, depth: int) -> Outcome:
        headers = native.headers
        for layer in self.leaving:
            if layer.depth < depth:
                answer = _through(layer, native, headers, None, answer)
        return answer


def _through(
    layer: PlannedLayer,
    native: NativeRequest,
    headers: RawHeaders,
    request: Request | None,
    outcome: Outcome,
) -> Outcome:
    after = layer.after
    if after is not None and layer.acts_after(headers, request):
        return after(native, request, outcome)
    vary = layer.vary
    if vary is not None:
        return outcome[0], varied(outcome[1], vary), outcome[2]
    return outcome
