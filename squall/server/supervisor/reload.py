"""``--reload``: watch the source tree (watchfiles) and tell the supervisor what changed."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import queue
import threading
from collections.abc import Sequence
from typing import Any

from squall.server.config import Config, ConfigError


def import_watchfiles() -> Any:
    try:
        import watchfiles
    except ImportError:
        raise ConfigError(
            "--reload needs watchfiles: install the reload extra, pip install 'squall[reload]'"
        ) from None
    return watchfiles


def matches(path: str, patterns: Sequence[str]) -> bool:
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def glob_filter(watchfiles: Any, includes: Sequence[str], excludes: Sequence[str]) -> Any:
    """watchfiles' default filter (VCS, caches, virtualenvs ignored) narrowed by the globs."""
    default = watchfiles.DefaultFilter()

    def accept(change: Any, path: str) -> bool:
        return (
            bool(default(change, path)) and matches(path, includes) and not matches(path, excludes)
        )

    return accept


def shown(path: str) -> str:
    """``path`` relative to the working directory when below it, else absolute."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


class Reloader:
    """A thread that watches the directories; ``fileno()`` turns readable when files changed."""

    def __init__(self, config: Config) -> None:
        self.watchfiles = import_watchfiles()
        self.dirs = [os.path.abspath(d) for d in config.reload_dirs or [os.getcwd()]]
        missing = [d for d in self.dirs if not os.path.isdir(d)]
        if missing:
            raise ConfigError(f"--reload-dir: not a directory: {', '.join(missing)}")
        self.filter = glob_filter(self.watchfiles, config.reload_includes, config.reload_excludes)
        self._changes: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="squall-reload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def fileno(self) -> int:
        return self._read_fd

    def changes(self) -> list[str]:
        """The paths that changed since the last call (empty if none)."""
        with contextlib.suppress(BlockingIOError):
            os.read(self._read_fd, 4096)
        paths: list[str] = []
        while not self._changes.empty():
            paths.extend(self._changes.get())
        return sorted(set(paths))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self._read_fd)
        os.close(self._write_fd)

    def _watch(self) -> None:
        watcher = self.watchfiles.watch(*self.dirs, watch_filter=self.filter, stop_event=self._stop)
        for changes in watcher:
            self._changes.put([shown(path) for _, path in changes])
            os.write(self._write_fd, b"!")
