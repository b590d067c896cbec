"""Defences against abusive HTTP/2 peers: the budgets, and where each attack is handled.

- Rapid reset (CVE-2023-44487): a peer that opens streams and resets them at once makes the
  server start an app call per stream while never counting against the concurrency limit.
  Resets of streams still being served are counted per BUDGET_WINDOW seconds; past the budget
  (twice the concurrency limit, at least MIN_RESETS) the connection gets GOAWAY
  ENHANCE_YOUR_CALM and is closed.
- Control-frame floods (CVE-2019-9512..9516): PING, SETTINGS, PRIORITY, RST_STREAM, small
  WINDOW_UPDATE, empty DATA and unknown frames are counted per BUDGET_WINDOW seconds
  (frame_guard.py); past a :class:`FrameBudget`, GOAWAY ENHANCE_YOUR_CALM.  The answers
  they ask for (PING and SETTINGS ACKs) cannot pile up either: while the socket's buffer is
  over its high-water mark the connection reads nothing (connection.py), and a client that
  does not read for ``--timeout-write`` seconds is dropped.
- CONTINUATION flood (CVE-2024-27316): frame_guard.py caps a header block's compressed bytes
  and frames; HPACK bomb: hpack_guard.py bounds the decoded list (431 for the stream).
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
