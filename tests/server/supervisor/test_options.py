"""The process manager's flags: parsing, defaults, and which runs need a supervisor."""

from __future__ import annotations

import os

import pytest

from squall.server.cli import build_parser, config_from_args
from squall.server.config import ConfigError
from squall.server.supervisor import Supervisor, needs_supervisor


def test_workers_auto_is_the_cpus_this_process_may_use() -> None:
    config = config_from_args(build_parser().parse_args(["app:app", "--workers", "auto"]))
    assert config.workers == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_worker_counts_are_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["app:app", "--workers", value])
    assert "--workers" in capsys.readouterr().err


def test_defaults_and_repeatable_reload_flags() -> None:
    args = ["app:app", "--reload", "--reload-dir", "a", "--reload-dir", "b"]
    config = config_from_args(build_parser().parse_args([*args, "--reload-exclude", "x*"]))
    assert config.reload_dirs == ["a", "b"]
    assert config.reload_includes == ["*.py"]
    assert config.reload_excludes == ["x*"]
    assert config.reuse_port is False
    assert config.balance is True
    assert config.timeout_worker_healthcheck == 30.0


def test_only_workers_reload_or_a_request_limit_start_a_supervisor() -> None:
    parse = build_parser().parse_args
    assert not needs_supervisor(config_from_args(parse(["app:app"])))
    assert not needs_supervisor(config_from_args(parse(["app:app", "--workers", "1"])))
    assert needs_supervisor(config_from_args(parse(["app:app", "--workers", "2"])))
    assert needs_supervisor(config_from_args(parse(["app:app", "--reload"])))
    assert needs_supervisor(config_from_args(parse(["app:app", "--limit-max-requests", "9"])))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--limit-max-requests", "0"], "--limit-max-requests must be at least 1"),
        (["--workers", "2", "--max-requests-jitter", "-1"], "cannot be negative"),
        (["--workers", "2", "--timeout-worker-healthcheck", "0"], "must be positive"),
    ],
)
def test_unusable_values_are_config_errors(flags: list[str], message: str) -> None:
    config = config_from_args(build_parser().parse_args(["app:app", *flags]))
    with pytest.raises(ConfigError, match=message):
        Supervisor(config)
