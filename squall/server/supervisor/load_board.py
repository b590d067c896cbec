"""The load board: how many connections each worker holds, in memory every worker shares.

The supervisor creates one small array of 64-bit words (``multiprocessing`` shared memory:
an unlinked file passed to each worker by descriptor, so nothing is left behind) and gives
each worker a slot of its own.  Word 0 says how many slots are in use, so readers look at
those only.  A slot is two words: its worker's open connections, or ``IDLE`` (-1) while
nobody accepts through it (before the worker listens, after it stops, and once the
supervisor has cleared the slot of a worker that died); and when the worker last wrote it
(CLOCK_MONOTONIC in milliseconds, the same clock in every process), so a worker whose loop
has not run for a while (busy, stuck, stopped) is not waited for.

Writes are single aligned words; readers may see a count a moment old, never a torn one.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterable
from multiprocessing.context import BaseContext
from typing import Any, Final, NamedTuple

IDLE: Final = -1
HEADER: Final = 1  # word 0: slots in use (the highest slot given out + 1)
WORDS: Final = 2  # per slot: open connections, and when they were written (ms)


def now_ms() -> int:
    return int(time.monotonic() * 1000)


class LoadBoard:
    """The array and its slots, as the supervisor and the workers both use it."""

    def __init__(self, counts: Any) -> None:
        self.counts = counts  # a ctypes int64 array in shared memory (RawArray)

    @classmethod
    def create(cls, context: BaseContext, slots: int) -> LoadBoard:
        counts = context.RawArray(ctypes.c_int64, HEADER + WORDS * slots)
        board = cls(counts)
        for slot in range(slots):
            board.clear(slot)
        return board

    @property
    def capacity(self) -> int:
        return (len(self.counts) - HEADER) // WORDS

    # -- The supervisor's side ------------------------------------------------------------

    def claim(self, taken: Iterable[int]) -> int | None:
        """A free slot for a new worker (cleared), or None when all are taken."""
        busy = set(taken)
        for slot in range(self.capacity):
            if slot not in busy:
                self.clear(slot)
                self.counts[0] = max(self.counts[0], slot + 1)
                return slot
        return None

    def clear(self, slot: int) -> None:
        """Nobody accepts through ``slot`` (its worker died or stopped)."""
        self.counts[HEADER + WORDS * slot] = IDLE

    # -- A worker's side ------------------------------------------------------------------

    def publish(self, slot: int, connections: int) -> None:
        index = HEADER + WORDS * slot
        self.counts[index + 1] = now_ms()
        self.counts[index] = connections

    def least_of_others(self, slot: int, fresh_ms: int) -> int | None:
        """The fewest connections any other accepting worker holds; None if there is none.

        Only workers that wrote their slot in the last ``fresh_ms`` milliseconds count.
        """
        return self.others(slot, fresh_ms).least

    def others(self, slot: int, fresh_ms: int) -> Others:
        """The other accepting workers that wrote their slot in the last ``fresh_ms`` ms."""
        words = self.counts[HEADER : HEADER + WORDS * self.counts[0]]
        oldest = now_ms() - fresh_ms
        least: int | None = None
        accepting = 0
        for index in range(0, len(words), WORDS):
            count, written = words[index], words[index + 1]
            if count == IDLE or written < oldest or index == WORDS * slot:
                continue
            accepting += 1
            if least is None or count < least:
                least = count
        return Others(least, accepting)


class Others(NamedTuple):
    """What a worker sees of the other accepting workers on the board."""

    least: int | None  # the fewest open connections any of them holds (None: there is none)
    accepting: int  # how many of them accept now
