"""Rolling restarts (SIGHUP), graceful stop (SIGTERM) and request-count recycling."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.server.serving import join_all, wait_until
from tests.server.supervisor.running import pids_answering, supervised, wrk_running


# The shared-socket modes only: with --reuse-port each old worker's socket leaves the group
# when it closes, and the kernel resets a connection that was queued on it at that instant
# (unless net.ipv4.tcp_migrate_req=1): README, "Workers and reload".
@pytest.mark.parametrize("sockets", ["--balance", "--no-balance"])
def test_sighup_under_load_restarts_every_worker_without_a_failed_request(
    tmp_path: Path, sockets: str
) -> None:
    with supervised(tmp_path, "--workers", "2", sockets, ready=2) as running:
        old = set(running.started_pids())
        with wrk_running(running.url, seconds=3) as wrk:
            running.proc.send_signal(signal.SIGHUP)
            wait_until(lambda: len(running.ready_pids()) == 4, "two new ready workers", 10)
            wait_until(lambda: old <= set(running.exited_pids()), "the old workers to exit", 10)
            result = wrk.result()
        assert result.requests > 0
        assert result.socket_errors == 0, result.output
        assert result.non_2xx == 0, result.output
        new = running.live_pids()
        assert len(new) == 2 and not new & old
        assert pids_answering(running, new) == new


def test_sighup_with_reuse_port_restarts_every_worker_with_no_error_response(
    tmp_path: Path,
) -> None:
    with supervised(tmp_path, "--workers", "2", "--reuse-port", ready=2) as running:
        old = set(running.started_pids())
        with wrk_running(running.url, seconds=3) as wrk:
            running.proc.send_signal(signal.SIGHUP)
            wait_until(lambda: len(running.ready_pids()) == 4, "two new ready workers", 10)
            wait_until(lambda: old <= set(running.exited_pids()), "the old workers to exit", 10)
            result = wrk.result()
        assert result.requests > 0
        assert result.non_2xx == 0, result.output  # a reset connection, never a wrong answer
        new = running.live_pids()
        assert len(new) == 2 and not new & old
        assert pids_answering(running, new) == new


def test_sigterm_lets_slow_requests_finish_and_exits_0(tmp_path: Path) -> None:
    with supervised(tmp_path, "--workers", "2", ready=2) as running:
        statuses: list[int] = []

        def slow_request() -> None:
            with (
                httpx.Client(timeout=10) as client,
                client.stream("GET", running.url + "/slow") as response,
            ):
                response.read()
                statuses.append(response.status_code)

        # The head arrives only after the 1 s sleep; wait for the connections instead.
        threads = [threading.Thread(target=slow_request) for _ in range(6)]
        for thread in threads:
            thread.start()
        wait_until(lambda: connections_to(running.port) >= 6, "6 open connections", 5)
        running.proc.send_signal(signal.SIGTERM)
        join_all(threads, limit=10)
        assert running.proc.wait(10) == 0
        assert statuses == [200] * 6
        assert "SIGTERM: stopping 2 worker(s) gracefully" in running.log()


def connections_to(port: int) -> int:
    """Established TCP connections to ``port`` on the loopback (from /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            count += 1
    return count


def test_a_worker_retires_after_its_request_quota(tmp_path: Path) -> None:
    args = ("--workers", "1", "--limit-max-requests", "40", "--max-requests-jitter", "5")
    with supervised(tmp_path, *args) as running:
        (first,) = running.ready_pids()
        served_by_first = 0
        with httpx.Client(timeout=5) as client:
            while True:  # ends when the pid changes; the log wait below bounds the time
                response = client.get(running.url)
                assert response.status_code == 200
                if int(response.text) != first:
                    break
                served_by_first += 1
                assert served_by_first < 20_000, "the worker never retired"
        assert served_by_first >= 35
        assert "reached its request limit: replacing it" in running.log()
        running.wait_log(rf"worker \[{first}\] exited \(exit code 0\)")
