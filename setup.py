"""Build: compile the server's hot path with mypyc unless SQUALL_NO_COMPILE is set.

The compiled modules are the same typed Python files (squall/server/http11 and the task
runner); without a compiler the package works unchanged, only slower.
"""

import os

from setuptools import setup

HOT_PATH = [
    "squall/server/http11/wire.py",
    "squall/server/http11/exchange.py",
    "squall/server/http11/connection.py",
    "squall/server/tasks.py",
]


def extensions() -> list:
    if os.environ.get("SQUALL_NO_COMPILE"):
        return []
    from mypyc.build import mypycify

    return mypycify(HOT_PATH, opt_level="3", debug_level="0")


setup(ext_modules=extensions())
