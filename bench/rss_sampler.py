"""A server's resident memory sampled at a fixed interval on a thread, labelled by phase."""

from __future__ import annotations

import threading
import time

from bench.soak_report import Sample
from bench.ws_runner import rss_kib


class RssSampler:
    """Samples ``pid``'s process-tree RSS every ``interval`` seconds between start and stop,
    one sample on starting and one on stopping; ``phase`` labels the samples taken after it
    is set."""

    def __init__(self, pid: int, interval: float) -> None:
        self.pid = pid
        self.interval = interval
        self.phase = "keep-alive"
        self.samples: list[Sample] = []
        self._started = time.monotonic()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> None:
        seconds = time.monotonic() - self._started
        self.samples.append(Sample(seconds, self.phase, rss_kib(self.pid)))

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self._started = time.monotonic()
        self.sample()
        self._thread.start()

    def stop(self) -> list[Sample]:
        self._stopping.set()
        self._thread.join()
        self.sample()
        return self.samples
