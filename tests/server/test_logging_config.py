"""The access log's atoms and JSON lines, and ``--log-config`` files (JSON, YAML, INI).

The format tests serve in-process and read the ``squall.access`` records; the config-file
tests run the ``squall`` command with a config whose FileHandler writes a file, and read it.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from squall.server.access_log import ATOMS, AccessLogFormat
from squall.server.config import Config, ConfigError
from tests.server import asgi_apps
from tests.server.serving import REPO, cli_command, serve, serve_subprocess, wait_until

APP = "tests.server.asgi_apps:router"


def lines_after(lines: list[str], count: int) -> list[str]:
    wait_until(lambda: len(lines) >= count, f"{count} access log line(s)")
    return lines


def test_the_default_line_has_client_request_status_bytes_and_duration(
    access_lines: list[str],
) -> None:
    with serve(asgi_apps.router, access_log=True) as running, httpx.Client() as client:
        response = client.get(running.url + "/?n=1")
        assert response.content == b"hello"
        (line,) = lines_after(access_lines, 1)
    pattern = r'127\.0\.0\.1:(\d+) - "GET /\?n=1 HTTP/1\.1" 200 5 (\d+\.\d{3})ms'
    match = re.fullmatch(pattern, line)
    assert match, line
    assert 0.0 < float(match.group(2)) < 5000.0


def test_every_atom_renders_in_a_custom_format(access_lines: list[str]) -> None:
    template = (
        "{client_host}|{method}|{path}|{query}|{target}|{http_version}|{scheme}|{status}"
        "|{bytes}|{pid}|{request_header:User-Agent}|{request_header:x-missing}|{{lit}}"
    )
    with (
        serve(asgi_apps.router, access_log=True, access_log_format=template) as running,
        httpx.Client(headers={"user-agent": "probe/1"}) as client,
    ):
        response = client.post(running.url + "/big?70000", content=b"x")  # streamed
        assert len(response.content) == 70000
        (line,) = lines_after(access_lines, 1)
    fields = line.split("|")
    assert fields[:9] == [
        "127.0.0.1",
        "POST",
        "/big",
        "70000",
        "/big?70000",
        "1.1",
        "http",
        "200",
        "70000",
    ]
    assert fields[9].isdigit() and int(fields[9]) > 0
    assert fields[10:] == ["probe/1", "-", "{lit}"]


def test_json_lines_carry_each_atom_typed(access_lines: list[str]) -> None:
    with (
        serve(asgi_apps.router, access_log=True, access_log_json=True) as running,
        httpx.Client() as client,
    ):
        big = client.get(running.url + "/big?5000")
        head = client.head(running.url + "/big?100")
        lines = lines_after(access_lines, 2)
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {
        "time",
        "client",
        "method",
        "path",
        "query",
        "http_version",
        "status",
        "bytes",
        "duration_ms",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert re.fullmatch(r"127\.0\.0\.1:\d+", first["client"])
    assert first["method"] == "GET"
    assert first["path"] == "/big"
    assert first["query"] == "5000"
    assert first["http_version"] == "1.1"
    assert first["status"] == 200
    assert first["bytes"] == len(big.content)
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] > 0
    assert head.status_code == 200
    assert (second["method"], second["path"], second["status"]) == ("HEAD", "/big", 200)
    assert second["bytes"] == 0  # HEAD: the app's body is not sent


def test_json_keys_follow_a_given_format() -> None:
    line = AccessLogFormat("{status} {request_header:X-Id} text", json_lines=True)
    assert [key for key, _ in line.atoms] == ["status", "request_header.x-id"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{nope}", "unknown access log atom {nope}"),
        ("{status:>5}", "unknown access log atom {status:>5}"),
        ("{request_header}", "needs a header NAME"),
        ("{status!r}", "take no !r"),
        ("{status", "bad access log format"),
    ],
)
def test_a_bad_format_is_refused_at_start_up(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config(app=APP, access_log_format=template)


def test_the_command_line_names_the_unknown_atom_and_exits_1() -> None:
    result = subprocess.run(
        cli_command(APP, "--access-log-format", "{client} {bogus}"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "unknown access log atom {bogus}" in result.stderr
    assert "{duration_ms}" in result.stderr  # the known atoms are listed


def test_every_atom_is_documented_in_the_help() -> None:
    result = subprocess.run(
        cli_command("--help"), cwd=REPO, capture_output=True, text=True, timeout=30
    )
    for atom in ATOMS:
        assert f"{{{atom}}}" in result.stdout, atom


# -- --log-config -----------------------------------------------------------------------------

JSON_CONFIG = """{
  "version": 1,
  "formatters": {"plain": {"format": "%(name)s %(levelname)s %(message)s"}},
  "handlers": {"file": {"class": "logging.FileHandler", "filename": "LOGFILE",
                        "formatter": "plain"}},
  "loggers": {"squall": {"handlers": ["file"], "level": "INFO", "propagate": false}}
}
"""

YAML_CONFIG = """
version: 1
formatters:
  plain: {format: "%(name)s %(levelname)s %(message)s"}
handlers:
  file: {class: logging.FileHandler, filename: LOGFILE, formatter: plain}
loggers:
  squall: {handlers: [file], level: INFO, propagate: false}
"""

INI_CONFIG = """
[loggers]
keys=root,squall

[handlers]
keys=file

[formatters]
keys=plain

[logger_root]
level=WARNING
handlers=

[logger_squall]
level=INFO
handlers=file
propagate=0
qualname=squall

[handler_file]
class=FileHandler
args=('LOGFILE',)
formatter=plain

[formatter_plain]
format=%(name)s %(levelname)s %(message)s
"""


def write_config(tmp_path: Path, name: str, text: str) -> tuple[Path, Path]:
    log_file = tmp_path / "squall.log"
    config = tmp_path / name
    config.write_text(text.replace("LOGFILE", str(log_file)))
    return config, log_file


def log_text(log_file: Path, needle: str) -> str:
    wait_until(
        lambda: log_file.exists() and needle in log_file.read_text(), f"{needle!r} in the log"
    )
    return log_file.read_text()


@pytest.mark.parametrize(
    ("name", "text"),
    [("log.json", JSON_CONFIG), ("log.yaml", YAML_CONFIG), ("log.ini", INI_CONFIG)],
)
def test_a_log_config_file_routes_squall_logs_to_its_handlers(
    tmp_path: Path, name: str, text: str
) -> None:
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    config, log_file = write_config(tmp_path, name, text)
    with serve_subprocess(APP, "--log-config", str(config)) as (proc, port):
        assert httpx.get(f"http://127.0.0.1:{port}/?via={name}").status_code == 200
        text_now = log_text(log_file, f"GET /?via={name}")
    assert "squall.error INFO Squall running on http://127.0.0.1:" in text_now
    assert re.search(rf'squall\.access INFO 127\.0\.0\.1:\d+ - "GET /\?via={name}', text_now)
    assert proc.stdout is not None


def test_log_level_still_applies_over_a_log_config(tmp_path: Path) -> None:
    config, log_file = write_config(tmp_path, "log.json", JSON_CONFIG)
    args = ("--log-config", str(config), "--log-level", "warning")
    with serve_subprocess(APP, *args) as (_, port):
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    assert not log_file.exists() or "INFO" not in log_file.read_text()


def test_no_access_log_silences_access_over_a_log_config(tmp_path: Path) -> None:
    config, log_file = write_config(tmp_path, "log.json", JSON_CONFIG)
    args = ("--log-config", str(config), "--no-access-log")
    with serve_subprocess(APP, *args) as (_, port):
        assert httpx.get(f"http://127.0.0.1:{port}/?quiet").status_code == 200
        text = log_text(log_file, "Squall running on")
        assert httpx.get(f"http://127.0.0.1:{port}/?second").status_code == 200
    assert "squall.access" not in log_file.read_text(), text


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing.json", None, "no such file"),
        ("bad.json", "{not json", "--log-config"),
        ("list.json", "[1, 2]", "expected a mapping"),
        ("bad.ini", "[loggers]\nkeys=nothing\n", "--log-config"),
    ],
)
def test_a_broken_log_config_is_a_clear_error(
    tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    result = subprocess.run(
        cli_command(APP, "--log-config", str(path)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "squall: error:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def read_line_starting(proc: subprocess.Popen[bytes], prefix: str, limit: float = 10.0) -> str:
    """The process's next output line that starts with ``prefix``; TimeoutError if none comes."""
    assert proc.stdout is not None
    deadline = time.monotonic() + limit
    buffer = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            buffer += os.read(proc.stdout.fileno(), 65536)
        for line in buffer.decode(errors="replace").splitlines():
            if line.startswith(prefix):
                return line
    raise TimeoutError(f"no line starting with {prefix!r} within {limit} s: {buffer!r}")


def test_json_access_lines_on_stderr_are_bare_json_objects() -> None:
    with serve_subprocess(APP, "--access-log-json") as (proc, port):
        assert httpx.get(f"http://127.0.0.1:{port}/?j=1").status_code == 200
        line = read_line_starting(proc, "{")
    record = json.loads(line)
    assert (record["method"], record["path"], record["query"], record["status"]) == (
        "GET",
        "/",
        "j=1",
        200,
    )
