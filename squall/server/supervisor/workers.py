"""Starting, watching and stopping worker processes, and the crash-loop backoff."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import random
import signal
import time
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.process import BaseProcess

from squall.server.config import Config
from squall.server.state import error_logger
from squall.server.supervisor.heartbeat import (
    BEAT,
    READY,
    RETIRE,
    HeartbeatReceiver,
    beat_interval,
)
from squall.server.supervisor.load_board import LoadBoard
from squall.server.supervisor.sockets import WorkerSockets
from squall.server.supervisor.worker_process import BOOT_FAILED, WorkerOptions, run_worker

# Workers fork from a fork server: a fresh interpreter (started like 'spawn', so it shares no
# threads or loop with the supervisor) that imported squall once.  A new worker then starts
# in milliseconds instead of re-importing everything, which a 1 s replacement needs.
CONTEXT = multiprocessing.get_context("forkserver")
PRELOAD = ["squall.server.supervisor.worker_process"]
STOP_MARGIN = 5.0  # seconds past the graceful-shutdown timeout before a SIGKILL
STUCK_GRACE = 1.0  # seconds a stuck worker gets between SIGTERM and SIGKILL


@dataclass(eq=False)
class Worker:
    """One worker process as the supervisor sees it."""

    process: BaseProcess
    pipe: HeartbeatReceiver
    started_at: float
    last_beat: float
    ready: bool = False
    beating: bool = False  # its event loop runs: from now on it must keep beating
    replace: bool = False  # to be stopped once a replacement is ready
    stopping: bool = False  # told to stop (SIGTERM sent)
    kill_at: float | None = None  # when to SIGKILL if still alive
    slot: int | None = None  # its slot on the load board (balanced accepting)

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    @property
    def serving(self) -> bool:
        """Counts towards the target number of workers."""
        return not (self.replace or self.stopping)

    def read_pipe(self, now: float) -> bool:
        """Take the worker's messages; True if it asked to be retired."""
        retire = False
        for message in self.pipe.receive():
            self.beating = True
            if message == READY:
                self.ready = True
                self.last_beat = now
            elif message == BEAT:
                self.last_beat = now
            elif message == RETIRE:
                retire = True
        return retire

    def stop(self, now: float, grace: float | None) -> None:
        """SIGTERM now (a graceful stop), SIGKILL after ``grace`` seconds if still alive."""
        if not self.stopping:
            self.stopping = True
            send_signal(self.pid, signal.SIGTERM)
        if grace is not None:
            kill_at = now + grace
            self.kill_at = kill_at if self.kill_at is None else min(self.kill_at, kill_at)

    def kill_if_due(self, now: float) -> None:
        if self.kill_at is not None and now >= self.kill_at and self.process.is_alive():
            error_logger.warning("worker [%d] did not stop in time: killing it", self.pid)
            send_signal(self.pid, signal.SIGKILL)
            self.kill_at = None

    def describe_exit(self) -> str:
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"

    @property
    def boot_failed(self) -> bool:
        return not self.ready and self.process.exitcode == BOOT_FAILED


def send_signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone: its sentinel says so
        os.kill(pid, sig)


def start_fork_server() -> None:
    CONTEXT.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


def start_worker(
    config: Config, sockets: WorkerSockets, board: LoadBoard | None, slot: int | None
) -> Worker:
    """Start a worker process serving ``config``'s app on the supervisor's sockets.

    With a ``board`` and a ``slot`` the worker accepts in turns with the others (balanced);
    without a slot (all taken) it accepts like a plain shared-socket worker.
    """
    reader, writer = CONTEXT.Pipe(duplex=False)
    quota = config.limit_max_requests
    if quota is not None and config.max_requests_jitter:
        quota = max(
            1, quota + random.randint(-config.max_requests_jitter, config.max_requests_jitter)
        )
    options = WorkerOptions(
        beat_interval=beat_interval(config.timeout_worker_healthcheck),
        max_requests=quota,
        board=board if slot is not None else None,
        slot=slot or 0,
    )
    # The supervisor owns the bound sockets: the worker must not unlink a Unix socket path.
    worker_config = dataclasses.replace(config, uds=None, fd=None)
    given = sockets.for_new_worker()
    process = CONTEXT.Process(
        target=run_worker, args=(worker_config, given, writer, options), name="squall-worker"
    )
    process.start()
    writer.close()
    sockets.after_start(given)
    now = time.monotonic()
    error_logger.info("started worker [%d]", process.pid)
    return Worker(process, HeartbeatReceiver(reader), started_at=now, last_beat=now, slot=slot)


@dataclass
class Backoff:
    """Delays the replacement of crashing workers: none for one crash, then doubling, capped."""

    base: float = 0.1
    cap: float = 10.0
    stable_after: float = 10.0  # a worker that lived this long ends the streak
    streak: int = 0
    not_before: float = 0.0

    def record_crash(self, lifetime: float, now: float) -> None:
        self.streak = 1 if lifetime >= self.stable_after else self.streak + 1
        delay = self.delay()
        self.not_before = now + delay
        if delay:
            error_logger.warning(
                "workers keep crashing (%d in a row): next start in %.1f s", self.streak, delay
            )

    def delay(self) -> float:
        if self.streak <= 1:
            return 0.0
        return float(min(self.cap, self.base * 2 ** (self.streak - 1)))

    def reset(self) -> None:
        self.streak = 0
        self.not_before = 0.0

    def allows_start(self, now: float) -> bool:
        return now >= self.not_before
