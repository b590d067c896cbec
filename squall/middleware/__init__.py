"""Middleware: the framework's own chain (Request -> Response, native path kept), Squall's
middleware classes (each also plain ASGI middleware), and any ASGI middleware class."""

# First: squall.server.compiled decides whether the compiled modules (hook_plan.py and
# native_headers.py are among them: squall/server/hot_path.py) load compiled or from source.
import squall.server  # noqa: F401  # isort: skip
from squall.middleware.base import Middleware, SquallMiddleware
from squall.middleware.chain import CallNext, MiddlewareFunction, build_asgi_stack, chain
from squall.middleware.compression import CompressionMiddleware, GZipMiddleware
from squall.middleware.cors import CORSMiddleware
from squall.middleware.httpsredirect import HTTPSRedirectMiddleware
from squall.middleware.requestid import RequestIdFilter, RequestIdMiddleware
from squall.middleware.sessions import SessionMiddleware
from squall.middleware.trustedhost import TrustedHostMiddleware

__all__ = [
    "CORSMiddleware",
    "CallNext",
    "CompressionMiddleware",
    "GZipMiddleware",
    "HTTPSRedirectMiddleware",
    "Middleware",
    "MiddlewareFunction",
    "RequestIdFilter",
    "RequestIdMiddleware",
    "SessionMiddleware",
    "SquallMiddleware",
    "TrustedHostMiddleware",
    "build_asgi_stack",
    "chain",
]
