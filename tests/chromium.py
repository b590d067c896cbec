"""Headless Chromium driven over the DevTools protocol (CDP) with the ``websockets`` client,
for the tests that need a real browser (``tests/server/websocket/test_browser.py``,
``tests/framework/test_browser_toolbox.py``).

``chromium()`` starts it with its DevTools on a free port and connects to its blank page;
``DevTools.run_page(url)`` loads a page and awaits its ``window.result`` promise.  Importing
this module skips the importing test module when chromium is missing (CI installs it and
fails instead: .ci/run's apt list).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.server.serving import wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI") != "true":
    pytest.skip("chromium is not installed (CI installs it: .ci/run)", allow_module_level=True)


class DevTools:
    """One page target of a running Chromium, spoken to over CDP (commands and events)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ids = itertools.count(1)

    def command(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result (events that come first are dropped)."""
        number = next(self.ids)
        self.connection.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            reply = json.loads(self.connection.recv(timeout=20))
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply["result"])

    def wait_for_event(self, method: str) -> None:
        while json.loads(self.connection.recv(timeout=20)).get("method") != method:
            pass

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.command("Page.enable")
        self.command("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str, **options: Any) -> Any:
        """The value of ``expression`` in the page (a promise is awaited); ``options`` are
        more Runtime.evaluate parameters (``userGesture=True``...)."""
        evaluated = self.command(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
            **options,
        )
        if "exceptionDetails" in evaluated:
            raise RuntimeError(f"the page's script failed: {evaluated['exceptionDetails']}")
        return evaluated["result"].get("value")

    def run_page(self, url: str) -> Any:
        """Load ``url`` and return the value its script's ``window.result`` promise gives."""
        self.navigate(url)
        return self.evaluate("window.result")


@contextlib.contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[DevTools]:
    """Headless Chromium with its DevTools on a free port, connected to its blank page;
    ``extra_args`` are more command-line switches (``--host-resolver-rules=...``)."""
    assert CHROMIUM is not None, "CI=true: chromium must be installed (.ci/run's apt list)"
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                *extra_args,
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: its helpers go with it
        )
        try:
            active_port = Path(profile, "DevToolsActivePort")
            wait_until(lambda: len(_lines(active_port)) >= 2, "chromium's DevTools port", 20)
            port = _lines(active_port)[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page = next(target for target in targets if target["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None) as connection:
                yield DevTools(connection)
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Kill Chromium and every helper it started, and wait until all are gone.

    Its crashpad and zygote helpers outlive a kill of the browser process alone and go on
    writing to the profile directory, which then cannot be removed.
    """
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    wait_until(lambda: not group_alive(process.pid), "chromium's helpers to exit", 10)


def group_alive(group: int) -> bool:
    """Whether a process of the group still runs (zombies, already dead, do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            return True
    return False


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except FileNotFoundError:
        return []
