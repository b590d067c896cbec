"""``python -m bench.fuzz``: a coverage-guided fuzzing campaign against HTTP/1.1's data_received.

    python -m bench.fuzz --minutes 15          # a long run (Python source: coverage-guided)
    python -m bench.fuzz --runs 20000 --seed 1 # a bounded, repeatable run (what CI does)
    python -m bench.fuzz --seconds 60 --compiled   # against the mypyc build: crash-only
    python -m bench.fuzz --replay bench/results/fuzz/crash-1234abcd   # one input again

The campaign runs ``bench.fuzz.worker`` (atheris/libFuzzer) in a child process with the seed
corpus (bench/fuzz/corpus/) and the HTTP dictionary (bench/fuzz/http.dict), keeps the inputs
that reach new code in ``OUT/corpus/`` (so the next campaign starts where this one stopped),
and writes each input that fails the target's checks (target.py) to ``OUT/`` as libFuzzer's
``crash-*``/``timeout-*``/``oom-*`` file plus its decoded plan (``.json``: the form a
regression case in tests/server/fuzz_regressions/ takes).  It prints the executions, the
coverage and the findings, and exits 1 if there were any.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parents[2]
HERE: Final = Path(__file__).resolve().parent
SEEDS: Final = HERE / "corpus"
DICTIONARY: Final = HERE / "http.dict"
DEFAULT_OUT: Final = REPO / "bench" / "results" / "fuzz"
ARTIFACT_KINDS: Final = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")
PROGRESS: Final = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
PROGRESS_EVERY: Final = 30.0  # seconds between the progress lines echoed
BUILD: Final = re.compile(r"^INFO: squall hot path: (\w+)")
STAT: Final = re.compile(r"^stat::(\w+):\s+(\d+)")


@dataclass
class Campaign:
    """What the worker reported: the last progress line, the final stats, the findings."""

    executions: int = 0
    coverage: int = 0
    features: int = 0
    corpus: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    findings: list[Path] = field(default_factory=list)
    exit_code: int = 0
    seconds: float = 0.0
    build: str = "unknown"  # the hot path the worker ran: "compiled", "disabled" (source)...

    def read_line(self, line: str) -> None:
        build = BUILD.match(line)
        if build:
            self.build = build.group(1)
        progress = PROGRESS.match(line)
        if progress:
            self.executions = int(progress.group(1))
            self.coverage, self.features, self.corpus = map(int, progress.group(3, 4, 5))
        stat = STAT.match(line)
        if stat:
            self.stats[stat.group(1)] = int(stat.group(2))
            if stat.group(1) == "number_of_executed_units":
                self.executions = int(stat.group(2))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.split("\n")[0]
    )
    bound = parser.add_mutually_exclusive_group()
    bound.add_argument("--minutes", type=float, help="run this many minutes")
    bound.add_argument("--seconds", type=float, help="run this many seconds (default: 60)")
    bound.add_argument("--runs", type=int, help="run this many inputs (seed corpus included)")
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="fuzz the mypyc-compiled hot path (crash-only: no coverage inside it); "
        "default: its Python source (SQUALL_NO_COMPILE=1), coverage-guided",
    )
    parser.add_argument("--seed", type=int, default=0, help="libFuzzer's random seed (0: random)")
    parser.add_argument("--max-len", type=int, default=4096, help="longest input, in bytes")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=1024, help="memory limit of the run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where findings go")
    parser.add_argument(
        "--replay",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="run these inputs (raw or .json plans) once",
    )
    return parser.parse_args(argv)


def worker_command(args: argparse.Namespace) -> list[str]:
    corpus = args.out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    flags = [
        f"-dict={DICTIONARY}",
        f"-artifact_prefix={args.out}/",
        f"-max_len={args.max_len}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_limit_mb}",
        f"-seed={args.seed}",
        "-print_final_stats=1",
    ]
    if args.runs is not None:
        flags.append(f"-runs={args.runs}")
    else:
        seconds = args.minutes * 60 if args.minutes is not None else (args.seconds or 60)
        flags.append(f"-max_total_time={max(1, round(seconds))}")
    return [sys.executable, "-m", "bench.fuzz.worker", *flags, str(corpus), str(SEEDS)]


def run_campaign(args: argparse.Namespace) -> Campaign:
    env = dict(os.environ)
    if args.compiled:
        env.pop("SQUALL_NO_COMPILE", None)
    else:
        env["SQUALL_NO_COMPILE"] = "1"
    args.out.mkdir(parents=True, exist_ok=True)
    before = set(_artifacts(args.out))
    campaign = Campaign()
    started = time.monotonic()
    with (args.out / "last-run.log").open("w") as log:
        worker = subprocess.Popen(
            worker_command(args),
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        assert worker.stderr is not None
        shown = 0.0
        for line in worker.stderr:
            log.write(line)
            campaign.read_line(line)
            now = time.monotonic()
            if now - shown > PROGRESS_EVERY and PROGRESS.match(line):
                shown = now
                print(line.rstrip(), flush=True)
        campaign.exit_code = worker.wait()
    campaign.seconds = time.monotonic() - started
    campaign.findings = sorted(set(_artifacts(args.out)) - before)
    for finding in campaign.findings:
        _save_plan(finding)
    return campaign


def _artifacts(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.startswith(ARTIFACT_KINDS) and p.suffix != ".json"]


def _save_plan(finding: Path) -> None:
    """Write the finding's decoded plan next to it: the readable form of a regression case."""
    from bench.fuzz.plan import decode

    finding.with_name(finding.name + ".json").write_text(decode(finding.read_bytes()).dumps())


def report(campaign: Campaign, args: argparse.Namespace) -> None:
    kind = "compiled hot path (crash-only)" if args.compiled else "Python source (coverage-guided)"
    build = f"{kind}, build: {campaign.build}"
    rate = campaign.executions / campaign.seconds if campaign.seconds else 0.0
    seconds = campaign.seconds
    print(f"fuzzing:    {campaign.executions} inputs in {seconds:.1f} s ({rate:.0f}/s), {build}")
    print(
        f"coverage:   {campaign.coverage} edges, {campaign.features} features, "
        f"corpus {campaign.corpus} inputs (new: {campaign.stats.get('new_units_added', 0)})"
    )
    print(f"peak RSS:   {campaign.stats.get('peak_rss_mb', 0)} MB")
    if not campaign.findings:
        print(f"findings:   none (worker exit {campaign.exit_code})")
    for finding in campaign.findings:
        print(f"finding:    {finding} (plan: {finding.name}.json)")
    print(f"log:        {args.out / 'last-run.log'}")


def replay(paths: list[Path]) -> int:
    from bench.fuzz.plan import Plan, decode
    from bench.fuzz.target import Finding, run_plan

    failures = 0
    for path in paths:
        data = path.read_bytes()
        plan = Plan.from_json(json.loads(data)) if path.suffix == ".json" else decode(data)
        try:
            written = run_plan(plan)
        except Finding as exc:
            failures += 1
            print(f"{path}: FINDING {exc}")
            continue
        print(f"{path}: ok, {len(written)} bytes written")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.replay:
        return replay(args.replay)
    campaign = run_campaign(args)
    report(campaign, args)
    if args.compiled and campaign.build != "compiled":
        print(f"--compiled: the hot path is not compiled ({campaign.build}): pip install -e .")
        return 1
    return 1 if campaign.findings or campaign.exit_code else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
