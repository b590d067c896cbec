"""The production-serving profiles' entries: several worker processes (--workers), TLS
(--tls), static files (--static) and compressed JSON (--json-comp), each peer with its own
documented settings (see README: "What each peer gets")."""

from __future__ import annotations

from bench.entries import GRANIAN_ONE_CPU, SQUALL_FLAGS, UVICORN_FLAGS, Entry, granian_argv

WORKERS = "2"
COUNTING_APP = "bench.apps.counting_asgi:app"  # the raw ASGI app, counting per process
RAW_APP = "bench.apps.asgi_raw:app"
FRAMEWORK_APP = "bench.apps.squall_app:app"
SQUALL = ("squall", "uvloop", "httptools")
UVICORN = ("uvicorn", "uvloop", "httptools")

WORKER_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "squall --workers 2",
        ("-m", "squall", COUNTING_APP, "--port", "{port}", "--workers", WORKERS, *SQUALL_FLAGS),
        SQUALL,
        squall=True,
        profiles=("workers",),
    ),
    Entry(
        "gunicorn -k squall.workers.SquallWorker -w 2",
        (
            "-m",
            "gunicorn",
            "-k",
            "squall.workers.SquallWorker",
            "-w",
            WORKERS,
            "-b",
            "127.0.0.1:{port}",
            "--log-level",
            "warning",
            COUNTING_APP,
        ),
        (*SQUALL, "gunicorn"),
        squall=True,
        profiles=("workers",),
    ),
    Entry(
        "uvicorn --workers 2",
        ("-m", "uvicorn", COUNTING_APP, "--port", "{port}", "--workers", WORKERS, *UVICORN_FLAGS),
        UVICORN,
        profiles=("workers",),
    ),
    Entry(
        "gunicorn -k uvicorn_worker.UvicornWorker -w 2",
        (
            "-m",
            "gunicorn",
            "-k",
            "uvicorn_worker.UvicornWorker",
            "-w",
            WORKERS,
            "-b",
            "127.0.0.1:{port}",
            "--log-level",
            "warning",
            COUNTING_APP,
        ),
        ("gunicorn", "uvicorn_worker", *UVICORN),
        profiles=("workers",),
    ),
    Entry(
        "granian --workers 2",
        granian_argv("asgi", COUNTING_APP, "--workers", WORKERS, "--runtime-mode", "st"),
        ("granian", "uvloop"),
        profiles=("workers",),
    ),
    Entry(
        "fastpysgi workers=2",
        ("-m", "bench.apps.run_fastpysgi", COUNTING_APP, "--port", "{port}", "--workers", WORKERS),
        ("fastpysgi",),
        profiles=("workers",),
    ),
)

TLS = ("--ssl-certfile", "{certfile}", "--ssl-keyfile", "{keyfile}")
TLS_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "squall framework over TLS (native path)",
        ("-m", "squall", FRAMEWORK_APP, "--port", "{port}", *TLS, *SQUALL_FLAGS),
        SQUALL,
        squall=True,
        profiles=("tls",),
    ),
    Entry(
        "squall + raw ASGI over TLS",
        ("-m", "squall", RAW_APP, "--port", "{port}", *TLS, *SQUALL_FLAGS),
        SQUALL,
        squall=True,
        profiles=("tls",),
    ),
    Entry(
        "uvicorn + raw ASGI over TLS",
        ("-m", "uvicorn", RAW_APP, "--port", "{port}", *TLS, *UVICORN_FLAGS),
        UVICORN,
        profiles=("tls",),
    ),
    Entry(
        "granian + raw ASGI over TLS",
        granian_argv(
            "asgi",
            RAW_APP,
            "--workers",
            "1",
            "--runtime-mode",
            "st",
            "--ssl-certificate",
            "{certfile}",
            "--ssl-keyfile",
            "{keyfile}",
        ),
        ("granian", "uvloop"),
        profiles=("tls",),
    ),
)

STATIC = ("static", "static-encoded")
STATIC_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "squall framework StaticFiles (native path)",
        ("-m", "squall", "bench.apps.squall_static:app", "--port", "{port}", *SQUALL_FLAGS),
        SQUALL,
        squall=True,
        profiles=STATIC,
    ),
    Entry(
        "squall + Starlette StaticFiles",
        ("-m", "squall", "bench.apps.starlette_static:app", "--port", "{port}", *SQUALL_FLAGS),
        (*SQUALL, "starlette"),
        squall=True,
        profiles=STATIC,
    ),
    Entry(
        "uvicorn + Starlette StaticFiles",
        ("-m", "uvicorn", "bench.apps.starlette_static:app", "--port", "{port}", *UVICORN_FLAGS),
        (*UVICORN, "starlette"),
        profiles=STATIC,
    ),
    Entry(  # granian serves the files itself, in Rust, before the (raw ASGI) app
        "granian static files",
        granian_argv(
            "asgi",
            RAW_APP,
            *GRANIAN_ONE_CPU,
            "--static-path-route",
            "/static",
            "--static-path-mount",
            "{static}",
        ),
        ("granian", "uvloop"),
        profiles=STATIC,
    ),
    Entry(
        "nginx (sendfile, gzip_static)",
        ("-m", "bench.apps.run_nginx", "--port", "{port}", "--root", "{static}"),
        (),
        profiles=STATIC,
    ),
)

JSON_COMP = ("json-comp",)
JSON_COMP_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "squall framework + CompressionMiddleware (native path)",
        ("-m", "squall", "bench.apps.squall_json_comp:app", "--port", "{port}", *SQUALL_FLAGS),
        (*SQUALL, "brotli"),
        squall=True,
        profiles=JSON_COMP,
    ),
    Entry(
        "squall framework + GZipMiddleware (native path)",
        ("-m", "squall", "bench.apps.squall_json_comp:gzip_app", "--port", "{port}", *SQUALL_FLAGS),
        SQUALL,
        squall=True,
        profiles=JSON_COMP,
    ),
    Entry(
        "uvicorn + Starlette + GZipMiddleware",
        ("-m", "uvicorn", "bench.apps.starlette_json_comp:app", "--port", "{port}", *UVICORN_FLAGS),
        (*UVICORN, "starlette"),
        profiles=JSON_COMP,
    ),
    Entry(
        "uvicorn + FastAPI + GZipMiddleware",
        ("-m", "uvicorn", "bench.apps.fastapi_json_comp:app", "--port", "{port}", *UVICORN_FLAGS),
        (*UVICORN, "fastapi"),
        profiles=JSON_COMP,
    ),
)
