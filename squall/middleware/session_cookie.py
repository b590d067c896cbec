"""The session cookie's value: a JSON object, timestamped and signed with HMAC-SHA256.

A value is ``PAYLOAD.TIMESTAMP.SIGNATURE``: the JSON bytes in base64url (no padding), the
signing time in whole Unix seconds, and the HMAC-SHA256 of ``PAYLOAD.TIMESTAMP`` in base64url.
Every character is cookie-safe, so the value is never quoted.  The HMAC key is derived from
each secret (an HMAC of a fixed label), so a secret shared with another use never signs the
same bytes there.  Several secrets: the first signs, every one verifies (rotation).

Anything that does not verify -- another format (Starlette's itsdangerous cookies), a bad
signature, an expired timestamp, broken base64 or JSON, a JSON value that is not an object --
reads as no session; it never raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

SecretKey = str | bytes | Sequence[str | bytes]
Clock = Callable[[], float]

_LABEL = b"squall.middleware.sessions v1"
_encode_json = msgspec.json.encode
_decode_json = msgspec.json.decode


def secrets_of(secret_key: Any) -> list[bytes]:
    """The secrets in ``secret_key`` (one, or a list with the signing one first), as bytes;
    anything else (e.g. Starlette's ``Secret``) is taken as ``str(secret_key)``."""
    keys = list(secret_key) if isinstance(secret_key, list | tuple) else [secret_key]
    encoded = [key if isinstance(key, bytes) else str(key).encode("utf-8") for key in keys]
    if not encoded or not all(encoded):
        raise ValueError("SessionMiddleware needs a non-empty secret_key (or list of them)")
    return encoded


class SignedCookie:
    """Signs JSON payloads into cookie values and verifies them back."""

    def __init__(self, secret_key: Any, max_age: int | None, clock: Clock = time.time) -> None:
        keys = secrets_of(secret_key)
        self.macs = [hmac.new(_derive(key), digestmod=hashlib.sha256) for key in keys]
        self.max_age = max_age
        self.clock = clock

    def sign(self, payload: bytes) -> str:
        """The cookie value carrying ``payload`` (JSON bytes), signed with the first secret."""
        signed = _b64encode(payload) + b"." + str(int(self.clock())).encode("ascii")
        return (signed + b"." + self._signature(self.macs[0], signed)).decode("ascii")

    def verify(self, value: str) -> bytes | None:
        """The JSON bytes in ``value``, or None if it is not a valid, unexpired value of ours."""
        if not value.isascii():
            return None
        signed, dot, signature = value.encode("ascii").rpartition(b".")
        payload, dot2, stamp = signed.partition(b".")
        if not (dot and dot2 and stamp.isdigit()):
            return None
        if not any(_same(self._signature(mac, signed), signature) for mac in self.macs):
            return None
        if self.max_age is not None and self.clock() - int(stamp) > self.max_age:
            return None  # expired
        try:
            return base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return None

    @staticmethod
    def _signature(mac: Any, signed: bytes) -> bytes:
        mac = mac.copy()  # the key is set up once; each use copies its state
        mac.update(signed)
        return _b64encode(mac.digest())


def dump_session(session: dict[str, Any]) -> bytes:
    """The session as JSON (msgspec's encoder: keys in insertion order)."""
    return _encode_json(session)


def load_session(payload: bytes) -> dict[str, Any] | None:
    """The session in ``payload``, or None when it is not a JSON object."""
    try:
        session = _decode_json(payload)
    except msgspec.DecodeError:
        return None
    return session if isinstance(session, dict) else None


def _same(expected: bytes, given: bytes) -> bool:
    return hmac.compare_digest(expected, given)  # constant time: no timing oracle


def _derive(secret: bytes) -> bytes:
    return hmac.new(secret, _LABEL, hashlib.sha256).digest()


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")
