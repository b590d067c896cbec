"""Headers, query parameters, URLs and small request-side value types.

``Headers`` is a read-only, case-insensitive multi-dict *view* over a raw header list
(``[(b"name", b"value"), ...]``, as ASGI and Squall's server hand them over): nothing is
decoded until someone reads it.  ``MutableHeaders`` edits that same list in place, so a
change made through ``response.headers`` is what goes on the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, BinaryIO, NamedTuple, TypeVar
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

RawHeaders = list[tuple[bytes, bytes]]
_T = TypeVar("_T")

__all__ = [
    "URL",
    "Address",
    "FormData",
    "Headers",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
]


def parse_query(query_string: bytes) -> list[tuple[str, str]]:
    """``parse_qsl(..., keep_blank_values=True)``, several times faster for the usual
    query without escapes (``%`` or ``+``): such a query needs splitting, not decoding."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    pairs = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


class Address(NamedTuple):
    """The client's (or server's) address: ``request.client.host``, ``.port``."""

    host: str
    port: int


def _encode_name(name: str) -> bytes:
    return name.lower().encode("latin-1")


def _raw_from(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> RawHeaders:
    if headers is None:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(_encode_name(name), value.encode("latin-1")) for name, value in pairs]


class Headers(Mapping[str, str]):
    """Case-insensitive header names; ``h["x"]`` and ``get`` give the first value,
    ``getlist`` all of them in order; ``keys``/``values``/``items`` list every field."""

    __slots__ = ("_first", "_list")

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: RawHeaders | None = None,
        scope: Mapping[str, Any] | None = None,
    ) -> None:
        if raw is not None:
            self._list = raw
        elif scope is not None:
            self._list = list(scope["headers"])
        else:
            self._list = _raw_from(headers)
        self._first: dict[str, str] | None = None  # name -> first value, built on first read

    @property
    def raw(self) -> RawHeaders:
        return self._list

    def _index(self) -> dict[str, str]:
        first = self._first
        if first is None:
            first = {}
            for name, value in self._list:
                key = name.decode("latin-1").lower()
                if key not in first:
                    first[key] = value.decode("latin-1")
            self._first = first
        return first

    def __getitem__(self, name: str) -> str:
        return self._index()[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        return self._index().get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index()

    def getlist(self, name: str) -> list[str]:
        key = _encode_name(name)
        return [value.decode("latin-1") for field, value in self._list if field.lower() == key]

    def keys(self) -> list[str]:  # type: ignore[override]  # every field, repeats included
        return [name.decode("latin-1") for name, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self._list]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items()!r})"

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(raw=list(self._list))


class MutableHeaders(Headers, MutableMapping[str, str]):  # type: ignore[misc]
    """Headers that edit their raw list in place (the response's own list)."""

    __slots__ = ()

    def _changed(self) -> None:
        self._first = None

    def __setitem__(self, name: str, value: str) -> None:
        """Set ``name`` to this one value: the first field keeps its place, repeats go."""
        key = _encode_name(name)
        encoded = value.encode("latin-1")
        fields = self._list
        kept: RawHeaders = []
        placed = False
        for field in fields:
            if field[0].lower() != key:
                kept.append(field)
            elif not placed:
                kept.append((key, encoded))
                placed = True
        if not placed:
            kept.append((key, encoded))
        fields[:] = kept
        self._changed()

    def __delitem__(self, name: str) -> None:
        """Remove every field called ``name`` (nothing happens when there is none)."""
        key = _encode_name(name)
        self._list[:] = [field for field in self._list if field[0].lower() != key]
        self._changed()

    def append(self, name: str, value: str) -> None:
        """Add a field, keeping the ones already there (e.g. a second ``set-cookie``)."""
        self._list.append((_encode_name(name), value.encode("latin-1")))
        self._changed()

    def setdefault(self, name: str, value: str = "") -> str:  # type: ignore[override]
        current = self.get(name)
        if current is not None:
            return str(current)
        self.append(name, value)
        return value

    def update(self, other: Any = (), /, **more: str) -> None:  # type: ignore[override]
        pairs = other.items() if isinstance(other, Mapping) else other
        for name, value in [*pairs, *more.items()]:
            self[name] = value

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        merged = self.mutablecopy()
        merged.update(other)
        return merged

    def add_vary_header(self, vary: str) -> None:
        current = self.get("vary")
        self["vary"] = vary if current is None else f"{current}, {vary}"


class QueryParams(Mapping[str, str]):
    """The query string as a multi-dict: ``q["a"]``/``get`` give the *last* value of a
    repeated name (as Starlette), ``getlist`` all of them, ``multi_items`` every pair."""

    _last: dict[str, str] | None = None  # name -> last value, built for mapping-style use

    def __init__(
        self,
        query: bytes | str | Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
    ) -> None:
        if isinstance(query, bytes):  # the request's query string: first, it is the usual
            pairs = parse_query(query)
        elif query is None:
            pairs = []
        elif isinstance(query, str):
            pairs = parse_query(query.encode("latin-1"))
        elif isinstance(query, Mapping):
            pairs = [(str(k), str(v)) for k, v in query.items()]
        else:
            pairs = [(str(k), str(v)) for k, v in query]
        # Kept newest first, so that ``get`` (read for every query parameter of every
        # request) stops at the first match and still gives the last value sent.
        pairs.reverse()
        self._newest_first = pairs

    def _index(self) -> dict[str, str]:
        last = self._last
        if last is None:
            last = self._last = dict(reversed(self._newest_first))
        return last

    def __getitem__(self, key: str) -> str:
        return self._index()[key]

    def get(self, key: str, default: Any = None) -> Any:
        # A scan, not a dict: a query has a few pairs, and each parameter asks once.
        for name, value in self._newest_first:
            if name == key:
                return value
        return default

    def __contains__(self, key: object) -> bool:
        return key in self._index()

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in reversed(self._newest_first) if name == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return self._newest_first[::-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryParams):
            return NotImplemented
        return sorted(self._newest_first) == sorted(other._newest_first)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class URL:
    """A URL and its parts: ``.scheme``, ``.hostname``, ``.port``, ``.path``, ``.query``;
    ``str(url)`` gives it back whole, and ``replace(...)`` makes a changed copy."""

    __slots__ = ("_parts", "_text")

    def __init__(self, url: str = "") -> None:
        self._text = url
        self._parts: SplitResult | None = None

    @property
    def components(self) -> SplitResult:
        if self._parts is None:
            self._parts = urlsplit(self._text)
        return self._parts

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def path(self) -> str:
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def username(self) -> str | None:
        return self.components.username

    @property
    def password(self) -> str | None:
        return self.components.password

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **parts: Any) -> URL:
        """A copy with some of scheme/netloc/path/query/fragment changed; ``hostname``,
        ``port``, ``username`` and ``password`` rebuild the netloc."""
        netloc_parts = {"hostname", "port", "username", "password"}
        if netloc_parts & parts.keys():
            parts["netloc"] = self._netloc(
                parts.pop("hostname", self.hostname) or "",
                parts.pop("port", self.port),
                parts.pop("username", self.username),
                parts.pop("password", self.password),
            )
        return URL(self.components._replace(**parts).geturl())

    @staticmethod
    def _netloc(host: str, port: int | None, user: str | None, password: str | None) -> str:
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        netloc = host if port is None else f"{host}:{port}"
        if user is not None:
            login = user if password is None else f"{user}:{password}"
            netloc = f"{login}@{netloc}"
        return netloc

    def include_query_params(self, **params: Any) -> URL:
        query = dict(QueryParams(self.query).multi_items())
        query.update({name: str(value) for name, value in params.items()})
        return self.replace(query=urlencode(query))

    def replace_query_params(self, **params: Any) -> URL:
        return self.replace(query=urlencode({name: str(v) for name, v in params.items()}))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        drop = {keys} if isinstance(keys, str) else set(keys)
        kept = [(k, v) for k, v in QueryParams(self.query).multi_items() if k not in drop]
        return self.replace(query=urlencode(kept))

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"URL({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)


class State(dict[str, Any]):
    """Per-request (or per-app) values, by attribute (``state.user``) or by key."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"'State' object has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


class UploadFile:
    """A file sent in a multipart form: ``filename``, ``content_type``, ``headers``, ``size``
    and async ``read``/``write``/``seek``/``close``.  ``file`` is a SpooledTemporaryFile: in
    memory while small; a write that moves it to disk, and everything after, runs in a
    thread, off the event loop."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def _on_disk(self) -> bool:
        return bool(getattr(self.file, "_rolled", True))  # a SpooledTemporaryFile's flag

    def _rolls_over(self, added: int) -> bool:
        """Whether writing ``added`` more bytes moves the spooled file to disk."""
        limit = getattr(self.file, "_max_size", 0)
        return bool(limit) and self.file.tell() + added > limit

    async def _run(self, call: Callable[..., _T], *args: Any) -> _T:
        if self._on_disk:
            return await asyncio.to_thread(call, *args)
        return call(*args)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        if self._on_disk or self._rolls_over(len(data)):
            await asyncio.to_thread(self.file.write, data)
        else:
            self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        return await self._run(self.file.read, size)

    async def seek(self, offset: int) -> None:
        await self._run(self.file.seek, offset)

    async def close(self) -> None:
        await self._run(self.file.close)

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Lets a pydantic model (a form model) declare an ``UploadFile`` field."""
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)


FormValue = str | UploadFile


class FormData(Mapping[str, FormValue]):
    """A submitted form as a multi-dict: ``form["a"]``/``get`` give the last value of a
    repeated name (as Starlette), ``getlist`` all; ``await form.close()`` closes its files."""

    def __init__(self, pairs: Iterable[tuple[str, FormValue]] | Mapping[str, FormValue] = ()):
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._pairs: list[tuple[str, FormValue]] = list(items)
        self._last: dict[str, FormValue] = dict(self._pairs)

    def __getitem__(self, key: str) -> FormValue:
        return self._last[key]

    def getlist(self, key: str) -> list[FormValue]:
        return [value for name, value in self._pairs if name == key]

    def multi_items(self) -> list[tuple[str, FormValue]]:
        return list(self._pairs)

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def __repr__(self) -> str:
        return f"FormData({self._pairs!r})"

    async def close(self) -> None:
        for _, value in self._pairs:
            if isinstance(value, UploadFile):
                await value.close()
