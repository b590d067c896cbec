"""The --h2 profile's entries: servers speaking HTTP/2, each over cleartext (h2c with prior
knowledge) and TLS (ALPN ``h2``), with its own best settings for one CPU."""

from __future__ import annotations

from dataclasses import dataclass

from bench.entries import GRANIAN_ONE_CPU, SQUALL_FLAGS, Entry, granian_argv

PROFILES = ("h2",)
RAW_APP = "bench.apps.asgi_raw:app"
STARLETTE_APP = "bench.apps.starlette_app:app"
FRAMEWORK_APP = "bench.apps.squall_app:app"
SQUALL = ("squall", "uvloop", "httptools", "h2")
H2C = "h2c"
TLS = "TLS"
TRANSPORTS = (H2C, TLS)
SQUALL_TLS = ("--ssl-certfile", "{certfile}", "--ssl-keyfile", "{keyfile}")
HYPERCORN_TLS = ("--certfile", "{certfile}", "--keyfile", "{keyfile}")
GRANIAN_TLS = ("--ssl-certificate", "{certfile}", "--ssl-keyfile", "{keyfile}")
NO_UVICORN_H2 = "uvicorn has no HTTP/2 (its protocols are h11 and httptools, HTTP/1.1 only)"


@dataclass(frozen=True)
class H2Entry:
    """One server and app over one transport; ``entry`` None: the server can't (``why_not``)."""

    name: str
    transport: str  # H2C or TLS
    entry: Entry | None
    squall: bool = False
    why_not: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.transport})"


def _squall(name: str, app: str, transport: str, *requires: str) -> H2Entry:
    argv: tuple[str, ...] = ("-m", "squall", app, "--port", "{port}", *SQUALL_FLAGS)
    if transport == TLS:
        argv += SQUALL_TLS
    entry = Entry(name, argv, (*SQUALL, *requires), squall=True, profiles=PROFILES)
    return H2Entry(name, transport, entry, squall=True)


def _hypercorn(name: str, app: str, transport: str, *requires: str) -> H2Entry:
    argv: tuple[str, ...] = (
        "-m", "hypercorn", app, "--bind", "127.0.0.1:{port}", "--worker-class", "uvloop",
        "--workers", "1", "--log-level", "warning",
    )  # fmt: skip
    if transport == TLS:
        argv += HYPERCORN_TLS
    requires = ("hypercorn", "uvloop", "h2", *requires)
    return H2Entry(name, transport, Entry(name, argv, requires, profiles=PROFILES))


def _granian(name: str, app: str, transport: str, *requires: str) -> H2Entry:
    # h2c needs HTTP/2 only (no preface sniffing); over TLS, auto is ALPN's choice.
    flags = ("--http", "2") if transport == H2C else ("--http", "auto", *GRANIAN_TLS)
    argv = granian_argv("asgi", app, *GRANIAN_ONE_CPU, *flags)
    requires = ("granian", "uvloop", *requires)
    return H2Entry(name, transport, Entry(name, argv, requires, profiles=PROFILES))


def _entries(transport: str) -> tuple[H2Entry, ...]:
    return (
        _squall("squall framework (native path)", FRAMEWORK_APP, transport),
        _squall("squall + raw ASGI", RAW_APP, transport),
        _squall("squall + Starlette", STARLETTE_APP, transport, "starlette"),
        _hypercorn("hypercorn + raw ASGI", RAW_APP, transport),
        _hypercorn("hypercorn + Starlette", STARLETTE_APP, transport, "starlette"),
        _granian("granian + raw ASGI", RAW_APP, transport),
        _granian("granian + Starlette", STARLETTE_APP, transport, "starlette"),
        H2Entry("uvicorn + raw ASGI", transport, None, why_not=NO_UVICORN_H2),
    )


H2_ENTRIES: tuple[H2Entry, ...] = (*_entries(H2C), *_entries(TLS))

# The goals, per transport and request: (label, numerator, denominator, target).
H2_RATIOS: tuple[tuple[str, str, str, float], ...] = (
    ("Squall server vs hypercorn, raw ASGI app", "squall + raw ASGI", "hypercorn + raw ASGI", 3),
    ("Squall server vs hypercorn, Starlette app", "squall + Starlette", "hypercorn + Starlette", 3),
    ("Squall server vs granian, raw ASGI app", "squall + raw ASGI", "granian + raw ASGI", 1),
    ("Squall server vs granian, Starlette app", "squall + Starlette", "granian + Starlette", 1),
)  # fmt: skip
H1_GOAL = 0.7  # HTTP/2 req/s of the framework over its HTTP/1.1 pipelined figure
H1_ENTRY = "squall framework (native path)"  # bench/entries.py: measured pipelined over HTTP/1.1
