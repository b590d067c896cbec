"""The supervisor: the parent process that keeps the right number of healthy workers.

One loop, woken by signals (a wakeup pipe), worker pipes, process exits and file changes,
or every ``TICK``.  Each pass: act on signals, read heartbeats, reap dead workers, kill
stuck ones, start what is missing, and stop workers marked for replacement once enough
ready workers serve without them.  Nothing is stopped before its replacement is ready.

Signals: SIGINT/SIGTERM/SIGQUIT stop every worker gracefully; SIGHUP restarts them all,
rolling; SIGTTIN/SIGTTOU add/remove a worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from types import FrameType
from typing import Any

from squall.server.config import Config
from squall.server.state import error_logger
from squall.server.supervisor.load_board import LoadBoard
from squall.server.supervisor.options import check_options
from squall.server.supervisor.reload import Reloader
from squall.server.supervisor.sockets import WorkerSockets
from squall.server.supervisor.workers import (
    CONTEXT,
    STOP_MARGIN,
    STUCK_GRACE,
    Backoff,
    Worker,
    send_signal,
    start_fork_server,
    start_worker,
)

TICK = 0.1  # seconds between passes when nothing happens
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
HANDLED = (*STOP_SIGNALS, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU)


def needs_supervisor(config: Config) -> bool:
    """Whether ``config`` asks for a process manager rather than one serving process."""
    return config.workers > 1 or config.reload or config.limit_max_requests is not None


@contextlib.contextmanager
def signals_wake(
    signals: tuple[int, ...], handler: Callable[[int, FrameType | None], None]
) -> Iterator[int]:
    """Install ``handler`` for ``signals``; yield a pipe's read end that a signal makes readable."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    previous_wakeup = signal.set_wakeup_fd(wake_write)
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield wake_read
    finally:
        signal.set_wakeup_fd(previous_wakeup)
        for sig, old in previous.items():
            signal.signal(sig, old)
        os.close(wake_read)
        os.close(wake_write)


def board_slots(workers: int) -> int:
    """Load-board slots: the workers, their replacements during a rolling restart, SIGTTINs."""
    return 2 * workers + 16


def describe_sockets(sockets: WorkerSockets) -> str:
    if sockets.per_worker:
        return "an SO_REUSEPORT socket per worker"
    if sockets.balanced:
        return "one shared socket, balanced by open connections"
    return "one shared socket"


class Supervisor:
    def __init__(self, config: Config) -> None:
        check_options(config)
        self.config = config
        self.target = config.workers
        self.workers: list[Worker] = []
        self.backoff = Backoff()
        self.received: list[int] = []
        self.stopping = False
        self.exit_code = 0
        self.ever_ready = False  # a worker has served: startup failures are no longer fatal
        self.waiting_for_change = False  # --reload: the app failed; start it on the next change
        self.reloader = Reloader(config) if config.reload else None
        self.board: LoadBoard | None = None  # balanced accepting: the workers' open connections

    @property
    def stop_grace(self) -> float | None:
        timeout = self.config.timeout_graceful_shutdown
        return None if timeout is None else timeout + STOP_MARGIN

    def run(self) -> int:
        """Supervise until stopped; the exit code (0 after a graceful stop)."""
        # Signals first: once the socket is bound, clients (and a SIGTERM) may come at once.
        with signals_wake(HANDLED, self._on_signal) as wake_read:
            sockets = WorkerSockets(self.config)
            if sockets.balanced:
                self.board = LoadBoard.create(CONTEXT, board_slots(self.target))
            mode = describe_sockets(sockets)
            error_logger.info("supervisor [%d]: %d worker(s) on %s", os.getpid(), self.target, mode)
            try:
                start_fork_server()
                if self.reloader is not None:
                    self.reloader.start()
                    error_logger.info("watching for changes in %s", ", ".join(self.reloader.dirs))
                self._loop(sockets, wake_read)
            finally:
                self._kill_survivors()  # only an error leaves any: no worker outlives us
                sockets.close()
                if self.reloader is not None:
                    self.reloader.stop()
        error_logger.info("supervisor [%d] stopped", os.getpid())
        return self.exit_code

    def _kill_survivors(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                error_logger.error("killing worker [%d]", worker.pid)
                send_signal(worker.pid, signal.SIGKILL)
                worker.process.join(5)

    def _start_worker(self, sockets: WorkerSockets) -> Worker:
        slot = None
        if self.board is not None:
            slot = self.board.claim(w.slot for w in self.workers if w.slot is not None)
            if slot is None:
                error_logger.warning("no load-board slot left: the new worker accepts unbalanced")
        return start_worker(self.config, sockets, self.board, slot)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self.received.append(sig)

    def _loop(self, sockets: WorkerSockets, wake_read: int) -> None:
        while not (self.stopping and not self.workers):
            self._wait(wake_read)
            now = time.monotonic()
            self._handle_signals(now)
            self._read_pipes(now)
            self._reap(now)
            if not self.stopping:
                self._check_health(now)
                self._reload_on_change()
                self._scale(now, sockets)
                self._stop_replaced(now)
            for worker in self.workers:
                worker.kill_if_due(now)

    def _wait(self, wake_read: int) -> None:
        waitables: list[Any] = [wake_read]
        if self.reloader is not None:
            waitables.append(self.reloader)
        for worker in self.workers:
            waitables.append(worker.process.sentinel)
            if not worker.pipe.closed:
                waitables.append(worker.pipe.connection)
        wait(waitables, TICK)
        with contextlib.suppress(BlockingIOError):
            os.read(wake_read, 512)

    # -- Signals ----------------------------------------------------------------------------

    def _handle_signals(self, now: float) -> None:
        received, self.received = self.received, []
        for sig in received:
            name = signal.Signals(sig).name
            if sig in STOP_SIGNALS:
                if not self.stopping:
                    error_logger.info(
                        "%s: stopping %d worker(s) gracefully", name, len(self.workers)
                    )
                self._stop_all(now)
            elif self.stopping:
                continue
            elif sig == signal.SIGHUP:
                self._replace_all(f"{name}: rolling restart")
            elif sig == signal.SIGTTIN:
                self.target += 1
                error_logger.info("%s: %d worker(s) now", name, self.target)
            elif sig == signal.SIGTTOU and self.target > 1:
                self.target -= 1
                error_logger.info("%s: %d worker(s) now", name, self.target)

    def _stop_all(self, now: float) -> None:
        self.stopping = True
        for worker in self.workers:
            worker.stop(now, self.stop_grace)

    def _replace_all(self, reason: str) -> None:
        serving = [w for w in self.workers if w.serving]
        error_logger.info("%s (%d worker(s))", reason, len(serving))
        for worker in serving:
            worker.replace = True
        self.backoff.reset()

    # -- Worker events ------------------------------------------------------------------------

    def _read_pipes(self, now: float) -> None:
        for worker in self.workers:
            was_ready = worker.ready
            retire = worker.read_pipe(now)
            if worker.ready and not was_ready:
                error_logger.info("worker [%d] ready", worker.pid)
                self.ever_ready = True
                self.waiting_for_change = False
            if retire and worker.serving:
                error_logger.info("worker [%d] reached its request limit: replacing it", worker.pid)
                worker.replace = True

    def _reap(self, now: float) -> None:
        for worker in [w for w in self.workers if w.process.exitcode is not None]:
            self.workers.remove(worker)
            if self.board is not None and worker.slot is not None:
                self.board.clear(worker.slot)  # a killed worker could not clear it itself
            worker.pipe.close()
            worker.process.join()
            if worker.stopping:
                error_logger.info("worker [%d] exited (%s)", worker.pid, worker.describe_exit())
            elif worker.boot_failed:
                self._on_boot_failure(worker, now)
            else:
                error_logger.warning(
                    "worker [%d] died (%s): starting a new one", worker.pid, worker.describe_exit()
                )
                self.backoff.record_crash(now - worker.started_at, now)

    def _on_boot_failure(self, worker: Worker, now: float) -> None:
        if self.reloader is not None:
            error_logger.error("the app failed to start: waiting for a file change to retry")
            self.waiting_for_change = True
        elif not self.ever_ready:
            error_logger.error(
                "worker [%d] could not start the app (see above): stopping", worker.pid
            )
            self.exit_code = 1
            self._stop_all(now)
        else:
            error_logger.error("worker [%d] could not start the app (see above)", worker.pid)
            self.backoff.record_crash(now - worker.started_at, now)

    def _check_health(self, now: float) -> None:
        timeout = self.config.timeout_worker_healthcheck
        for worker in self.workers:
            if worker.beating and not worker.stopping and now - worker.last_beat > timeout:
                error_logger.error(
                    "worker [%d] sent no heartbeat for %.1f s (event loop blocked): replacing it",
                    worker.pid,
                    now - worker.last_beat,
                )
                worker.stop(now, STUCK_GRACE)

    def _reload_on_change(self) -> None:
        if self.reloader is None:
            return
        changed = self.reloader.changes()
        if changed:
            self.waiting_for_change = False
            self._replace_all(f"changes in {', '.join(changed)}: reloading")

    # -- Keeping the count ----------------------------------------------------------------------

    def _scale(self, now: float, sockets: WorkerSockets) -> None:
        serving = [w for w in self.workers if w.serving]
        missing = self.target - len(serving)
        if missing > 0 and not self.waiting_for_change and self.backoff.allows_start(now):
            for _ in range(missing):
                self.workers.append(self._start_worker(sockets))
        for worker in serving[self.target :]:
            error_logger.info("stopping worker [%d]: one fewer worker", worker.pid)
            worker.stop(now, self.stop_grace)

    def _stop_replaced(self, now: float) -> None:
        """Stop workers marked for replacement while ``target`` ready workers still serve."""
        ready = sum(1 for w in self.workers if w.serving and w.ready)
        marked = [w for w in self.workers if w.replace and not w.stopping]
        available = ready + sum(1 for w in marked if w.ready)
        for worker in marked:
            if not worker.ready:
                worker.stop(now, self.stop_grace)
            elif available > self.target:
                available -= 1
                error_logger.info("stopping worker [%d]: its replacement is ready", worker.pid)
                worker.stop(now, self.stop_grace)
