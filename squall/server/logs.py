"""Logging set-up: squall's stderr handler, or the user's ``--log-config``.

Loggers: ``squall.error`` (the server's messages) and ``squall.access`` (one line per
response, see access_log.py), both below ``squall``.  By default ``squall`` gets one stderr
handler (``LEVEL:  message``); JSON access lines get a handler of their own that writes the
bare JSON object.  A ``--log-config`` file replaces these handlers; ``--log-level``, when
given, still sets the level of squall's loggers, and ``--no-access-log`` still silences
``squall.access``.
"""

from __future__ import annotations

import logging
import sys

from squall.server.config import Config
from squall.server.log_config import load_log_config

FORMAT = "%(levelname)s:  %(message)s"
MARK = "_squall"  # on the handlers squall installs, so a second set-up replaces them


def configure_logging(level: int, access_log: bool) -> None:
    """Squall's default handlers at ``level``; ``squall.access`` silenced unless ``access_log``."""
    root = _clear_squall_handlers(logging.getLogger("squall"))
    root.addHandler(_handler(FORMAT))
    root.setLevel(level)
    root.propagate = False
    access = _clear_squall_handlers(logging.getLogger("squall.access"))
    access.propagate = True
    access.setLevel(logging.NOTSET if access_log else logging.WARNING)


def setup_logging(config: Config) -> None:
    """Configure logging as ``config`` says (its log file, level and access log settings)."""
    if config.log_config is None:
        configure_logging(config.log_level_number, config.access_log)
        if config.access_log and config.access_log_json:
            access = logging.getLogger("squall.access")
            access.addHandler(_handler("%(message)s"))  # one bare JSON object per line
            access.propagate = False
        return
    _clear_squall_handlers(logging.getLogger("squall"))
    _clear_squall_handlers(logging.getLogger("squall.access"))
    load_log_config(config.log_config)
    if config.log_level is not None:
        logging.getLogger("squall").setLevel(config.log_level_number)
    if not config.access_log:
        logging.getLogger("squall.access").setLevel(logging.WARNING)


def _handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    setattr(handler, MARK, True)
    return handler


def _clear_squall_handlers(logger: logging.Logger) -> logging.Logger:
    for handler in [h for h in logger.handlers if getattr(h, MARK, False)]:
        logger.removeHandler(handler)
    return logger
