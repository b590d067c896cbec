"""The process manager's command-line flags, and the checks its options must pass."""

from __future__ import annotations

import argparse
import os
from typing import Any

from squall.server.config import Config, ConfigError


def cpu_count() -> int:
    """The CPUs this process may run on (what ``--workers auto`` starts)."""
    return len(os.sched_getaffinity(0))


def worker_count(value: str) -> int:
    """``--workers`` value: a positive number, or ``auto`` for one worker per usable CPU."""
    if value.strip().lower() == "auto":
        return cpu_count()
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"at least one worker is needed, got {count}")
    return count


def add_process_manager_flags(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        metavar="N|auto",
        help="worker processes; 'auto' = one per usable CPU (default 1: no process manager)",
    )
    group.add_argument(
        "--balance",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="workers share one socket and accept in turns, the one with the fewest open "
        "connections first (default); --no-balance: whichever wakes first accepts",
    )
    group.add_argument(
        "--reuse-port",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="one SO_REUSEPORT socket per worker instead: the kernel spreads connections "
        "by a hash of their addresses (host:port only)",
    )
    group.add_argument(
        "--timeout-worker-healthcheck",
        type=float,
        default=30.0,
        metavar="S",
        help="kill and replace a worker whose event loop misses heartbeats this long (30)",
    )
    group.add_argument(
        "--limit-max-requests",
        type=int,
        metavar="N",
        help="retire a worker gracefully after this many requests (a new one starts first)",
    )
    group.add_argument(
        "--max-requests-jitter",
        type=int,
        metavar="J",
        default=0,
        help="add -J..+J at random to --limit-max-requests per worker, so they retire apart",
    )
    group.add_argument(
        "--reload", action="store_true", help="restart the app when its files change (dev only)"
    )
    group.add_argument(
        "--reload-dir",
        dest="reload_dirs",
        action="append",
        metavar="DIR",
        help="watch this directory (repeatable; default the current directory)",
    )
    group.add_argument(
        "--reload-include",
        dest="reload_includes",
        action="append",
        metavar="GLOB",
        help="reload on files matching this glob (repeatable; default *.py)",
    )
    group.add_argument(
        "--reload-exclude",
        dest="reload_excludes",
        action="append",
        metavar="GLOB",
        help="ignore files matching this glob (repeatable)",
    )


def process_manager_lists(args: argparse.Namespace) -> dict[str, Any]:
    """The repeatable flags' lists, with their defaults (argparse would append to a default)."""
    return {
        "reload_dirs": args.reload_dirs or [],
        "reload_includes": args.reload_includes or ["*.py"],
        "reload_excludes": args.reload_excludes or [],
    }


def check_options(config: Config) -> None:
    """Raise ``ConfigError`` for combinations the process manager cannot run."""
    if config.reload and config.workers > 1:
        raise ConfigError("--reload runs one worker: it cannot be used with --workers > 1")
    if not isinstance(config.app, str):
        raise ConfigError('workers and --reload need the app as an import string "module:attr"')
    if config.timeout_worker_healthcheck <= 0:
        raise ConfigError("--timeout-worker-healthcheck must be positive")
    if config.limit_max_requests is not None and config.limit_max_requests < 1:
        raise ConfigError("--limit-max-requests must be at least 1")
    if config.max_requests_jitter < 0:
        raise ConfigError("--max-requests-jitter cannot be negative")
