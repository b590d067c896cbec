"""Defences against abusive HTTP/2 peers (the rest of issue 16's list comes next).

- Rapid reset (CVE-2023-44487): a peer that opens streams and resets them at once makes the
  server start an app call per stream while never counting against the concurrency limit.
  Resets of streams still being served are counted per RESET_WINDOW seconds; past the budget
  (twice the concurrency limit, at least MIN_RESETS) the connection gets GOAWAY
  ENHANCE_YOUR_CALM and is closed.
- Zero-window stall: a stream whose peer keeps its window closed holds its app and its
  unsent body; with no byte sent for ``--timeout-write`` seconds the stream is reset (the
  app sees a disconnect).  A client that stops reading the socket itself is dropped after
  ``--timeout-write`` seconds of a full socket buffer, as on HTTP/1.1.  The timers are
  connection.py's.
"""

from __future__ import annotations

from typing import Final

RESET_WINDOW: Final = 10.0  # seconds
MIN_RESETS: Final = 200


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
