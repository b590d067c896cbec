"""Which build of the hot path runs: the one mypyc compiled, or the Python source.

``pip install`` compiles the modules in ``hot_path.HOT_PATH`` and writes a build stamp beside
them: the sha256 of each source as compiled (see setup.py).  The compiled files shadow the
sources, so after an edit they would keep running the old code.  An editable install (the
stamp says the build was in place) hashes its sources at start-up and compares; a wheel's
sources don't change after install, so a wheel is not hashed and costs no start-up time.
When a source differs, the stamp is missing or ``SQUALL_NO_COMPILE`` is set, every hot-path
module is imported from its source: all of them, since compiled modules call each other
directly.  squall/server/__init__.py imports this module first, so the choice is made before
any hot-path module is imported.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from squall.server.hot_path import HOT_PATH

# The directory that holds the ``squall`` package (site-packages, or the project's checkout).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STAMP_MODULE = "squall.server._build_stamp"


class Stamp(NamedTuple):
    editable: bool  # built in place: the sources may have changed since
    sources: dict[str, str]  # module name -> sha256 of the source that was compiled


def source_file(root: str, name: str) -> str:
    return os.path.join(root, *name.split(".")) + ".py"


def has_extension(root: str, name: str) -> bool:
    base = os.path.join(root, *name.split("."))
    return any(os.path.exists(base + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def digest(path: str) -> str:
    import hashlib  # imported only by editable installs, the ones that hash their sources

    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def read_stamp() -> Stamp | None:
    """The stamp of the installed build, or None when none was written."""
    try:
        module = importlib.import_module(STAMP_MODULE)
    except ImportError:
        return None
    return Stamp(bool(module.EDITABLE), dict(module.SOURCES))


def matches(root: str, stamp: Stamp, names: Sequence[str]) -> bool:
    """Whether the build stamped ``stamp`` compiled the sources under ``root`` as they are."""
    if set(stamp.sources) != set(names):
        return False
    if not stamp.editable:
        return True
    return all(digest(source_file(root, name)) == stamp.sources[name] for name in names)


def compiled_state(root: str, stamp: Stamp | None, names: Sequence[str] = HOT_PATH) -> str:
    """ "compiled", "stale" (a source changed since the build), "disabled" or "absent"."""
    if os.environ.get("SQUALL_NO_COMPILE"):
        return "disabled"
    if not all(has_extension(root, name) for name in names):
        return "absent"
    if stamp is None or not matches(root, stamp, names):
        return "stale"
    return "compiled"


class SourceFinder:
    """A ``sys.meta_path`` finder that imports the hot-path modules from their sources."""

    def __init__(self, root: str, names: Iterable[str]) -> None:
        self.root = root
        self.names = frozenset(names)

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        return importlib.util.spec_from_file_location(fullname, source_file(self.root, fullname))


def run_sources(root: str = ROOT, names: Sequence[str] = HOT_PATH) -> None:
    """From now on, the hot-path modules are imported from source (none is imported yet)."""
    sys.meta_path.insert(0, SourceFinder(root, names))


STATE = compiled_state(ROOT, read_stamp())
COMPILED = STATE == "compiled"
if STATE in ("stale", "disabled"):
    if STATE == "stale":
        logging.getLogger("squall.error").warning(
            "the compiled hot path was built from other sources: running the source "
            "(rebuild with: pip install -e .)"
        )
    run_sources()
