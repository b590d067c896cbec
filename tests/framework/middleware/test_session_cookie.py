"""The signed session cookie on its own: signing, rotation, tampering, expiry, junk."""

from __future__ import annotations

import base64

import pytest

from squall.middleware.session_cookie import SignedCookie, dump_session, load_session

PAYLOAD = dump_session({"user": "alice", "cart": [1, 2]})


class Clock:
    """A settable clock, so expiry is tested without sleeping."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_signed_value_verifies_back_to_its_payload() -> None:
    cookie = SignedCookie("secret", max_age=60)
    value = cookie.sign(PAYLOAD)
    assert cookie.verify(value) == PAYLOAD
    assert load_session(PAYLOAD) == {"user": "alice", "cart": [1, 2]}
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_another_secret_does_not_verify() -> None:
    assert SignedCookie("other", 60).verify(SignedCookie("secret", 60).sign(PAYLOAD)) is None


def test_rotation_the_first_secret_signs_every_one_verifies() -> None:
    old_value = SignedCookie("old", 60).sign(PAYLOAD)
    rotated = SignedCookie(["new", "old"], 60)
    assert rotated.verify(old_value) == PAYLOAD  # cookies signed before the rotation still work
    new_value = rotated.sign(PAYLOAD)
    assert SignedCookie("new", 60).verify(new_value) == PAYLOAD  # written with the new one
    assert SignedCookie("old", 60).verify(new_value) is None


def test_bytes_and_str_secrets_are_the_same_key() -> None:
    assert SignedCookie(b"secret", 60).verify(SignedCookie("secret", 60).sign(PAYLOAD)) == PAYLOAD


@pytest.mark.parametrize("secret", ["", b"", [], ["ok", ""]])
def test_an_empty_secret_is_refused(secret: object) -> None:
    with pytest.raises(ValueError, match="secret_key"):
        SignedCookie(secret, 60)


def _tampered(value: str, part: int) -> str:
    """``value`` with one character of its ``part`` (payload, time, signature) changed."""
    pieces = value.split(".")
    piece = pieces[part]
    middle = len(piece) // 2
    swapped = "A" if piece[middle] != "A" else "B"
    if part == 1:
        swapped = "1" if piece[middle] != "1" else "2"
    pieces[part] = piece[:middle] + swapped + piece[middle + 1 :]
    return ".".join(pieces)


@pytest.mark.parametrize("part", [0, 1, 2], ids=["payload", "timestamp", "signature"])
def test_a_tampered_value_does_not_verify(part: int) -> None:
    cookie = SignedCookie("secret", None)
    assert cookie.verify(_tampered(cookie.sign(PAYLOAD), part)) is None


def test_a_forged_payload_with_the_old_signature_does_not_verify() -> None:
    cookie = SignedCookie("secret", 60)
    _, stamp, signature = cookie.sign(PAYLOAD).split(".")
    forged = base64.urlsafe_b64encode(b'{"user":"admin"}').rstrip(b"=").decode()
    assert cookie.verify(f"{forged}.{stamp}.{signature}") is None


def test_expiry_counts_from_signing_time() -> None:
    clock = Clock()
    cookie = SignedCookie("secret", max_age=100, clock=clock)
    value = cookie.sign(PAYLOAD)
    clock.now += 100
    assert cookie.verify(value) == PAYLOAD
    clock.now += 1
    assert cookie.verify(value) is None


def test_without_max_age_a_value_never_expires() -> None:
    clock = Clock()
    cookie = SignedCookie("secret", max_age=None, clock=clock)
    value = cookie.sign(PAYLOAD)
    clock.now += 10 * 365 * 24 * 3600
    assert cookie.verify(value) == PAYLOAD


JUNK = [
    "",
    ".",
    "..",
    "a.b.c",
    "a.b",
    "abc",
    "é.1.x",
    "a.1.é",
    "a.-1.x",
    "a.1e3.x",
    "a.١٢٣.x",  # non-ASCII digits
    "%%%.1.%%%",
    "a" * 10_000,
    "null",
    # Starlette's (itsdangerous) format: base64 JSON, base64 time, SHA-1 signature
    "eyJuIjogMX0=.aWVFXg.7Zfi0vJp0ByMHdwXN7PSH1lEGuM",
]


@pytest.mark.parametrize("value", JUNK)
def test_junk_never_verifies_and_never_raises(value: str) -> None:
    assert SignedCookie("secret", 60).verify(value) is None


@pytest.mark.parametrize("payload", [b"", b"[1, 2]", b'"text"', b"1", b"{", b"\xff", b"null"])
def test_a_payload_that_is_not_a_json_object_is_no_session(payload: bytes) -> None:
    assert load_session(payload) is None


def test_a_signed_payload_that_is_not_an_object_is_no_session() -> None:
    cookie = SignedCookie("secret", 60)
    payload = cookie.verify(cookie.sign(b"[1]"))  # a valid signature over a JSON array
    assert payload == b"[1]" and load_session(payload) is None


def test_signed_broken_base64_does_not_verify() -> None:
    cookie = SignedCookie("secret", None)
    signed = b"a.1700000000"  # one base64 character: not a whole byte
    signature = cookie._signature(cookie.macs[0], signed).decode()
    assert cookie.verify(f"{signed.decode()}.{signature}") is None
