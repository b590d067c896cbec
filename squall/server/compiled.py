"""Which build of the hot path runs: the one mypyc compiled, or the Python source.

``pip install`` compiles the modules in ``HOT_PATH`` (see setup.py).  The compiled files
shadow the sources, so after an edit they would keep running the old code: when any of them
is older than its source (or ``SQUALL_NO_COMPILE`` is set) all are loaded from source
instead, together, since compiled modules call each other directly.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import os
import sys

HOT_PATH = (
    "squall.server.transport",
    "squall.server.state",
    "squall.server.eager",
    "squall.server.http11.wire",
    "squall.server.http11.plain",
    "squall.server.exchange",
    "squall.server.http11.writer",
    "squall.server.http11.connection",
)
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _files(name: str) -> tuple[str, list[str]]:
    base = os.path.join(PACKAGE_ROOT, *name.split(".")[1:])
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return base + ".py", [base + s for s in suffixes if os.path.exists(base + s)]


def compiled_state() -> str:
    """ "compiled", "stale" (a source is newer than its build), "disabled" or "absent"."""
    if os.environ.get("SQUALL_NO_COMPILE"):
        return "disabled"
    state = "compiled"
    for name in HOT_PATH:
        source, built = _files(name)
        if not built:
            return "absent"
        if os.path.getmtime(built[0]) < os.path.getmtime(source):
            state = "stale"
    return state


def _load_sources() -> None:
    for name in HOT_PATH:
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, _files(name)[0])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


STATE = compiled_state()
COMPILED = STATE == "compiled"
if STATE in ("stale", "disabled"):
    if STATE == "stale":
        logging.getLogger("squall.error").warning(
            "the compiled hot path is older than its source: running the source "
            "(rebuild with: pip install -e .)"
        )
    _load_sources()
