"""Squall's HTTP/1.1 ASGI server: ``Config``, ``ConfigError``, ``Server`` and ``run``.

They are imported on first use, so importing one submodule (``squall.server.config``) loads
only what that needs.  ``compiled`` is always imported first: it decides whether the hot-path
modules are imported compiled or from source, before any of them is.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from squall.server import compiled  # noqa: F401  (first: see above)

if TYPE_CHECKING:
    from squall.server.config import Config, ConfigError
    from squall.server.main import Server, run

__all__ = ["Config", "ConfigError", "Server", "run"]
_HOMES = {
    "Config": "squall.server.config",
    "ConfigError": "squall.server.config",
    "Server": "squall.server.main",
    "run": "squall.server.main",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
