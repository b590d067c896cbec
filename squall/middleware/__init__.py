"""Middleware: the framework's own chain (Request -> Response, native path kept), Squall's
middleware classes (each also plain ASGI middleware), and any ASGI middleware class."""

# hook_plan.py and native_headers.py are compiled with the server's hot path
# (squall/server/hot_path.py).  With SQUALL_NO_COMPILE, squall.server.compiled must install
# its source finder before they load; otherwise ``import squall`` loads no server module.
import os  # isort: skip

if os.environ.get("SQUALL_NO_COMPILE"):
    import squall.server  # noqa: F401
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
