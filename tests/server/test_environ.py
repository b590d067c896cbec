"""``SQUALL_<FLAG>`` environment variables and ``--env-file``: names, values, precedence.

The parser tests feed ``parse_with_environment`` a dict as the environment; the process tests
run the ``squall`` command with the variables set and talk to it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall.server.cli import build_parser, config_from_args
from squall.server.environ import (
    EnvFileError,
    configurable,
    env_name,
    parse_env_file,
    parse_with_environment,
)
from tests.server.serving import REPO, TEST_LOOP, bound_socket, wait_for_port

APP = "tests.server.test_environ:environment_app"


async def environment_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the value of the variable named by the path (``/NAME``)."""
    if scope["type"] != "http":
        return
    value = os.environ.get(scope["path"].lstrip("/"), "<unset>").encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": value})


def parse(argv: list[str], environ: dict[str, str]) -> argparse.Namespace:
    return parse_with_environment(build_parser(), argv, environ)


def test_every_flag_has_a_squall_variable() -> None:
    names = {env_name(action) for action in configurable(build_parser())}
    for expected in (
        "SQUALL_APP",
        "SQUALL_PORT",
        "SQUALL_ACCESS_LOG",
        "SQUALL_TIMEOUT_KEEP_ALIVE",
        "SQUALL_HEADER",
        "SQUALL_LOG_CONFIG",
        "SQUALL_ENV_FILE",
    ):
        assert expected in names
    help_text = " ".join(build_parser().format_help().split())
    assert "[env SQUALL_TIMEOUT_GRACEFUL_SHUTDOWN]" in help_text


def test_values_are_converted_and_checked_as_on_the_command_line() -> None:
    args = parse(
        ["app:x"],
        {
            "SQUALL_PORT": "9000",
            "SQUALL_ACCESS_LOG": "false",
            "SQUALL_FACTORY": "yes",
            "SQUALL_MAX_BODY_SIZE": "10m",
            "SQUALL_LOOP": "asyncio",
            "SQUALL_TIMEOUT_KEEP_ALIVE": "2.5",
        },
    )
    config = config_from_args(args)
    assert (config.port, config.access_log, config.factory) == (9000, False, True)
    assert (config.max_body_size, config.loop, config.timeout_keep_alive) == (
        10 * 1024**2,
        "asyncio",
        2.5,
    )


def test_the_app_can_come_from_the_environment() -> None:
    assert parse([], {"SQUALL_APP": "pkg.mod:app"}).app == "pkg.mod:app"
    assert parse(["other:app"], {"SQUALL_APP": "pkg.mod:app"}).app == "other:app"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SQUALL_PORT", "eighty", "SQUALL_PORT='eighty'"),
        ("SQUALL_LOOP", "trio", "invalid choice 'trio'"),
        ("SQUALL_ACCESS_LOG", "maybe", "expected true or false"),
        ("SQUALL_HEADER", '["x-a: 1", 2]', "JSON list of strings"),
    ],
)
def test_a_bad_value_names_the_variable(
    name: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(["app:x"], {name: value})
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_line_wins_over_the_environment() -> None:
    environ = {"SQUALL_PORT": "9000", "SQUALL_ACCESS_LOG": "false"}
    args = parse(["app:x", "--port", "9100", "--access-log"], environ)
    assert (args.port, args.access_log) == (9100, True)


def test_a_repeatable_flag_takes_a_json_list_and_the_command_line_replaces_it() -> None:
    environ = {"SQUALL_HEADER": '["x-a: 1", "x-b: two, three"]'}
    assert parse(["app:x"], environ).headers == [("x-a", "1"), ("x-b", "two, three")]
    assert parse(["app:x"], {"SQUALL_HEADER": "x-c: 3"}).headers == [("x-c", "3")]
    replaced = parse(["app:x", "--header", "x-d: 4"], environ).headers
    assert replaced == [("x-d", "4")]


def test_env_file_syntax() -> None:
    text = "\n".join(
        [
            "# a comment",
            "",
            "PLAIN=value with spaces  # trailing comment",
            "export EXPORTED=1",
            "SINGLE='kept \\n as is # not a comment'",
            'DOUBLE="line\\nbreak \\"quoted\\""',
            "EMPTY=",
            "HASH=a#b",
        ]
    )
    assert parse_env_file(text) == {
        "PLAIN": "value with spaces",
        "EXPORTED": "1",
        "SINGLE": "kept \\n as is # not a comment",
        "DOUBLE": 'line\nbreak "quoted"',
        "EMPTY": "",
        "HASH": "a#b",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [("JUST A LINE", "line 1: expected KEY=VALUE"), ("\nA='open", "line 2: no closing '")],
)
def test_env_file_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(EnvFileError, match=message):
        parse_env_file(text)


def test_precedence_command_line_then_environment_then_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "squall.env"
    env_file.write_text("SQUALL_PORT=7000\nSQUALL_BACKLOG=77\nSQUALL_ROOT_PATH=/file\nAPP_X=1\n")
    environ = {"SQUALL_BACKLOG": "88", "SQUALL_ENV_FILE": str(env_file)}
    args = parse(["app:x", "--root-path", "/cli"], environ)
    assert (args.port, args.backlog, args.root_path) == (7000, 88, "/cli")
    assert environ["APP_X"] == "1" and environ["SQUALL_BACKLOG"] == "88"
    assert parse(["app:x", "--env-file", str(env_file)], {}).port == 7000


def test_a_missing_env_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse(["app:x", "--env-file", str(tmp_path / "nope.env")], {})
    assert "--env-file" in capsys.readouterr().err


def free_port() -> int:
    sock = bound_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def run_squall(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SQUALL_")}
    clean["SQUALL_TEST_LOOP"] = TEST_LOOP
    return subprocess.Popen(
        [sys.executable, "-m", "squall", *argv],
        cwd=REPO,
        env={**clean, "SQUALL_LOOP": TEST_LOOP, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    if proc.stdout:
        proc.stdout.close()


def test_a_server_configured_only_by_variables_serves(tmp_path: Path) -> None:
    port = free_port()
    proc = run_squall(
        [], {"SQUALL_APP": APP, "SQUALL_PORT": str(port), "SQUALL_HEADER": '["x-env: yes"]'}
    )
    try:
        wait_for_port(port, proc)
        response = httpx.get(f"http://127.0.0.1:{port}/SQUALL_PORT")
        assert response.text == str(port)
        assert response.headers["x-env"] == "yes"
    finally:
        stop(proc)


def test_the_env_file_configures_the_server_and_reaches_the_app(tmp_path: Path) -> None:
    port = free_port()
    env_file = tmp_path / ".env"
    env_file.write_text(f'SQUALL_PORT={port}\nDATABASE_URL="postgres://db/app"\nSECRET=fromfile\n')
    proc = run_squall([APP, "--env-file", str(env_file)], {"SECRET": "from-environment"})
    try:
        wait_for_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/DATABASE_URL").text == "postgres://db/app"
        assert httpx.get(base + "/SECRET").text == "from-environment"  # set variables win
    finally:
        stop(proc)
