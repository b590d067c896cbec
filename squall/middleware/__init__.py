"""Middleware: the framework's own chain (Request -> Response, native path kept), Squall's
middleware classes (each also plain ASGI middleware), and any ASGI middleware class."""

from squall.middleware.base import Middleware, SquallMiddleware
from squall.middleware.chain import CallNext, MiddlewareFunction, build_asgi_stack, chain
from squall.middleware.compression import CompressionMiddleware, GZipMiddleware

__all__ = [
    "CallNext",
    "CompressionMiddleware",
    "GZipMiddleware",
    "Middleware",
    "MiddlewareFunction",
    "SquallMiddleware",
    "build_asgi_stack",
    "chain",
]
