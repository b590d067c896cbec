"""Squall's HTTP/1.1 ASGI server."""

from squall.server.config import Config, ConfigError
from squall.server.main import Server, run

__all__ = ["Config", "ConfigError", "Server", "run"]
