"""The validator's building blocks: outcomes, real ``curl`` runs and the helpers' exact semantics.

HttpArena's ``scripts/validate.sh`` checks an entry with three helpers, reproduced here (the
contract, /work/shared/httparena-contract.md §4, is the authority):

- ``check``: ``curl -s -D-``; the last line of headers plus body must equal the expected body
  (trailing newlines are tolerated: the shell's ``$(...)`` drops them);
- ``check_header``: the header's value equals the expected one or starts with ``expected;``,
  ``text/javascript`` counts as ``application/javascript``, a duplicated header fails;
- ``check_status``: ``%{http_code}`` equals the expected status.

Every request goes through the real ``curl`` binary, with the flags each check needs
(``--http1.1``, ``--http2``, ``--http2-prior-knowledge``, ``-k``, ``--compressed``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

Status = Literal["PASS", "FAIL", "SKIP"]
CURL_TIMEOUT: Final = 60.0
JAVASCRIPT_ALIASES: Final = {"text/javascript": "application/javascript"}


@dataclass(frozen=True)
class Outcome:
    block: str
    name: str
    status: Status
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "PASS"

    def line(self) -> str:
        suffix = f" ({self.detail})" if self.detail else ""
        return f"{self.status} [{self.block}] {self.name}{suffix}"


@dataclass
class Recorder:
    """Collects outcomes; prints each as it comes when ``echo`` is set."""

    echo: bool = True
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, block: str, name: str, status: Status, detail: str = "") -> Outcome:
        outcome = Outcome(block, name, status, detail)
        self.outcomes.append(outcome)
        if self.echo:
            print(outcome.line(), flush=True)
        return outcome

    def verdict(self, block: str, name: str, passed: bool, detail: str = "") -> Outcome:
        return self.add(block, name, "PASS" if passed else "FAIL", "" if passed else detail)

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self) -> bool:
        return self.count("FAIL") > 0


@dataclass(frozen=True)
class Target:
    """Where the entry listens (HttpArena's 8080 / 8081 / 8082 / 8443, here free ports)."""

    host: str = "127.0.0.1"
    h1: int = 8080
    h1_tls: int = 8081
    h2c: int = 8082
    h2_tls: int = 8443

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.h1}{path}"

    def tls_url(self, path: str) -> str:
        return f"https://{self.host}:{self.h1_tls}{path}"

    def h2c_url(self, path: str) -> str:
        return f"http://{self.host}:{self.h2c}{path}"

    def h2_url(self, path: str) -> str:
        return f"https://{self.host}:{self.h2_tls}{path}"


@dataclass
class Run:
    """What a block of checks needs: where the entry is, where outcomes go, the static files."""

    target: Target
    record: Recorder
    static_dir: str


# --- curl -----------------------------------------------------------------------------------------


def curl(
    arguments: Sequence[str], stdin: bytes | None = None, timeout: float = CURL_TIMEOUT
) -> bytes:
    """``curl -s ARGUMENTS``: its standard output (empty when curl fails to connect)."""
    try:
        done = subprocess.run(
            ["curl", "-s", "--max-time", str(int(timeout)), *arguments],
            input=stdin,
            capture_output=True,
            timeout=timeout + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return b""
    return done.stdout


def last_line(output: bytes) -> str:
    """What validate.sh compares: ``$(curl -s -D- ...)`` (trailing newlines gone) ``| tail -1``."""
    text = output.decode("utf-8", "replace").rstrip("\n")
    return text.rsplit("\n", 1)[-1]


def last_head(output: bytes) -> list[tuple[str, str]]:
    """The fields of the last response head in ``curl -D-`` output (after any 100 Continue)."""
    text = output.decode("latin-1")
    blocks = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    heads = [block for block in blocks if block.startswith("HTTP/")]
    if not heads:
        return []
    fields = []
    for line in heads[-1].split("\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name.strip().lower(), value.strip()))
    return fields


def header_values(output: bytes, name: str) -> list[str]:
    return [value for field_name, value in last_head(output) if field_name == name.lower()]


def header_matches(value: str, expected: str) -> bool:
    """Equal, or ``expected;...`` (a parameter such as charset); text/javascript is JavaScript."""
    value = value.strip().lower()
    expected = expected.lower()
    for alias, canonical in JAVASCRIPT_ALIASES.items():
        if value == alias or value.startswith(alias + ";"):
            value = canonical + value[len(alias) :]
    return value == expected or value.startswith(expected + ";")


def judge_body(output: bytes, expected: str) -> tuple[bool, str]:
    got = last_line(output)
    return got == expected, f"expected {expected!r}, got {got[:80]!r}"


def judge_header(output: bytes, name: str, expected: str) -> tuple[bool, str]:
    values = header_values(output, name)
    if len(values) != 1:
        return False, f"{name}: {len(values)} values {values!r}, expected one"
    return header_matches(values[0], expected), f"{name}: {values[0]!r}, expected {expected!r}"


def check(record: Recorder, block: str, name: str, url: str, expected: str, *flags: str) -> bool:
    passed, detail = judge_body(curl([*flags, "-D-", url]), expected)
    record.verdict(block, name, passed, detail)
    return passed


def check_header(
    record: Recorder, block: str, name: str, url: str, header: str, expected: str, *flags: str
) -> bool:
    output = curl([*flags, "-D-", "-o", "/dev/null", url])
    passed, detail = judge_header(output, header, expected)
    record.verdict(block, name, passed, detail)
    return passed


def status_code(url: str, *flags: str) -> str:
    return curl([*flags, "-o", "/dev/null", "-w", "%{http_code}", url]).decode().strip()


def check_status(
    record: Recorder, block: str, name: str, url: str, expected: int, *flags: str
) -> bool:
    got = status_code(url, *flags)
    passed = got == str(expected)
    record.verdict(block, name, passed, f"status {got}, expected {expected}")
    return passed


def http_version(url: str, *flags: str) -> str:
    return curl([*flags, "-o", "/dev/null", "-w", "%{http_version}", url]).decode().strip()


def judge_items(document: Any, count: int, multiplier: int) -> tuple[bool, str]:
    """validate.sh's /json check: ``count == c`` and every item's ``total == price*quantity*m``."""
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        return False, "not a JSON object with an items list"
    if document.get("count") != count:
        return False, f"count {document.get('count')!r}, expected {count}"
    for item in document["items"]:
        if "total" not in item:
            return False, f"item {item.get('id')!r} has no total"
        if item["total"] != item.get("price", 0) * item.get("quantity", 0) * multiplier:
            wrong = f"total {item['total']!r} is not price*quantity*{multiplier}"
            return False, f"item {item.get('id')!r}: {wrong}"
    return True, ""


def json_body(url: str, *flags: str) -> Any:
    """The JSON document at ``url``, or None when the body is not JSON."""
    try:
        return json.loads(curl([*flags, url]))
    except ValueError:
        return None
