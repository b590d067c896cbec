"""A throwaway PostgreSQL seeded as HttpArena's sidecar: ``with throwaway_postgres() as url: ...``.

The server runs from the Debian ``postgresql`` binaries (``initdb``, ``postgres``: on PATH,
then in /usr/lib/postgresql/<version>/bin) in a temporary directory of its own, on a free port of
127.0.0.1, with ``max_connections=256`` and durability off (it is thrown away).  The ``benchmark``
database holds the contract's ``items`` table (100,000 rows from ``bench.httparena.data``), loaded
with a binary COPY; user and password are ``bench``.  Leaving the block stops the server and
removes the directory.  initdb refuses to run as root, so as root the server runs as the
``postgres`` user.

``python -m bench.httparena.postgres`` starts one, prints its DATABASE_URL and waits for Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from bench.httparena.data import ITEM_COLUMNS, ITEMS_SCHEMA, SEED_ROWS, dataset, seed_rows

SERVICE_USER: Final = "postgres"
START_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 10.0
SETTINGS: Final = {
    "max_connections": "256",
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
}


def find_binary(name: str) -> str:
    """``name`` on PATH, else in the newest /usr/lib/postgresql/<version>/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found
    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (directory / name).is_file():
            return str(directory / name)
    raise FileNotFoundError(f"{name}: install the Debian `postgresql` package")


def available() -> bool:
    try:
        find_binary("initdb")
        find_binary("postgres")
    except FileNotFoundError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_user() -> str | None:
    """The user to run the server as: ``postgres`` when we are root, else ourselves (None)."""
    return SERVICE_USER if os.geteuid() == 0 else None


def make_directory(root: Path, user: str | None) -> Path:
    root.chmod(0o755)  # the service user walks through it to its data and socket directories
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def run_initdb(data: Path, user: str | None) -> None:
    arguments = ["-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]
    subprocess.run(
        [find_binary("initdb"), *arguments],
        check=True,
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def start_server(data: Path, port: int, user: str | None) -> subprocess.Popen[bytes]:
    options = [item for key, value in SETTINGS.items() for item in ("-c", f"{key}={value}")]
    return subprocess.Popen(
        [find_binary("postgres"), "-D", str(data), "-p", str(port), "-k", str(data), *options],
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl+C in a terminal reaches only us; we stop it ourselves
    )


async def connect_when_ready(
    port: int, database: str, user: str, server: subprocess.Popen[bytes]
) -> Any:  # an asyncpg.Connection (asyncpg has no type hints)
    import asyncpg

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return await asyncpg.connect(host="127.0.0.1", port=port, user=user, database=database)
        except (OSError, asyncpg.PostgresError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start on port {port}") from None
            await asyncio.sleep(0.05)


async def seed(port: int, server: subprocess.Popen[bytes], rows: int) -> None:
    """Create user bench, database benchmark and its items table, then COPY the rows in."""
    admin = await connect_when_ready(port, "postgres", "postgres", server)
    try:
        await admin.execute("CREATE ROLE bench LOGIN SUPERUSER PASSWORD 'bench'")
        await admin.execute("CREATE DATABASE benchmark OWNER bench")
    finally:
        await admin.close()
    connection = await connect_when_ready(port, "benchmark", "bench", server)
    try:
        await connection.execute(ITEMS_SCHEMA)
        records = list(seed_rows(dataset(), rows))  # tags: JSON text, as asyncpg's jsonb takes
        await connection.copy_records_to_table("items", records=records, columns=ITEM_COLUMNS)
        await connection.execute("ANALYZE items")
    finally:
        await connection.close()


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT: roll back, disconnect, exit), then SIGKILL if it hangs."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextlib.contextmanager
def throwaway_postgres(port: int | None = None, rows: int = SEED_ROWS) -> Iterator[str]:
    """A seeded PostgreSQL for the block's duration; yields its DATABASE_URL.  ``rows``: fewer
    than the contract's 100,000 only for tests of this module."""
    port = port or free_port()
    user = service_user()
    root = make_directory(Path(tempfile.mkdtemp(prefix="httparena-pg-")), user)
    server: subprocess.Popen[bytes] | None = None
    try:
        data = root / "data"
        run_initdb(data, user)
        server = start_server(data, port, user)
        asyncio.run(seed(port, server, rows))
        yield f"postgres://bench:bench@127.0.0.1:{port}/benchmark"
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(root, ignore_errors=True)


def leave(*_: object) -> None:
    raise SystemExit(0)


def main() -> None:
    """Serve until SIGINT or SIGTERM (both set here: a background job inherits SIGINT ignored)."""
    signal.signal(signal.SIGINT, leave)
    signal.signal(signal.SIGTERM, leave)
    with throwaway_postgres() as url:
        print(f"DATABASE_URL={url}", flush=True)
        signal.pause()


if __name__ == "__main__":
    main()
