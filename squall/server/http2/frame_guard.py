"""The frames a client sends, counted as they leave h2's frame buffer, before h2 acts on them.

The ``--h2-codec h2`` side of defences.py (our codec counts in core.py, with the same
budgets).  h2 reads frames through a ``FrameBuffer``; :class:`GuardedFrameBuffer` takes its place on
each connection (settings.py) and sees every frame once, so the floods that h2 answers
without telling us (a PING is acknowledged, a RST_STREAM of a closed stream dropped) are
counted too:

- CONTINUATION flood (CVE-2024-27316): a HEADERS frame without END_HEADERS, then CONTINUATION
  frames that never end the block.  h2 holds the block until it ends (up to 64 frames of the
  maximum frame size: a gigabyte at ``--h2-max-frame-size 16m``).  Here the block's compressed
  bytes are capped at defences.py's :func:`header_block_limit` and its frames at
  MAX_BLOCK_FRAMES; past
  either, the connection gets GOAWAY ENHANCE_YOUR_CALM and is closed.
- Control-frame floods (CVE-2019-9512 PING, 9515 SETTINGS, 9514 reset, 9516 empty frames,
  9513 PRIORITY): the frames that cost the server work or an answer but move no request
  forward are counted against a :class:`~squall.server.http2.defences.FrameBudget`; past it,
  GOAWAY ENHANCE_YOUR_CALM.

The checks are counters and comparisons: per frame, one type test on the way through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from h2.exceptions import DenialOfServiceError
from h2.frame_buffer import FrameBuffer

from squall.server.http2.defences import (
    MAX_BLOCK_FRAMES,
    SMALL_WINDOW_UPDATE,
    FrameBudget,
    flood_message,
    header_block_limit,
)

if TYPE_CHECKING:
    from hyperframe.frame import Frame

DATA: Final = 0x0
HEADERS: Final = 0x1
PRIORITY: Final = 0x2
RST_STREAM: Final = 0x3
SETTINGS: Final = 0x4
PING: Final = 0x6
WINDOW_UPDATE: Final = 0x8
CONTINUATION: Final = 0x9
# Frame types counted against the budget (but not the ACKs of ours, nor a large window: count())
COUNTED: Final = frozenset((PRIORITY, RST_STREAM, SETTINGS, PING, WINDOW_UPDATE))
KNOWN: Final = frozenset(range(0x0, 0xA))  # DATA..CONTINUATION; others are ignored by h2


class HeaderBlockTooLarge(DenialOfServiceError):
    """A header block past its byte or frame cap (a CONTINUATION flood)."""


class ControlFrameFlood(DenialOfServiceError):
    """More frames without progress in a window than the budget allows."""


class GuardedFrameBuffer(FrameBuffer):
    """h2's frame buffer, with the header block and control frames bounded."""

    def __init__(self, max_header_list_size: int, budget: FrameBudget) -> None:
        super().__init__(server=True)
        self.block_limit = header_block_limit(max_header_list_size)
        self.budget = budget
        self.block_bytes = 0  # the compressed bytes of the block being received
        self.block_frames = 0

    def _update_header_buffer(self, f: Frame | None) -> Frame | None:
        if f is not None:
            kind = f.type
            if kind in (HEADERS, CONTINUATION):
                self.hold(f)
            elif kind == DATA:
                if not f.data and "END_STREAM" not in f.flags:  # type: ignore[attr-defined]
                    self.spend(kind)
            elif kind in COUNTED or kind not in KNOWN:
                self.count(f)
        return super()._update_header_buffer(f)

    def hold(self, f: Frame) -> None:
        """Count a HEADERS or CONTINUATION frame against the block's caps."""
        if "END_HEADERS" in f.flags and not self.block_frames:
            return  # a block in one frame: h2 has bounded it by the frame size
        self.block_bytes += len(f.data)  # type: ignore[attr-defined]
        self.block_frames += 1
        if self.block_bytes > self.block_limit or self.block_frames > MAX_BLOCK_FRAMES:
            raise HeaderBlockTooLarge(
                f"header block past {self.block_limit} bytes or {MAX_BLOCK_FRAMES} frames"
            )
        if "END_HEADERS" in f.flags:
            self.block_bytes = self.block_frames = 0

    def count(self, f: Frame) -> None:
        """A control frame: spend the budget unless it is an ACK or opens a useful window."""
        kind = f.type
        if kind == WINDOW_UPDATE:
            if f.window_increment >= SMALL_WINDOW_UPDATE:  # type: ignore[attr-defined]
                return
        elif kind in (PING, SETTINGS) and "ACK" in f.flags:
            return
        self.spend(kind)

    def spend(self, kind: int | None) -> None:
        """One frame that moves no request forward; past the budget, a connection error."""
        if not self.budget.spend():
            raise ControlFrameFlood(flood_message(self.budget.limit, -1 if kind is None else kind))
