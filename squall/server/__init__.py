"""Squall's HTTP/1.1 ASGI server."""

# First: decides whether the compiled or the source hot path is imported below.
from squall.server import compiled  # noqa: F401
from squall.server.config import Config, ConfigError
from squall.server.main import Server, run

__all__ = ["Config", "ConfigError", "Server", "run"]
