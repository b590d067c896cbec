"""One fuzz input, decoded: which app, how the bytes are cut, what the clock and client do.

libFuzzer hands the target raw bytes; a :class:`Plan` is what they mean.  A
``FuzzedDataProvider`` reads the plan's switches and the size of each piece (one byte each,
taken from the end of the input: atheris reads integers from the back); the rest, from the
front, is the byte stream the client sends, cut into those pieces (the last piece is whatever
is left).  So a raw request is an input too: its last bytes become the switches.  Between
two pieces the server's clock may jump ahead, so the header, keep-alive and lingering-close
deadlines fire in the middle of a request.

Plans are also stored as JSON (the regression cases in tests/server/fuzz_regressions/): the
readable form, which needs no atheris to replay.  :func:`encode` and :func:`encode_plan` write
the input bytes that decode to a given plan, for the seed corpus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

APP_NAMES: Final = ("whole", "streaming", "framework")
MAX_PIECES: Final = 15  # pieces cut off the front; the rest of the stream is one more
MAX_PIECE: Final = 256
TICKS: Final = (0.0, 0.0, 0.0, 0.5, 3.0, 6.0, 11.0, 0.0)  # seconds the clock jumps per piece


@dataclass(frozen=True)
class Step:
    """A piece of the stream, delivered after the clock has moved ``tick`` seconds."""

    data: bytes
    tick: float = 0.0


@dataclass(frozen=True)
class Plan:
    app: str
    steps: tuple[Step, ...]
    can_write_eof: bool = False  # a TCP-like transport (half-close, lingering) or not
    eof: bool = True  # the client half-closes at the end (eof_received) before going away

    @property
    def stream(self) -> bytes:
        return b"".join(step.data for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "can_write_eof": self.can_write_eof,
            "eof": self.eof,
            "steps": [
                {"data": step.data.decode("latin-1"), "tick": step.tick} for step in self.steps
            ],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Plan:
        steps = tuple(Step(s["data"].encode("latin-1"), float(s["tick"])) for s in value["steps"])
        return cls(value["app"], steps, bool(value["can_write_eof"]), bool(value["eof"]))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1) + "\n"


def decode(data: bytes) -> Plan:
    """The plan a fuzz input stands for (any input decodes to some plan)."""
    import atheris  # type: ignore[import-untyped]  # the fuzzer needs it, a replay does not

    provider = atheris.FuzzedDataProvider(data)
    app = APP_NAMES[provider.ConsumeIntInRange(0, len(APP_NAMES) - 1)]
    flags = provider.ConsumeIntInRange(0, 3)
    count = provider.ConsumeIntInRange(0, MAX_PIECES)
    cuts = [
        (provider.ConsumeIntInRange(1, MAX_PIECE), provider.ConsumeIntInRange(0, len(TICKS) - 1))
        for _ in range(count)
    ]
    stream = provider.ConsumeBytes(provider.remaining_bytes())
    steps: list[Step] = []
    pos = 0
    for size, tick in cuts:
        if pos >= len(stream):
            break
        steps.append(Step(stream[pos : pos + size], TICKS[tick]))
        pos += size
    if pos < len(stream) or not steps:
        steps.append(Step(stream[pos:]))
    return Plan(app, tuple(steps), can_write_eof=bool(flags & 1), eof=not flags & 2)


def encode(app: str, stream: bytes, sizes: list[int], flags: int = 0) -> bytes:
    """Input bytes that :func:`decode` reads as ``stream`` cut into ``sizes`` (no clock jumps).

    Each switch is one byte, read from the back as ``low + byte % range`` (checked by
    tests/server/test_fuzz_target.py)."""
    return _encoded(app, stream, [(size, 0.0) for size in sizes], flags)


def encode_plan(plan: Plan) -> bytes:
    """Input bytes that :func:`decode` reads as ``plan`` (ValueError if no input can)."""
    if plan.steps[-1].tick:
        raise ValueError("the last piece of a decoded plan comes without a clock jump")
    cuts = [(len(step.data), step.tick) for step in plan.steps[:-1]]
    flags = int(plan.can_write_eof) | (0 if plan.eof else 2)
    return _encoded(plan.app, plan.stream, cuts, flags)


def _encoded(app: str, stream: bytes, cuts: list[tuple[int, float]], flags: int) -> bytes:
    if len(cuts) > MAX_PIECES or not all(1 <= size <= MAX_PIECE for size, _ in cuts):
        raise ValueError(f"at most {MAX_PIECES} pieces of 1..{MAX_PIECE} bytes: {cuts}")
    head = [APP_NAMES.index(app), flags, len(cuts)]
    for size, tick in cuts:
        head += [size - 1, TICKS.index(tick)]
    return stream + bytes(reversed(head))
