"""The --ws-echo profile's entries: servers echoing WebSocket messages at /ws, each with its
own best settings for one CPU (see README: "What each peer gets")."""

from __future__ import annotations

from bench.entries import GRANIAN_ONE_CPU, SQUALL_FLAGS, UVICORN_COMMON, Entry

PROFILES = ("ws-echo",)
RAW_APP = "bench.apps.ws_asgi_raw:app"
STARLETTE_APP = "bench.apps.ws_starlette:app"
FRAMEWORK_APP = "bench.apps.ws_squall:app"
SQUALL = ("squall", "uvloop", "httptools", "websockets")


def _squall(name: str, app: str, *requires: str) -> Entry:
    argv = ("-m", "squall", app, "--port", "{port}", *SQUALL_FLAGS)
    return Entry(name, argv, (*SQUALL, *requires), squall=True, profiles=PROFILES)


def _uvicorn(codec: str, app: str, *requires: str) -> Entry:
    what = "Starlette" if app == STARLETTE_APP else "raw ASGI"
    argv = (
        "-m", "uvicorn", app, "--port", "{port}", *UVICORN_COMMON, "--http", "httptools",
        "--ws", codec, "--ws-per-message-deflate", "false",
    )  # fmt: skip
    requires = ("uvicorn", "uvloop", "httptools", codec, *requires)
    return Entry(f"uvicorn --ws {codec} + {what}", argv, requires, profiles=PROFILES)


def _server(name: str, module: str, *requires: str) -> Entry:
    return Entry(name, ("-m", module, "--port", "{port}"), requires, profiles=PROFILES)


HYPERCORN_ARGV = (
    "-m", "hypercorn", RAW_APP, "--bind", "127.0.0.1:{port}", "--worker-class", "uvloop",
    "--workers", "1", "--log-level", "warning",
)  # fmt: skip
GRANIAN_ARGV = (
    "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", "{port}",
    "--loop", "uvloop", "--log-level", "warning", "--ws", *GRANIAN_ONE_CPU, RAW_APP,
)  # fmt: skip

WS_ENTRIES: tuple[Entry, ...] = (
    _server("raw picows server", "bench.apps.ws_picows_server", "picows", "uvloop"),
    _server("websockets' own server", "bench.apps.ws_websockets_server", "websockets", "uvloop"),
    _squall("squall framework (native path)", FRAMEWORK_APP),
    _squall("squall + raw ASGI", RAW_APP),
    _squall("squall + Starlette", STARLETTE_APP, "starlette"),
    _uvicorn("websockets", RAW_APP),
    _uvicorn("websockets", STARLETTE_APP, "starlette"),
    _uvicorn("wsproto", RAW_APP),
    _uvicorn("wsproto", STARLETTE_APP, "starlette"),
    Entry("hypercorn + raw ASGI", HYPERCORN_ARGV, ("hypercorn", "uvloop"), profiles=PROFILES),
    Entry("granian + raw ASGI", GRANIAN_ARGV, ("granian", "uvloop"), profiles=PROFILES),
)

# The goals, on the 5-byte text echo: (label, numerator, denominator, target).
WS_RATIOS: tuple[tuple[str, str, str, float], ...] = (
    (
        "Squall framework (native) vs uvicorn + Starlette (websockets)",
        "squall framework (native path)",
        "uvicorn --ws websockets + Starlette",
        3.0,
    ),
    (
        "Squall framework (native) vs the raw picows server",
        "squall framework (native path)",
        "raw picows server",
        0.8,
    ),
    (
        "Squall server vs uvicorn, raw ASGI app",
        "squall + raw ASGI",
        "uvicorn --ws websockets + raw ASGI",
        0.0,
    ),
    (
        "Squall server vs uvicorn, Starlette app",
        "squall + Starlette",
        "uvicorn --ws websockets + Starlette",
        0.0,
    ),
)
IDLE_GOAL_KIB = 10.0  # per idle socket, for Squall's entries
