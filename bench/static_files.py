"""The static profiles' files: HttpArena's 20 (names and sizes), made at the start of a run.

Text files (CSS, JS, HTML, SVG, JSON) are generated compressible text with a ``.gz`` sibling
(level 9) and, when the ``brotli`` module is there, a ``.br`` one (quality 11), as HttpArena's
``data/static``; fonts and images are random bytes without siblings.  The contents are
deterministic (seeded by name), so the answer check can rebuild what it expects.
"""

from __future__ import annotations

import gzip
import importlib
import random
from pathlib import Path
from typing import Final

FILES: Final = (
    ("reset.css", 8192), ("layout.css", 25600), ("theme.css", 18432),
    ("components.css", 204800), ("utilities.css", 61440), ("analytics.js", 12288),
    ("helpers.js", 22528), ("app.js", 204800), ("vendor.js", 307200), ("router.js", 35840),
    ("header.html", 122880), ("footer.html", 56320), ("regular.woff2", 18432),
    ("bold.woff2", 22528), ("logo.svg", 15344), ("icon-sprite.svg", 71680),
    ("hero.webp", 46080), ("thumb1.webp", 8192), ("thumb2.webp", 6144), ("manifest.json", 2883),
)  # fmt: skip
BINARY: Final = (".woff2", ".webp")
CHECKED: Final = "reset.css"  # what the answer check asks for (HttpArena's readiness probe)
ACCEPT_ENCODING: Final = "br;q=1, gzip;q=0.8"  # HttpArena's static profile sends this
WORDS: Final = (
    "margin", "padding", "display", "flex", "color", "function", "return", "const", "div",
    "class", "border", "width", "height", "export", "import", "span", "grid", "none", "auto",
)  # fmt: skip


def is_text(name: str) -> bool:
    return not name.endswith(BINARY)


def content(name: str, size: int) -> bytes:
    generator = random.Random(name)
    if not is_text(name):
        return generator.randbytes(size)
    parts: list[str] = []
    length = 0
    while length < size:
        line = " ".join(generator.choice(WORDS) for _ in range(generator.randint(3, 9))) + ";\n"
        parts.append(line)
        length += len(line)
    return "".join(parts).encode()[:size]


def siblings(data: bytes) -> dict[str, bytes]:
    """The precompressed versions of a text file: suffix -> bytes."""
    made = {".gz": gzip.compress(data, compresslevel=9, mtime=0)}
    try:
        brotli = importlib.import_module("brotli")
    except ImportError:
        return made
    made[".br"] = brotli.compress(data, quality=11)
    return made


def write_tree(directory: Path) -> Path:
    """The 20 files and their siblings in ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, size in FILES:
        data = content(name, size)
        (directory / name).write_bytes(data)
        if is_text(name):
            for suffix, packed in siblings(data).items():
                (directory / (name + suffix)).write_bytes(packed)
    return directory


def expected(name: str = CHECKED) -> bytes:
    return content(name, dict(FILES)[name])


def check_identity(body: bytes) -> bool:
    return body == expected()


def check_encoded(body: bytes) -> bool:
    """The file, or one of its siblings (br or gzip: the server's choice)."""
    data = expected()
    return body == data or body in siblings(data).values()


def lua(prefix: str, accept_encoding: str | None) -> str:
    """A wrk script asking for a random one of the files on every request."""
    paths = ", ".join(f'"{prefix}/{name}"' for name, _ in FILES)
    headers = f'{{["Accept-Encoding"] = "{accept_encoding}"}}' if accept_encoding else "{}"
    return (
        f"local paths = {{{paths}}}\n"
        f"local headers = {headers}\n"
        "request = function()\n"
        '  return wrk.format("GET", paths[math.random(#paths)], headers)\n'
        "end\n"
    )
