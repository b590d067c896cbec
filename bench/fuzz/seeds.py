"""Write the seed corpus: ``python -m bench.fuzz.seeds`` (bench/fuzz/corpus/, committed).

Each seed is an input for the fuzz target (plan.py's format): a request stream, an app and
a way of cutting the stream.  The streams are a few hand-written requests (good ones, and the
classic bad ones: smuggling shapes, bad versions, over-long heads) and examples drawn from the
differential fuzzer's hypothesis strategies (tests/server/request_strategies.py), valid and
subtly invalid.  Each stream is stored whole and cut in small pieces, for each app in turn.
Every regression case (tests/server/fuzz_regressions/) is a seed too, so each campaign,
the short one in CI included, runs them first.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import warnings
from pathlib import Path
from typing import Final

from bench.fuzz.plan import APP_NAMES, MAX_PIECES, Plan, encode, encode_plan

CORPUS: Final = Path(__file__).resolve().parent / "corpus"
REGRESSIONS: Final = Path(__file__).resolve().parents[2] / "tests" / "server" / "fuzz_regressions"
H: Final = b"Host: a\r\n"
HAND_WRITTEN: Final = [
    b"GET / HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /a?b=c HTTP/1.1\r\n" + H + b"\r\nGET /stream HTTP/1.1\r\n" + H + b"\r\n",
    b"POST /stream HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello",
    b"POST / HTTP/1.1\r\n"
    + H
    + b"Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"HEAD / HTTP/1.1\r\n" + H + b"\r\nHEAD /stream HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /stream HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    b"GET / HTTP/1.1\r\n"
    + H
    + b"Forwarded: for=1.2.3.4;proto=https\r\nX-Forwarded-For: 5.6.7.8\r\n\r\n",
    b"POST / HTTP/1.1\r\n"
    + H
    + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X : a\r\n\r\n",
    b"GET / HTTP/1.1\n" + H + b"\n",
    b"GET / HTTP/2.0\r\n" + H + b"\r\n",
    b"GET http://a/x HTTP/1.1\r\n" + H + b"\r\n",
    b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n",
    b"CONNECT a:443 HTTP/1.1\r\n" + H + b"\r\n",
    b"BREW /pot HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /" + b"a" * 600 + b" HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X: " + b"v" * 2100 + b"\r\n\r\n",
    b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 9000\r\n\r\n" + b"x" * 100,
    b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
    b"".join(b"GET /%d HTTP/1.1\r\n" % i + H + b"\r\n" for i in range(8)),
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
]


def strategy_examples(count: int) -> list[bytes]:
    """Request streams drawn from the differential fuzzer's strategies (needs hypothesis)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from hypothesis.errors import NonInteractiveExampleWarning

    from tests.server.request_strategies import streams

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return [streams().example() for _ in range(count)]


def cuttings(stream: bytes, small: int) -> list[list[int]]:
    """Whole (one piece), and in pieces of ``small`` bytes (as many as a plan holds)."""
    pieces = [small] * min(MAX_PIECES, len(stream) // small)
    return [[], pieces] if pieces else [[]]


def seeds(examples: int) -> list[bytes]:
    streams = HAND_WRITTEN + strategy_examples(examples)
    apps = itertools.cycle(APP_NAMES)
    found: list[bytes] = []
    for index, stream in enumerate(streams):
        for sizes in cuttings(stream, 1 + index % 7):
            found.append(encode(next(apps), stream, sizes, flags=index % 4))
    return found


def regressions() -> list[bytes]:
    """Every regression case (tests/server/fuzz_regressions/): each campaign replays them."""
    return [
        encode_plan(Plan.from_json(json.loads(case.read_text())))
        for case in sorted(REGRESSIONS.glob("*.json"))
    ]


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()
    for seed in seeds(examples=60) + regressions():
        name = hashlib.sha1(seed).hexdigest()[:16]
        (CORPUS / name).write_bytes(seed)
    print(f"{len(list(CORPUS.iterdir()))} seeds in {CORPUS}")


if __name__ == "__main__":
    main()
