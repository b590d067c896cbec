"""Running out of file descriptors (EMFILE, ENFILE): no spinning, one warning per interval.

A listening socket stays readable while ``accept()`` fails for want of a descriptor, so an
accept loop that just tries again spins at full CPU; asyncio's stops for a second but logs a
traceback for every connection waiting.  Squall's paths behave alike instead:

- Python-side accepting (``acceptor.py``: the asyncio loop, and the workers' balanced
  accepting) stops watching the socket and looks again ``RETRY`` seconds later.  The
  kernel keeps the waiting connections in the listen queue (an ``accept()`` that fails
  with EMFILE takes none of them), and they are answered once descriptors free up.
- uvloop accepts inside libuv, which keeps one spare descriptor for this: out of
  descriptors, it closes the spare, accepts every waiting connection and closes it at once
  (the client sees its connection closed without an answer, a fast failure instead of a
  wait), then reopens the spare.  No spinning, but no word either: the server's tick
  probes for a free descriptor (``probe``) and reports what it finds.

Either way ``ShortageReport`` writes one line (no traceback) per ``REPORT_EVERY`` seconds
while it lasts, naming the open connections, and one line when accepting resumes.
"""

from __future__ import annotations

import errno
import os
import resource
import time
from collections.abc import Callable

from squall.server.state import error_logger

RESOURCE_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
RETRY = 0.1  # seconds between accept attempts while out of descriptors (no spinning)
REPORT_EVERY = 5.0  # seconds between two warnings while the shortage lasts

Clock = Callable[[], float]


def is_shortage(exc: OSError) -> bool:
    """True for the errors that mean "out of descriptors or memory: try again later"."""
    return exc.errno in RESOURCE_ERRORS


def descriptor_limit() -> int:
    """This process's soft limit on open descriptors (RLIMIT_NOFILE)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def probe(fd: int) -> OSError | None:
    """The shortage error if no descriptor is free now (duplicates ``fd`` and closes the copy).

    Any other error (``fd`` already closed) is no news about descriptors: None."""
    try:
        os.close(os.dup(fd))
    except OSError as exc:
        return exc if is_shortage(exc) else None
    return None


class ShortageReport:
    """Logs a shortage at most once per ``every`` seconds, and its end once."""

    def __init__(
        self,
        connections: Callable[[], int],
        consequence: str,
        every: float = REPORT_EVERY,
        clock: Clock = time.monotonic,
    ) -> None:
        self.connections = connections  # open connections, for the log line
        self.consequence = consequence  # what happens to new connections meanwhile
        self.every = every
        self.clock = clock
        self.short = False
        self.last_warning: float | None = None

    def shortage(self, exc: OSError) -> None:
        """Accepting failed for want of descriptors (or memory): warn unless warned lately."""
        self.short = True
        now = self.clock()
        if self.last_warning is not None and now - self.last_warning < self.every:
            return
        self.last_warning = now
        error_logger.warning(
            "out of file descriptors (%s; limit %d): %d connections open; %s",
            exc.strerror or exc,
            descriptor_limit(),
            self.connections(),
            self.consequence,
        )

    def recovered(self) -> None:
        """A connection was accepted again: say so once."""
        if self.short:
            self.short = False
            error_logger.info(
                "file descriptors available again: accepting (%d connections open)",
                self.connections(),
            )
