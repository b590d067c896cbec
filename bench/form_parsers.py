"""``python -m bench.form_parsers``: python-multipart (what squall.multipart uses) against
streaming-form-data (Cython; measured only if installed: ``pip install streaming-form-data``),
in-process, on the two shapes that matter: one large file part fed in 256 KiB chunks (MB/s)
and a form of many small text fields (microseconds per field).  Best of ``--repeat`` runs."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import time
from collections.abc import Callable, Sequence

BOUNDARY = b"----bench-boundary-1234"
CHUNK = 256 * 1024
MIB = 1024 * 1024


def file_body(size: int) -> list[bytes]:
    head = (
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="a.bin"'
        b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    block = bytes(range(256)) * (CHUNK // 256)
    return [head] + [block] * (size // CHUNK) + [b"\r\n--" + BOUNDARY + b"--\r\n"]


def fields_body(count: int) -> bytes:
    parts = (
        b"--"
        + BOUNDARY
        + b'\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nvalue %d\r\n' % (number, number)
        for number in range(count)
    )
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


def python_multipart_parse(chunks: Sequence[bytes], names: Sequence[str]) -> int:
    """Feed ``chunks``; the bytes of part data seen."""
    import python_multipart

    seen = 0

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal seen
        seen += end - start

    parser = python_multipart.MultipartParser(BOUNDARY, {"on_part_data": on_part_data})
    for chunk in chunks:
        parser.write(chunk)
    parser.finalize()
    return seen


def streaming_form_data_parse(chunks: Sequence[bytes], names: Sequence[str]) -> int:
    """The same with streaming-form-data, which needs each field's name registered first."""
    from streaming_form_data import StreamingFormDataParser  # type: ignore[import-not-found,unused-ignore]
    from streaming_form_data.targets import BaseTarget  # type: ignore[import-not-found,unused-ignore]

    class Counted(BaseTarget):  # type: ignore[misc]
        seen = 0

        def on_data_received(self, chunk: bytes) -> None:
            Counted.seen += len(chunk)

    content_type = "multipart/form-data; boundary=" + BOUNDARY.decode()
    parser = StreamingFormDataParser(headers={"Content-Type": content_type})
    for name in names:
        parser.register(name, Counted())
    for chunk in chunks:
        parser.data_received(chunk)
    return Counted.seen


PARSERS: dict[str, tuple[str, Callable[[Sequence[bytes], Sequence[str]], int]]] = {
    "python-multipart": ("python_multipart", python_multipart_parse),
    "streaming-form-data": ("streaming_form_data", streaming_form_data_parse),
}


def best_seconds(parse: Callable[[], int], expected: int, repeat: int) -> float:
    """The best time of ``repeat`` runs; each must see ``expected`` bytes of part data."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        seen = parse()
        best = min(best, time.perf_counter() - started)
        if seen != expected:
            raise RuntimeError(f"the parser saw {seen} bytes of part data, not {expected}")
    return best


def report(size: int, fields: int, repeat: int) -> list[str]:
    big = file_body(size)
    small = [fields_body(fields)]
    names = [f"f{number}" for number in range(fields)]
    field_bytes = sum(len(b"value %d" % number) for number in range(fields))
    lines = []
    for label, (module, parse) in PARSERS.items():
        if importlib.util.find_spec(module) is None:
            lines.append(f"{label}: not installed")
            continue
        file_seconds = best_seconds(functools.partial(parse, big, ["file"]), size, repeat)
        field_seconds = best_seconds(functools.partial(parse, small, names), field_bytes, repeat)
        lines.append(
            f"{label}: file part {size / file_seconds / 1e6:,.0f} MB/s, "
            f"{field_seconds / fields * 1e6:,.1f} us per small field"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.form_parsers", description=__doc__)
    p.add_argument("--size", type=int, default=100, help="MiB in the file part (100)")
    p.add_argument("--fields", type=int, default=1000, help="small text fields (1000)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    args = p.parse_args(argv)
    print("\n".join(report(args.size * MIB, args.fields, args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
