"""Build: compile the server's HTTP/1.1 hot path with mypyc unless SQUALL_NO_COMPILE is set.

The compiled modules are the same typed Python files (squall/server/http11, the server state
and the connection worker); without a compiler the package works unchanged, only slower.
squall/server/tasks.py stays interpreted on purpose: it resumes suspended app coroutines, and
resuming interpreted coroutines from compiled code made Starlette and FastAPI apps 10-25%
slower (bench/).  The first, eager step of each request is compiled (eager.py): it goes
through a driver generator that tasks.py defines, so no compiled frame resumes the app.

The modules are listed once, in squall/server/hot_path.py.  Beside the compiled modules the
build writes squall/server/_build_stamp.py: the sha256 of each source as it was compiled, and
whether the build is in place (an editable install, whose sources may change after it).
squall/server/compiled.py compares it with the sources; file times can't tell, since a
wheel's files all get the time they were unpacked at.
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
HOT_PATH_FILE = ROOT / "squall" / "server" / "hot_path.py"
STAMP_NAME = "_build_stamp.py"
COMPILED: dict[str, str] = {}  # module name -> sha256 of the source mypyc compiled


def hot_path() -> list[str]:
    """The module names in squall/server/hot_path.py, read without importing squall."""
    for node in ast.parse(HOT_PATH_FILE.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "HOT_PATH" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise RuntimeError(f"{HOT_PATH_FILE} defines no HOT_PATH")


def source(name: str) -> str:
    """A module's source file, relative to the project root (as mypycify wants it)."""
    return os.path.join(*name.split(".")) + ".py"


def digest(name: str) -> str:
    return hashlib.sha256((ROOT / source(name)).read_bytes()).hexdigest()


def stamp_text(compiled: dict[str, str], editable: bool) -> str:
    lines = [
        '"""Written by setup.py when it compiled the hot path (read by compiled.py)."""',
        "",
        f"EDITABLE = {editable!r}",
        "SOURCES = {",
        *(f"    {name!r}: {sha!r}," for name, sha in compiled.items()),
        "}",
        "",
    ]
    return "\n".join(lines)


class StampingBuildExt(build_ext):
    """build_ext that also writes the build stamp where the compiled modules go."""

    def run(self) -> None:
        super().run()
        if COMPILED:
            self.write_stamp()

    def write_stamp(self) -> None:
        if self.inplace:  # editable: the extensions were copied next to the sources
            package = ROOT / "squall" / "server"
        else:
            package = Path(self.build_lib) / "squall" / "server"
        (package / STAMP_NAME).write_text(stamp_text(COMPILED, editable=bool(self.inplace)))


def extensions() -> list[Extension]:
    if os.environ.get("SQUALL_NO_COMPILE"):
        return []
    from mypyc.build import mypycify

    names = hot_path()
    COMPILED.update((name, digest(name)) for name in names)
    # The build environment has only the build requirements: the runtime dependencies'
    # types are not there, and compiled code handles them as ``Any``.
    sources = [source(name) for name in names]
    # A fixed name for the shared library of the compiled modules (mypyc would name it after a
    # hash of the module list): an editable install keeps finding it when the list changes.
    return mypycify(
        ["--ignore-missing-imports", *sources],
        opt_level="3",
        debug_level="0",
        group_name="squall_hot_path",
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": StampingBuildExt})
