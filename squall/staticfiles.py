"""``StaticFiles``: an ASGI app serving a directory (Starlette's name and arguments).

Mount it with ``app.mount("/static", StaticFiles(directory="static"))`` or run it under any
ASGI server.  Every request stats and opens the file afresh (nothing is cached), so a file
changed on disk is served changed.  The path is checked before the disk is touched: ``..``,
NUL bytes, backslashes and percent-encoded slashes are refused, and the file found must lie
under the directory (after resolving symlinks, unless ``follow_symlink=True``); anything
refused or missing is a 404.  A precompressed sibling (``.br``, ``.zst``, ``.gz``) is sent
when ``Accept-Encoding`` prefers it (not for a ``Range`` request: ranges apply to the file
itself).
"""

from __future__ import annotations

import importlib.util
import os
import stat as stat_module
from collections.abc import Sequence
from typing import Any, Final, NamedTuple
from urllib.parse import quote

from squall.file_response import guess_media_type, open_regular
from squall.file_sending import (
    OpenFile,
    Representation,
    answer_file,
    request_header,
    send_answer,
)
from squall.precompressed import preferred_codings, sibling_suffix

ALLOWED: Final = ("GET", "HEAD")
PLAIN: Final = (b"content-type", b"text/plain; charset=utf-8")
ENCODED_SEPARATORS: Final = (b"%2f", b"%5c", b"%00")

PathLike = str | os.PathLike[str]


class StaticFiles:
    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = os.fspath(directory) if directory is not None else None
        self.all_directories = self._directories(self.directory, packages)
        self.html = html
        self.follow_symlink = follow_symlink
        if check_dir and self.directory is not None and not os.path.isdir(self.directory):
            raise RuntimeError(f"Directory '{self.directory}' does not exist")

    @staticmethod
    def _directories(
        directory: str | None, packages: Sequence[str | tuple[str, str]] | None
    ) -> list[str]:
        found = [] if directory is None else [directory]
        for package in packages or []:
            name, folder = (package, "statics") if isinstance(package, str) else package
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"Package {name!r} could not be found.")
            path = os.path.join(os.path.dirname(spec.origin), folder)
            if not os.path.isdir(path):
                raise RuntimeError(f"Directory '{folder}' in package {name!r} could not be found.")
            found.append(path)
        return found

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return  # nothing to start: a server that insists on lifespan carries on
        if scope["type"] != "http":
            raise RuntimeError("StaticFiles only serves HTTP requests")
        method = scope["method"]
        if method not in ALLOWED:
            await _plain(send, 405, "Method Not Allowed", [(b"allow", b"GET, HEAD")])
            return
        parts = safe_parts(scope)
        if parts is None:
            await _plain(send, 404, "Not Found")
            return
        await self._serve(scope, send, parts)

    async def _serve(self, scope: dict[str, Any], send: Any, parts: list[str]) -> None:
        found = self.lookup(parts)
        if found is not None and stat_module.S_ISDIR(found.stat.st_mode):
            index = self.lookup([*parts, "index.html"]) if self.html else None
            if index is None:
                found = None
            elif not scope["path"].endswith("/"):
                await _redirect(send, scope, scope["path"] + "/")
                return
            else:
                found = index
        status = 200
        if found is None and self.html:
            found, status = self.lookup(["404.html"]), 404
        if found is None:
            await _plain(send, 404, "Not Found")
            return
        await self._send_file(scope, send, found, status)

    def lookup(self, parts: list[str]) -> Found | None:
        """The first directory's ``parts`` path that exists and stays inside it."""
        for directory in self.all_directories:
            try:
                path, stat_result = self._resolve(directory, parts)
            except (FileNotFoundError, NotADirectoryError, PermissionError, ValueError):
                continue
            if path is not None:
                return Found(directory, path, stat_result)
        return None

    def _resolve(self, directory: str, parts: list[str]) -> tuple[str | None, os.stat_result]:
        """``directory/parts`` and its stat; the path is None if a symlink leads out of it.

        ``parts`` hold no ``..``, so only a symlink can leave the directory: each part is
        lstat'ed (one call for a file at the top), and the whole path resolved (realpath)
        only when one of them is a link.  OSError if a part is missing.
        """
        path = directory.rstrip("/") or "/"
        if self.follow_symlink or not parts:
            path = os.path.join(path, *parts)
            return path, os.stat(path)
        linked = False
        stat_result = None
        for part in parts:
            path = f"{path}/{part}" if path != "/" else f"/{part}"
            stat_result = os.lstat(path)
            linked = linked or stat_module.S_ISLNK(stat_result.st_mode)
        if linked:
            if not inside(directory, path):
                return None, os.stat(path)
            stat_result = os.stat(path)
        assert stat_result is not None
        return path, stat_result

    async def _send_file(self, scope: dict[str, Any], send: Any, found: Found, status: int) -> None:
        headers = scope["headers"]
        path = found.path
        chosen = None
        accept = request_header(headers, b"accept-encoding")
        if accept and status == 200 and request_header(headers, b"range") is None:
            chosen = self._sibling(found, accept)
        try:
            file, stat_result = open_regular(path) if chosen is None else chosen[1:]
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            await _plain(send, 404, "Not Found")
            return
        with file:
            # Vary on every answer: a cache must not give this one to a client that asks
            # differently, whether or not a sibling exists today.
            rep = Representation(path, stat_result, guess_media_type(path), vary=True)
            if chosen is not None:
                rep.coding = chosen[0]
            answer = answer_file(rep, scope["method"], headers, status)
            await send_answer(send, scope.get("extensions"), answer, file, file.name)

    def _sibling(self, found: Found, accept: str) -> tuple[str, OpenFile, os.stat_result] | None:
        """The best precompressed sibling ``accept`` takes: its coding, file and stat."""
        for coding in preferred_codings(accept):
            sibling = found.path + sibling_suffix(coding)
            try:
                leaves = not self.follow_symlink and os.path.islink(sibling)
                if leaves and not inside(found.directory, sibling):
                    continue
                return (coding, *open_regular(sibling))
            except (FileNotFoundError, PermissionError, IsADirectoryError):
                continue
        return None


class Found(NamedTuple):
    directory: str  # the one of StaticFiles' directories it lies in
    path: str
    stat: os.stat_result


def safe_parts(scope: dict[str, Any]) -> list[str] | None:
    """The path under the mount as directory names and a file name, or None if refused."""
    raw = scope.get("raw_path")
    if raw is not None and b"%" in raw:  # most paths have no escapes: one scan for those
        lowered = bytes(raw).lower()
        if any(bad in lowered for bad in ENCODED_SEPARATORS):
            return None
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if "\x00" in path or "\\" in path:
        return None
    parts = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    return parts


def inside(directory: str, path: str) -> bool:
    """Whether ``path`` lies in ``directory`` once symlinks are resolved."""
    root, full = os.path.realpath(directory), os.path.realpath(path)
    return full == root or full.startswith(root.rstrip(os.sep) + os.sep)


async def _plain(
    send: Any, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = text.encode() + b"\n"
    headers = [PLAIN, (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Any, scope: dict[str, Any], path: str) -> None:
    query = scope.get("query_string", b"")
    location = quote(path).encode("ascii") + (b"?" + query if query else b"")
    headers = [(b"location", location), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 307, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
