"""Defences against abusive HTTP/2 peers: the budgets, and where each attack is handled.

- Rapid reset (CVE-2023-44487): a peer that opens streams and resets them at once makes the
  server start an app call per stream while never counting against the concurrency limit.
  Resets of streams still being served are counted per BUDGET_WINDOW seconds; past the budget
  (twice the concurrency limit, at least MIN_RESETS) the connection gets GOAWAY
  ENHANCE_YOUR_CALM and is closed.
- Control-frame floods (CVE-2019-9512..9516): PING, SETTINGS, PRIORITY, RST_STREAM, small
  WINDOW_UPDATE, empty DATA and unknown frames are counted per BUDGET_WINDOW seconds (by
  our codec, core.py, as it reads each frame; on the h2 library, by frame_guard.py's frame
  buffer); past a :class:`FrameBudget`, GOAWAY ENHANCE_YOUR_CALM.  The answers
  they ask for (PING and SETTINGS ACKs) cannot pile up either: while the socket's buffer is
  over its high-water mark the connection reads nothing (connection.py), and a client that
  does not read for ``--timeout-write`` seconds is dropped.
- CONTINUATION flood (CVE-2024-27316): a header block's compressed bytes are capped at
  :func:`header_block_limit` and its frames at MAX_BLOCK_FRAMES (core.py; frame_guard.py on
  h2); past either, GOAWAY ENHANCE_YOUR_CALM.  HPACK bomb: the decoded list is bounded
  (hpack.py; hpack_guard.py on h2): a block past ``--h2-max-header-list-size`` is read to its
  end (the dynamic table stays in step) but decodes to its pseudo-header fields and
  TOO_LARGE, and that stream is answered 431 while the others go on.
- Zero-window stall: a stream whose peer keeps its window closed holds its app and its
  unsent body; with no byte sent for ``--timeout-write`` seconds the stream is reset (the
  app sees a disconnect).  A client that stops reading the socket itself is dropped after
  ``--timeout-write`` seconds of a full socket buffer, as on HTTP/1.1.  The timers are
  connection.py's.
- A request body that stops coming: ``--timeout-body`` per stream (stream_guard.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

BUDGET_WINDOW: Final = 10.0  # seconds
RESET_WINDOW: Final = BUDGET_WINDOW
MIN_RESETS: Final = 200
# Frames without progress a client may send per BUDGET_WINDOW: far more than a browser or a
# gRPC client's keepalive and BDP pings, far fewer than a flood.
MIN_IDLE_FRAMES: Final = 1000
IDLE_FRAMES_PER_STREAM: Final = 10  # per --h2-max-concurrent-streams, if that is more
# A WINDOW_UPDATE smaller than this opens too little to be worth its frame: counted.
SMALL_WINDOW_UPDATE: Final = 1024
# CONTINUATION frames one header block may have.  A block the size of the header list limit
# fits in a frame or two of the smallest maximum frame size; nghttp2 allows 8.
MAX_BLOCK_FRAMES: Final = 16
# The names of the frames counted against a FrameBudget, by type, for the log.
FLOOD_NAMES: Final[dict[int, str]] = {
    0x0: "empty DATA",
    0x2: "PRIORITY",
    0x3: "RST_STREAM",
    0x4: "SETTINGS",
    0x6: "PING",
    0x8: "small WINDOW_UPDATE",
}
# The field a block past the header list limit decodes to, last, after its pseudo-header
# fields (a client sending it itself only gets the 431 it asked for).
TOO_LARGE: Final = (b"squall-header-list-too-large", b"1")


class ResetBudget:
    """How many streams the peer may reset per RESET_WINDOW seconds."""

    def __init__(self, max_concurrent_streams: int) -> None:
        self.limit = max(MIN_RESETS, 2 * max_concurrent_streams)
        self.window_start = float("-inf")
        self.spent = 0

    def spend(self, now: float) -> bool:
        """Count one reset at ``now``; False once the budget of the window is exceeded."""
        if now - self.window_start >= RESET_WINDOW:
            self.window_start = now
            self.spent = 0
        self.spent += 1
        return self.spent <= self.limit


class FrameBudget:
    """How many frames without progress the peer may send per BUDGET_WINDOW seconds."""

    def __init__(
        self, max_concurrent_streams: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = max(MIN_IDLE_FRAMES, IDLE_FRAMES_PER_STREAM * max_concurrent_streams)
        self.clock = clock
        self.window_start = float("-inf")
        self.spent = 0

    def spend(self) -> bool:
        """Count one frame now; False once more than ``limit`` came within BUDGET_WINDOW
        seconds of the window's first.  The clock is read at a window's first frame and
        past the limit only, not per frame."""
        spent = self.spent + 1
        if spent == 1:
            self.window_start = self.clock()
        elif spent > self.limit:
            now = self.clock()
            if now - self.window_start < BUDGET_WINDOW:
                return False
            self.window_start = now
            spent = 1
        self.spent = spent
        return True


def flood_message(limit: int, frame_type: int) -> str:
    """The connection error's text once a FrameBudget of ``limit`` has run out."""
    return f"more than {limit} frames without progress ({FLOOD_NAMES.get(frame_type, 'unknown')})"


def header_block_limit(max_header_list_size: int) -> int:
    """The compressed bytes a header block may take: the decoded limit, plus as much again.

    HPACK makes a block smaller than its decoded list, except for Huffman codes an encoder
    would not choose (up to 30 bits a byte) and the small per-field prefixes: twice the
    decoded limit leaves room for those and still bounds what is held.
    """
    return 2 * max_header_list_size


def is_too_large(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a decoded block is one that was past the header list limit."""
    return bool(headers) and headers[-1][0] == TOO_LARGE[0]


def too_large(kept: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """What a block past the limit decodes to: the pseudo-header fields kept, then TOO_LARGE."""
    fields = [header for header in kept if header[0][:1] == b":"]
    fields.append(TOO_LARGE)
    return fields
