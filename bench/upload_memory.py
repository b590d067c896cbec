"""``python -m bench.upload_memory``: the server's memory while it receives one large upload.

Starts ``squall bench.apps.squall_uploads:app`` in a subprocess (``--max-body-size 0``: the
server's default refuses bodies past 64 MiB), sends
a small upload to warm it up, then one of ``--size`` MiB (1 GiB by default) as an
``UploadFile`` form, sampling the server's RSS every 20 ms; prints the baseline, the peak and
the growth.  The file goes to a spooled temporary file on disk, so the growth should stay a
few MiB whatever the size.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.rss_sampler import RssSampler
from bench.runner import Options, exit_reason, free_port, running
from bench.upload_client import answered_right, upload
from bench.upload_stream import MIB, PROFILE, UPLOAD_ENTRIES, WARM_UP_SIZE
from bench.ws_runner import rss_kib, wait_for_port


@dataclass(frozen=True)
class UploadMemory:
    size: int  # bytes uploaded
    seconds: float
    baseline_kib: int  # after the warm-up upload
    peak_kib: int  # during the measured upload (at most: VmHWM counts the warm-up too)
    answered: bool  # the server answered 200 with the right size

    @property
    def growth_kib(self) -> int:
        return self.peak_kib - self.baseline_kib

    @property
    def megabytes_per_second(self) -> float:
        return self.size / self.seconds / 1e6

    def summary(self) -> str:
        answer = "right" if self.answered else "WRONG"
        return (
            f"upload of {self.size / MIB:,.0f} MiB: {self.seconds:.2f} s "
            f"({self.megabytes_per_second:,.0f} MB/s), answered {answer}\n"
            f"server RSS: baseline {self.baseline_kib / 1024:,.1f} MiB, "
            f"peak {self.peak_kib / 1024:,.1f} MiB, growth {self.growth_kib / 1024:,.1f} MiB"
        )


def high_water_kib(pid: int) -> int:
    """The process's peak resident memory since it started (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(size: int, python: str = sys.executable) -> UploadMemory:
    port = free_port()
    options = Options(python, server_cpu=None, client_cpu=None)
    with running(UPLOAD_ENTRIES[0], options, port, PROFILE) as proc:
        if not wait_for_port(port, proc):
            raise RuntimeError(f"the server did not start: {exit_reason(proc)}")
        warm = upload("127.0.0.1", port, WARM_UP_SIZE)
        if not answered_right(warm, WARM_UP_SIZE):
            raise RuntimeError(f"the warm-up upload got {warm}")
        baseline = rss_kib(proc.pid)
        sampler = RssSampler(proc.pid, 0.02)
        sampler.start()
        try:
            sent = upload("127.0.0.1", port, size)
        finally:
            samples = sampler.stop()
        # The sampled peak, or the kernel's high-water mark if higher (it may date from the
        # warm-up: an upper bound, then).
        peak = max(high_water_kib(proc.pid), *(sample.rss_kib for sample in samples))
    return UploadMemory(size, sent.seconds, baseline, peak, answered_right(sent, size))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.upload_memory", description=__doc__)
    p.add_argument("--size", type=int, default=1024, help="MiB to upload (default 1024)")
    p.add_argument("--python", default=sys.executable, help="interpreter running the server")
    args = p.parse_args(argv)
    result = measure(args.size * MIB, args.python)
    print(result.summary())
    return 0 if result.answered else 1


if __name__ == "__main__":
    sys.exit(main())
