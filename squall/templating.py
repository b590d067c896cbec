"""Jinja2 templates, as FastAPI and Starlette offer them (``pip install 'squall[templates]'``)::

    templates = Jinja2Templates(directory="templates")

    @app.get("/items/{item_id}")
    async def read_item(request: Request, item_id: int) -> HTMLResponse:
        return templates.TemplateResponse(request, "item.html", {"item_id": item_id})

Templates see ``request``, the context, what each context processor returns, and
``url_for(name, **path_params)`` (a route's absolute URL; a mount's with ``path=``:
``url_for("static", path="/app.css")``).  Autoescaping is on (as Starlette's); a template
response carries ``.template`` and ``.context`` for tests.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple

from squall.requests import Request
from squall.responses import HTMLResponse

try:
    import jinja2
except ImportError:  # pragma: no cover - the extra is installed with dev
    jinja2 = None  # type: ignore[assignment]

__all__ = ["Jinja2Templates", "TemplateResponse"]

ContextProcessor = Callable[[Request], Mapping[str, Any]]
Background = Callable[[], Awaitable[None]]
PathLike = str | os.PathLike[str]


class TemplateResponse(HTMLResponse):
    """A rendered template; ``template`` and ``context`` are kept for tests to look at."""

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)


class _Call(NamedTuple):
    request: Any
    name: str
    context: dict[str, Any]
    status_code: int
    headers: Mapping[str, str] | None
    media_type: str | None
    background: Background | None


def _current(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Background | None = None,
) -> _Call:
    return _Call(request, name, dict(context or {}), status_code, headers, media_type, background)


def _legacy(
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Background | None = None,
) -> _Call:
    context = dict(context or {})
    if "request" not in context:
        raise ValueError('the context must include a "request" key')
    request = context["request"]
    return _Call(request, name, context, status_code, headers, media_type, background)


def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> str:
    """In a template: the absolute URL of a route (or of a file below a named mount); the
    template's context (with its ``request``) is passed first (``jinja2.pass_context``)."""
    request: Request = context["request"]
    return str(request.url_for(name, **path_params))


class Jinja2Templates:
    """Templates from ``directory`` (one folder or several, searched in order) or a ready
    ``env`` (a ``jinja2.Environment``: exactly one of the two)."""

    def __init__(
        self,
        directory: PathLike | Sequence[PathLike] | None = None,
        *,
        context_processors: Sequence[ContextProcessor] | None = None,
        env: Any = None,
    ) -> None:
        if jinja2 is None:
            raise ImportError("Jinja2Templates needs jinja2: pip install 'squall[templates]'")
        if (directory is None) == (env is None):
            raise ValueError("give Jinja2Templates either a directory or an env, not both")
        if env is None:
            loader = jinja2.FileSystemLoader(directory)  # type: ignore[arg-type]
            env = jinja2.Environment(loader=loader, autoescape=True)
        self.env = env
        self.env.globals.setdefault("url_for", jinja2.pass_context(url_for))
        self.context_processors = list(context_processors or ())

    def get_template(self, name: str) -> Any:
        return self.env.get_template(name)

    def TemplateResponse(self, *args: Any, **kwargs: Any) -> TemplateResponse:
        """``TemplateResponse(request, name, context=None, status_code=200, headers=None,
        media_type=None, background=None)``; the old ``TemplateResponse(name, {"request":
        request, ...})`` still works, with a DeprecationWarning (as Starlette's)."""
        if (args and isinstance(args[0], str)) or (not args and "request" not in kwargs):
            warnings.warn(
                "TemplateResponse(name, {'request': request, ...}) is deprecated: "
                "call TemplateResponse(request, name, context) instead",
                DeprecationWarning,
                stacklevel=2,
            )
            call = _legacy(*args, **kwargs)
        else:
            call = _current(*args, **kwargs)
        context = call.context
        context.setdefault("request", call.request)
        for processor in self.context_processors:
            context.update(processor(call.request))
        template = self.get_template(call.name)
        return TemplateResponse(
            template, context, call.status_code, call.headers, call.media_type, call.background
        )
