"""Build: compile the server's HTTP/1.1 hot path with mypyc unless SQUALL_NO_COMPILE is set.

The compiled modules are the same typed Python files (squall/server/http11, the server state
and the connection worker); without a compiler the package works unchanged, only slower.
squall/server/tasks.py stays interpreted on purpose: it resumes suspended app coroutines, and
resuming interpreted coroutines from compiled code made Starlette and FastAPI apps 10-25%
slower (bench/).  The first, eager step of each request is compiled (eager.py): it goes
through a driver generator that tasks.py defines, so no compiled frame resumes the app.
"""

import os

from setuptools import setup

HOT_PATH = [
    "squall/server/transport.py",
    "squall/server/state.py",
    "squall/server/eager.py",
    "squall/server/http11/wire.py",
    "squall/server/http11/plain.py",
    "squall/server/exchange.py",
    "squall/server/http11/writer.py",
    "squall/server/http11/connection.py",
]


def extensions() -> list:
    if os.environ.get("SQUALL_NO_COMPILE"):
        return []
    from mypyc.build import mypycify

    # The build environment has only the build requirements: the runtime dependencies'
    # types are not there, and compiled code handles them as ``Any``.
    return mypycify(["--ignore-missing-imports", *HOT_PATH], opt_level="3", debug_level="0")


setup(ext_modules=extensions())
