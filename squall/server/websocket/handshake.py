"""The opening handshake (RFC 6455, section 4.2): check the upgrade request, build the answers.

Pure functions over the request head: no I/O, no codec.  A request that asks for a WebSocket
is either a :class:`Handshake` (valid: the app decides whether to accept it) or a
:class:`Refusal` (invalid: answered 400, or 426 for an unsupported version, and closed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Final

from squall.server.http11 import wire

GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
VERSION: Final = b"13"


@dataclass(frozen=True, slots=True)
class Handshake:
    """A valid opening handshake: what the app and the extension negotiation need from it."""

    key: bytes
    subprotocols: list[str]
    extensions: list[str]  # the Sec-WebSocket-Extensions header values, as sent


@dataclass(frozen=True, slots=True)
class Refusal:
    """An invalid opening handshake: the status and reason it is answered with."""

    status: int
    reason: str


def asks_for_websocket(headers: list[tuple[bytes, bytes]]) -> bool:
    """The request carries ``Upgrade: websocket`` (whatever else is wrong with it)."""
    return any(name == b"upgrade" and b"websocket" in _tokens(value) for name, value in headers)


def check(
    method: str, http_version: str, headers: list[tuple[bytes, bytes]]
) -> Handshake | Refusal:
    """Validate an upgrade request (its header names are lower case, as the parser gives them)."""
    if method != "GET":
        return Refusal(400, "WebSocket handshake must be a GET request")
    if http_version != "1.1":
        return Refusal(400, "WebSocket handshake needs HTTP/1.1")
    connection: list[bytes] = []
    upgrade: list[bytes] = []
    keys: list[bytes] = []
    versions: list[bytes] = []
    subprotocols: list[str] = []
    extensions: list[str] = []
    for name, value in headers:
        if name == b"connection":
            connection += _tokens(value)
        elif name == b"upgrade":
            upgrade += _tokens(value)
        elif name == b"sec-websocket-key":
            keys.append(value.strip())
        elif name == b"sec-websocket-version":
            versions.append(value.strip())
        elif name == b"sec-websocket-protocol":
            subprotocols += [token.decode("latin-1") for token in _tokens(value, lower=False)]
        elif name == b"sec-websocket-extensions":
            extensions.append(value.decode("latin-1"))
    if b"upgrade" not in connection:
        return Refusal(400, "Connection header must include upgrade")
    if upgrade != [b"websocket"]:
        return Refusal(400, "Upgrade header must be websocket")
    if versions != [VERSION]:
        return Refusal(426, "Unsupported Sec-WebSocket-Version: use 13")
    if len(keys) != 1 or not _valid_key(keys[0]):
        return Refusal(400, "Missing or invalid Sec-WebSocket-Key")
    return Handshake(keys[0], subprotocols, extensions)


def check_extended_connect(headers: list[tuple[bytes, bytes]]) -> Handshake | Refusal:
    """Validate the regular fields of an HTTP/2 extended CONNECT for ``websocket`` (RFC 8441,
    section 5: ``:method``/``:protocol`` are the caller's): version 13, no key (the stream is
    the connection's proof), the same subprotocol and extension offers as over HTTP/1.1."""
    versions: list[bytes] = []
    subprotocols: list[str] = []
    extensions: list[str] = []
    for name, value in headers:
        if name == b"sec-websocket-version":
            versions.append(value.strip())
        elif name == b"sec-websocket-protocol":
            subprotocols += [token.decode("latin-1") for token in _tokens(value, lower=False)]
        elif name == b"sec-websocket-extensions":
            extensions.append(value.decode("latin-1"))
    if versions != [VERSION]:
        return Refusal(426, "Unsupported Sec-WebSocket-Version: use 13")
    return Handshake(b"", subprotocols, extensions)


def _tokens(value: bytes, lower: bool = True) -> list[bytes]:
    """The comma-separated tokens of a header value, stripped (and lower-cased)."""
    items = (item.strip() for item in value.split(b","))
    return [item.lower() if lower else item for item in items if item]


def _valid_key(key: bytes) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def accept_value(key: bytes) -> bytes:
    """The Sec-WebSocket-Accept value for a client's key."""
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def switching_protocols(
    key: bytes,
    subprotocol: str | None,
    extensions: str | None,
    extra_headers: list[tuple[bytes, bytes]],
    default_headers: bytes,
) -> bytes:
    """The 101 response that completes an accepted handshake."""
    lines = [
        b"HTTP/1.1 101 Switching Protocols\r\n",
        default_headers,
        b"upgrade: websocket\r\nconnection: Upgrade\r\n",
        b"sec-websocket-accept: " + accept_value(key) + b"\r\n",
    ]
    if subprotocol is not None:
        lines.append(b"sec-websocket-protocol: " + subprotocol.encode("latin-1") + b"\r\n")
    if extensions:
        lines.append(b"sec-websocket-extensions: " + extensions.encode("latin-1") + b"\r\n")
    for name, value in extra_headers:
        wire.check_header(name, value)
        lines.append(name + b": " + value + b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


def refusal_response(refusal: Refusal, default_headers: bytes) -> bytes:
    """The error response to an invalid handshake (426 names the version we speak)."""
    if refusal.status == 426:
        default_headers += b"sec-websocket-version: 13\r\n"
    return wire.error_response(refusal.status, refusal.reason, default_headers)
