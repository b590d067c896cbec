"""What the bench measures: each entry is a server command serving POST /user."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass

SQUALL_FLAGS = ("--no-access-log", "--log-level", "warning")
UVICORN_COMMON = ("--no-access-log", "--log-level", "warning", "--loop", "uvloop")
UVICORN_FLAGS = (*UVICORN_COMMON, "--http", "httptools")


SIMPLE = ("post-user", "pipelined", "connections", "http10")  # only POST /user needed
ALL = (*SIMPLE, "query", "json-list", "upload")


@dataclass(frozen=True)
class Entry:
    name: str
    argv: tuple[str, ...]  # after the interpreter; "{port}" is filled in
    requires: tuple[str, ...]  # modules that must import, else the entry is skipped
    squall: bool = False
    profiles: tuple[str, ...] = SIMPLE  # what its app serves (see bench/profiles.py)
    many_routes: tuple[str, str] | None = None  # (app, app with 1,000 more routes)

    def command(
        self, python: str, port: int, many_routes: bool = False, files: dict[str, str] | None = None
    ) -> list[str]:
        """The command line; ``files`` fills in "{certfile}"-style placeholders (TLS)."""
        argv = self.argv
        if many_routes and self.many_routes is not None:
            app, bigger = self.many_routes
            argv = tuple(bigger if part == app else part for part in argv)
        fill = {"port": str(port), **(files or {})}
        return [python, *(_filled(part, fill) for part in argv)]

    def supports(self, profile: str) -> bool:
        if profile == "many-routes":
            return self.many_routes is not None
        return profile in self.profiles

    def missing(self, python: str) -> list[str]:
        """The required modules ``python`` can't import."""
        return [name for name in self.requires if not importable(python, name)]


def _filled(part: str, fill: dict[str, str]) -> str:
    for name, value in fill.items():
        part = part.replace(f"{{{name}}}", value)
    return part


@functools.cache
def importable(python: str, module: str) -> bool:
    check = [
        python,
        "-c",
        f"import importlib.util, sys; sys.exit(not importlib.util.find_spec({module!r}))",
    ]
    return subprocess.run(check, capture_output=True, timeout=60).returncode == 0


FRAMEWORK_APP = "bench.apps.squall_app:app"
MANY_ROUTES = (FRAMEWORK_APP, "bench.apps.squall_many_routes:app")
# Apps that have a variant with 1,000 more routes (for --many-routes).
BIGGER = {
    FRAMEWORK_APP: MANY_ROUTES[1],
    "bench.apps.starlette_app:app": "bench.apps.starlette_many_routes:app",
    "bench.apps.fastapi_app:app": "bench.apps.fastapi_many_routes:app",
}


def _many(app: str) -> tuple[str, str] | None:
    return (app, BIGGER[app]) if app in BIGGER else None


def _squall(name: str, app: str, *requires: str) -> Entry:
    argv = ("-m", "squall", app, "--port", "{port}", *SQUALL_FLAGS)
    profiles = SIMPLE if app == MANY_ROUTES[1] else ALL
    return Entry(
        name, argv, ("squall", "uvloop", "httptools", *requires), True, profiles, _many(app)
    )


# granian's own advice for one CPU: one worker, its single-threaded runtime, one thread.
GRANIAN_ONE_CPU = ("--workers", "1", "--runtime-mode", "st", "--runtime-threads", "1")


def granian_argv(interface: str, app: str, *flags: str) -> tuple[str, ...]:
    return (
        "-m", "granian", "--interface", interface, "--host", "127.0.0.1", "--port", "{port}",
        "--loop", "uvloop", "--log-level", "warning", "--no-ws", *flags, app,
    )  # fmt: skip


def _granian(name: str, interface: str, app: str) -> Entry:
    argv = granian_argv(interface, app, *GRANIAN_ONE_CPU)
    return Entry(name, argv, ("granian", "uvloop"), profiles=ALL)


def _uvicorn(name: str, app: str, *requires: str) -> Entry:
    argv = ("-m", "uvicorn", app, "--port", "{port}", *UVICORN_FLAGS)
    squall = "squall" in requires  # the Squall framework under uvicorn is one of Squall's entries
    return Entry(name, argv, ("uvicorn", "uvloop", "httptools", *requires), squall, ALL, _many(app))


# In the seeds' order: each layer on top of the one before, so the decay column reads down.
ENTRIES: tuple[Entry, ...] = (
    Entry(
        "raw uvloop + httptools",
        ("-m", "bench.apps.raw_uvloop", "--port", "{port}"),
        ("uvloop", "httptools"),
        profiles=("post-user", "pipelined", "connections"),
    ),
    Entry(
        "raw asyncio streams (seed)",
        ("-m", "bench.apps.raw_asyncio", "--port", "{port}"),
        ("uvloop",),
        profiles=("post-user", "connections"),  # one read = one request: no pipelining
    ),
    _granian("granian RSGI", "rsgi", "bench.apps.granian_rsgi:app"),
    _squall("squall server, bare native handler", "bench.apps.squall_native:app"),
    _squall("squall framework (native path)", "bench.apps.squall_app:app"),
    _squall("squall framework, 1,000 more routes", MANY_ROUTES[1]),
    _squall("squall + raw ASGI", "bench.apps.asgi_raw:app"),
    _granian("granian + raw ASGI", "asgi", "bench.apps.asgi_raw:app"),
    # The fastest Python servers that are not ASGI on asyncio: C (libuv) and uWebSockets.
    Entry(
        "fastpysgi + raw ASGI",
        ("-m", "bench.apps.run_fastpysgi", "bench.apps.asgi_raw:app", "--port", "{port}"),
        ("fastpysgi",),
        profiles=ALL,
    ),
    Entry(
        "socketify + raw ASGI",
        (
            "-m",
            "socketify",
            "bench.apps.asgi_raw:app",
            "--port",
            "{port}",
            "--interface",
            "asgi",
            "--lifespan",
            "off",
            "--disable-listen-log",
            "true",
        ),
        ("socketify",),
        profiles=ALL,
    ),
    _uvicorn("uvicorn + raw ASGI", "bench.apps.asgi_raw:app"),
    Entry(  # uvicorn's own compiled HTTP/1.1 parser (zttp), new in 0.5x: is it faster?
        "uvicorn --http zttp + raw ASGI",
        (
            "-m",
            "uvicorn",
            "bench.apps.asgi_raw:app",
            "--port",
            "{port}",
            *UVICORN_COMMON,
            "--http",
            "zttp",
        ),
        ("uvicorn", "uvloop", "zttp"),
        profiles=ALL,
    ),
    _uvicorn("squall framework under uvicorn", "bench.apps.squall_app:app", "squall"),
    _uvicorn("uvicorn + lihil", "bench.apps.lihil_app:app", "lihil"),
    _uvicorn("uvicorn + litestar", "bench.apps.litestar_app:app", "litestar"),
    _uvicorn("uvicorn + blacksheep", "bench.apps.blacksheep_app:app", "blacksheep"),
    _squall("squall + Starlette", "bench.apps.starlette_app:app", "starlette"),
    _uvicorn("uvicorn + Starlette", "bench.apps.starlette_app:app", "starlette"),
    _squall("squall + FastAPI", "bench.apps.fastapi_app:app", "fastapi"),
    _uvicorn("uvicorn + FastAPI", "bench.apps.fastapi_app:app", "fastapi"),
)

# The ratios the targets are stated in: (label, numerator entry, denominator entry, target).
RATIOS: tuple[tuple[str, str, str, float], ...] = (
    (
        "Squall framework (native) vs the raw asyncio streams server",
        "squall framework (native path)",
        "raw asyncio streams (seed)",
        1.0,
    ),
    (
        "Squall framework: 1 route vs 1,000 more routes (cost <= 5%)",
        "squall framework, 1,000 more routes",
        "squall framework (native path)",
        0.95,
    ),
    (
        "Squall framework (native) vs Starlette on uvicorn",
        "squall framework (native path)",
        "uvicorn + Starlette",
        4.5,
    ),
    (
        "Squall framework (native) vs a bare native handler on Squall's server",
        "squall framework (native path)",
        "squall server, bare native handler",
        0.0,
    ),
    ("Squall server vs uvicorn, raw ASGI app", "squall + raw ASGI", "uvicorn + raw ASGI", 2.2),
    ("Squall server vs uvicorn, Starlette app", "squall + Starlette", "uvicorn + Starlette", 1.5),
    ("Squall server vs uvicorn, FastAPI app", "squall + FastAPI", "uvicorn + FastAPI", 0.0),
    ("Squall server vs fastpysgi, raw ASGI app", "squall + raw ASGI", "fastpysgi + raw ASGI", 0.0),
    ("Squall server vs socketify, raw ASGI app", "squall + raw ASGI", "socketify + raw ASGI", 0.0),
    ("Squall vs uvicorn, 2 workers", "squall --workers 2", "uvicorn --workers 2", 2.0),
    (
        "Squall vs uvicorn, 2 workers under gunicorn",
        "gunicorn -k squall.workers.SquallWorker -w 2",
        "gunicorn -k uvicorn_worker.UvicornWorker -w 2",
        0.0,
    ),
    (
        "Squall framework + CompressionMiddleware vs Starlette + GZipMiddleware on uvicorn",
        "squall framework + CompressionMiddleware (native path)",
        "uvicorn + Starlette + GZipMiddleware",
        2.0,
    ),
    (
        "Squall vs uvicorn over TLS",
        "squall + raw ASGI over TLS",
        "uvicorn + raw ASGI over TLS",
        2.0,
    ),
)
