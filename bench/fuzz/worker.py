"""The atheris process: ``python -m bench.fuzz.worker [libFuzzer flags and corpus dirs]``.

Started by ``python -m bench.fuzz`` (``__main__.py``), which picks the flags, reads the
statistics libFuzzer prints and collects what it finds.  Run on its own it is a plain
libFuzzer binary: ``-help=1`` lists the flags.

Coverage guidance needs Python source: with ``SQUALL_NO_COMPILE=1`` (the default mode of
``python -m bench.fuzz``) the hot path's modules load from source and are instrumented like
the rest of ``squall``.  With the mypyc build (``--compiled``) the hot path is a native
extension atheris cannot see into: the run still finds crashes, hangs and broken responses
there, guided only by the coverage of the modules that stay in Python.
"""

from __future__ import annotations

import importlib
import sys


def main(argv: list[str]) -> None:
    import atheris  # type: ignore[import-untyped]

    with atheris.instrument_imports(include=["squall", "bench.fuzz"]):
        build = importlib.import_module("squall.server.compiled")  # from source: adds a finder
        sys.stderr.write(f"INFO: squall hot path: {build.STATE}\n")

        _atheris_finder_first()
        from bench.fuzz.plan import decode
        from bench.fuzz.target import run_plan

    def test_one_input(data: bytes) -> None:
        run_plan(decode(data))

    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


def _atheris_finder_first() -> None:
    """Put atheris' import hook before the one compiled.py adds to load the hot path from
    source: atheris asks the finders after its own and instruments what they find, so the
    hot path is instrumented only if compiled.py's finder comes after atheris'."""
    from atheris.import_hook import AtherisMetaPathFinder  # type: ignore[import-untyped]

    hooks = [finder for finder in sys.meta_path if isinstance(finder, AtherisMetaPathFinder)]
    for hook in hooks:
        sys.meta_path.remove(hook)
    sys.meta_path[:0] = hooks


if __name__ == "__main__":
    main(sys.argv)
