"""Logging set-up for the command line: one stderr handler for squall's loggers."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(levelname)s:  %(message)s"


def configure_logging(level: int, access_log: bool) -> None:
    root = logging.getLogger("squall")
    if not any(getattr(h, "_squall", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._squall = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    access = logging.getLogger("squall.access")
    access.setLevel(logging.NOTSET if access_log else logging.WARNING)
