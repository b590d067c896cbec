"""``python -m bench.httparena validate|run``: HttpArena's validation and load, locally.

- ``validate [--entry squall|fastapi] [--profiles P ...] [--keep-running]``: start the entry with
  generated mounts and run every check of validate.sh for its subscribed profiles;
- ``run [PROFILE ...] [--seconds S] [--connections N]``: each profile's request mix against
  Squall's entry and the FastAPI twin, one after the other; results in bench/results;
- ``rehearse [--profiles P ...]``: the Dockerfile's steps without Docker (rehearse.py), then
  ``validate`` against the result.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.httparena.launch import ENTRIES, Setup


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bench.httparena", description=__doc__.splitlines()[0]
    )
    commands = main.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="run validate.sh's checks against an entry")
    validate.add_argument("--entry", choices=sorted(ENTRIES), default="squall")
    validate.add_argument(
        "--profiles", nargs="+", metavar="PROFILE", help="a subset of meta.json's tests"
    )
    validate.add_argument("--keep-running", action="store_true", help="serve on after the checks")
    validate.add_argument(
        "--mounts", type=Path, help="mounts made by python -m bench.httparena.data"
    )
    validate.add_argument("--database-url", help="a seeded PostgreSQL (default: a throwaway one)")
    rehearse = commands.add_parser("rehearse", help="build the image's steps without Docker")
    rehearse.add_argument("--profiles", nargs="+", metavar="PROFILE")
    run = commands.add_parser("run", help="drive each profile's load against both entries")
    run.add_argument("profiles", nargs="*", metavar="PROFILE", help="default: every profile")
    run.add_argument("--seconds", type=float, default=5.0)
    run.add_argument("--connections", type=int, default=None, help="override each profile's")
    run.add_argument("--entries", nargs="+", choices=sorted(ENTRIES), default=["squall", "fastapi"])
    run.add_argument("--server-cpu", default="0")
    run.add_argument("--client-cpu", default="1")
    run.add_argument("--out", default="bench/results")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.command == "validate":
        from bench.httparena.validate import validate

        setup = Setup(mounts=arguments.mounts, database_url=arguments.database_url)
        return validate(arguments.entry, arguments.profiles, arguments.keep_running, setup)
    if arguments.command == "rehearse":
        from bench.httparena.rehearse import rehearse

        return rehearse(arguments.profiles)
    from bench.httparena.run import run_command

    return run_command(arguments)


if __name__ == "__main__":
    sys.exit(main())
