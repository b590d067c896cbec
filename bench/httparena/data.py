"""What HttpArena mounts into an entry's container, generated locally and deterministically.

``write_mounts(directory)`` makes, under ``directory``:

- ``dataset.json``: the 50 items (item 1 exactly as the contract shows it);
- ``static/``: the 20 files with the contract's names and sizes (``bench.static_files.FILES``),
  text that compresses like real CSS/JS/HTML/SVG/JSON with ``.gz`` (level 9) and ``.br``
  (quality 11) siblings, random bytes for the fonts and images;
- ``certs/server.crt`` + ``certs/server.key``: RSA-2048, CN=localhost, self-signed;
- ``pgdb-seed.sql``: the ``items`` table (100,000 rows) as a psql script, following the contract's
  "How generate-pgdb.py fills items" recipe (``seed_rows`` yields the same rows for a COPY).

Run ``python -m bench.httparena.data DIR`` to make them for a local run of the entry.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.static_files import FILES, is_text

CATEGORIES: Final = (
    "books", "tools", "electronics", "sports", "clothing",
    "home", "garden", "toys", "office", "auto",
)  # fmt: skip
TAGS: Final = (
    "sale", "heavy-duty", "popular", "new", "eco", "premium",
    "compact", "wireless", "bestseller", "limited", "durable", "imported",
)  # fmt: skip
PREFIXES: Final = (
    "Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa",
)  # fmt: skip
NOUNS: Final = ("Widget", "Gadget", "Gizmo", "Device", "Module")
DATASET_SIZE: Final = 50
SEED_ROWS: Final = 100_000
FIRST_ITEM: Final[dict[str, Any]] = {
    "id": 1,
    "name": "Alpha Widget",
    "category": "electronics",
    "price": 328,
    "quantity": 15,
    "active": True,
    "tags": ["sale", "heavy-duty", "popular"],
    "rating": {"score": 48, "count": 53},
}
ITEMS_SCHEMA: Final = """\
CREATE TABLE IF NOT EXISTS items (
    id INT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price INT NOT NULL,
    quantity INT NOT NULL,
    active BOOLEAN NOT NULL,
    tags JSONB NOT NULL,
    rating_score INT NOT NULL,
    rating_count INT NOT NULL
);
"""
ITEM_COLUMNS: Final = (
    "id", "name", "category", "price", "quantity", "active", "tags", "rating_score", "rating_count",
)  # fmt: skip

SeedRow = tuple[int, str, str, int, int, bool, str, int, int]


@dataclass(frozen=True)
class Mounts:
    """Paths of the generated mounts (HttpArena's /data/dataset.json, /data/static, /certs)."""

    root: Path
    dataset: Path
    static: Path
    cert: Path
    key: Path
    seed_sql: Path


# --- dataset.json -------------------------------------------------------------------------------


def dataset_item(item_id: int, generator: random.Random) -> dict[str, Any]:
    """Item ``item_id`` (1..50): a name like "Gamma Gizmo", each category five times."""
    if item_id == 1:
        return dict(FIRST_ITEM)
    index = item_id - 1
    return {
        "id": item_id,
        "name": f"{PREFIXES[index % len(PREFIXES)]} {NOUNS[index // len(PREFIXES)]}",
        "category": CATEGORIES[(index + 2) % len(CATEGORIES)],
        "price": generator.randint(1, 500),
        "quantity": generator.randint(1, 1000),
        "active": generator.random() < 0.8,
        "tags": generator.sample(TAGS, generator.randint(1, 4)),
        "rating": {"score": generator.randint(1, 50), "count": generator.randint(1, 500)},
    }


def dataset() -> list[dict[str, Any]]:
    generator = random.Random("httparena-dataset")
    return [dataset_item(item_id, generator) for item_id in range(1, DATASET_SIZE + 1)]


# --- the items table (the recipe of HttpArena's scripts/generate-pgdb.py) -----------------------


def seed_rows(items: Sequence[dict[str, Any]], count: int = SEED_ROWS) -> Iterator[SeedRow]:
    """Rows 1..count of ``items``, drawn from ``Random(42)`` in the recipe's order."""
    generator = random.Random(42)
    all_tags = sorted({tag for item in items for tag in item["tags"]})
    names = [item["name"] for item in items]
    categories = [item["category"] for item in items]
    for row_id in range(1, count + 1):  # from item (row_id - 1) % 50, but every field is drawn
        price = generator.randint(1, 500)
        quantity = generator.randint(1, 1000)
        active = generator.choice([0, 1])
        tags = generator.sample(all_tags, generator.randint(1, 4))
        name = f"{generator.choice(names)} {row_id}"
        category = generator.choice(categories)
        score = generator.randint(1, 50)
        votes = generator.randint(1, 500)
        tags_json = json.dumps(tags)
        yield (row_id, name, category, price, quantity, bool(active), tags_json, score, votes)


def copy_text_line(row: SeedRow) -> str:
    """One row in COPY's text format (no field holds a tab, newline or backslash)."""
    fields = [("t" if value else "f") if isinstance(value, bool) else str(value) for value in row]
    return "\t".join(fields) + "\n"


def write_seed_sql(path: Path, items: Sequence[dict[str, Any]]) -> Path:
    """A psql script (as HttpArena's data/pgdb-seed.sql): the schema, then COPY ... FROM stdin."""
    with path.open("w", encoding="utf-8") as out:
        out.write(ITEMS_SCHEMA)
        out.write(f"COPY items ({', '.join(ITEM_COLUMNS)}) FROM stdin;\n")
        out.writelines(copy_text_line(row) for row in seed_rows(items))
        out.write("\\.\n")
    return path


# --- static files: text that compresses like the real thing ------------------------------------

WORDS: Final = (
    "product", "cart", "checkout", "header", "footer", "menu", "item", "price", "search", "user",
    "account", "modal", "button", "panel", "card", "list", "grid", "nav", "banner", "form",
)  # fmt: skip
CSS_PROPERTIES: Final = (
    ("display", ("flex", "grid", "block", "inline-block", "none")),
    ("margin", ("0", "0 auto", "{n}px", "{n}px {m}px")),
    ("padding", ("{n}px", "{n}px {m}px", "0")),
    ("color", ("#{hex}", "var(--text-{word})", "inherit")),
    ("background", ("#{hex}", "transparent", "var(--bg-{word})")),
    ("font-size", ("{n}px", "1.{n}rem", "inherit")),
    ("border-radius", ("{n}px", "50%")),
    ("transition", ("all .{n}s ease", "opacity .{n}s linear")),
    ("justify-content", ("center", "space-between", "flex-start")),
    ("width", ("100%", "{n}px", "auto")),
)  # fmt: skip


SYLLABLES: Final = (
    "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qi", "ro", "su",
    "ta", "ve", "wi", "xo", "yu", "za", "br", "cl", "dr", "fl", "gr", "pl", "st", "tr", "sh",
)  # fmt: skip


def identifier(generator: random.Random) -> str:
    """A made-up name (what a real bundle is full of), so the text does not over-compress."""
    syllables = generator.choices(SYLLABLES, k=generator.randint(2, 4))
    return generator.choice(WORDS) + "".join(syllables).title()


def fill(template: str, generator: random.Random) -> str:
    return template.format(
        n=generator.randint(1, 64),
        m=generator.randint(1, 32),
        hex=f"{generator.randrange(0x1000000):06x}",
        word=generator.choice(WORDS),
    )


def css_chunk(generator: random.Random) -> str:
    selector = f".{identifier(generator)}-{generator.choice(WORDS)}"
    if generator.random() < 0.3:
        selector += f":{generator.choice(('hover', 'focus', 'first-child', 'active'))}"
    declarations = []
    for name, values in generator.sample(CSS_PROPERTIES, generator.randint(2, 5)):
        declarations.append(f"  {name}: {fill(generator.choice(values), generator)};\n")
    return f"{selector} {{\n{''.join(declarations)}}}\n"


def js_chunk(generator: random.Random) -> str:
    name, field, source = identifier(generator), identifier(generator), identifier(generator)
    return (
        f"export function {name}(state, options = {{}}) {{\n"
        f"  const {field} = state.{source} ?? {generator.randint(0, 99999)};\n"
        f"  if (!options.{field} || {field} > {generator.randint(1, 9999)}) {{\n"
        f'    return {{ ...state, {field}: "{identifier(generator)}" }};\n'
        f"  }}\n"
        f"  return fetch(`/api/{field}/${{{field}}}`).then((r) => r.json());\n"
        f"}}\n"
    )


def html_chunk(generator: random.Random) -> str:
    word, other = generator.choice(WORDS), identifier(generator)
    return (
        f'<div class="{word}-{other}" data-id="{generator.randint(1, 99999)}">\n'
        f'  <a href="/{word}/{generator.randint(1, 999)}" class="{other}-link">'
        f"{identifier(generator)} {other}</a>\n"
        f'  <span class="{word}-price">${generator.randint(1, 500)}.{generator.randint(0, 99):02d}'
        f"</span>\n</div>\n"
    )


def svg_chunk(generator: random.Random) -> str:
    points = " ".join(
        f"L{generator.randint(0, 48)}.{generator.randint(0, 9)} {generator.randint(0, 48)}"
        for _ in range(generator.randint(3, 8))
    )
    return (
        f'<symbol id="icon-{identifier(generator)}" '
        f'viewBox="0 0 48 48"><path fill="currentColor" d="M{generator.randint(0, 48)} '
        f'{generator.randint(0, 48)} {points}Z"/></symbol>\n'
    )


CHUNKS: Final[dict[str, Callable[[random.Random], str]]] = {
    ".css": css_chunk,
    ".js": js_chunk,
    ".html": html_chunk,
    ".svg": svg_chunk,
}
OPENINGS: Final = {
    ".html": '<!DOCTYPE html>\n<html lang="en">\n<body>\n',
    ".svg": '<svg xmlns="http://www.w3.org/2000/svg" style="display:none">\n',
}


def text_of_size(name: str, size: int) -> bytes:
    generator = random.Random(name)
    suffix = Path(name).suffix
    chunk = CHUNKS[suffix]
    parts = [OPENINGS.get(suffix, f"/* {name} */\n")]
    length = len(parts[0])
    while length < size:
        parts.append(chunk(generator))
        length += len(parts[-1])
    return "".join(parts).encode()[:size]


def manifest_of_size(size: int) -> bytes:
    """A valid web-app manifest, padded to ``size`` bytes with its description."""
    icons = [
        {"src": f"/static/icon-{px}.png", "sizes": f"{px}x{px}", "type": "image/png"}
        for px in (48, 72, 96, 128, 144, 152, 192, 256, 384, 512)
    ]
    manifest: dict[str, Any] = {
        "name": "HttpArena Store",
        "short_name": "Store",
        "start_url": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1a73e8",
        "icons": icons,
        "description": "",
    }
    bare = len(json.dumps(manifest, indent=2).encode())
    words = " ".join(f"{WORDS[i % len(WORDS)]}" for i in range(size))
    manifest["description"] = words[: size - bare].rstrip().ljust(size - bare, ".")
    return json.dumps(manifest, indent=2).encode()


def static_content(name: str, size: int) -> bytes:
    if not is_text(name):
        return random.Random(name).randbytes(size)
    if name.endswith(".json"):
        return manifest_of_size(size)
    return text_of_size(name, size)


def write_static(directory: Path, brotli_quality: int = 11) -> Path:
    """The 20 files, plus ``.gz`` (level 9) and ``.br`` (quality 11, as HttpArena's; the tests
    take a lower one: 11 costs seconds) siblings of the text ones."""
    import brotli  # the dev extra has it; HttpArena's data/static has both siblings

    directory.mkdir(parents=True, exist_ok=True)
    for name, size in FILES:
        data = static_content(name, size)
        (directory / name).write_bytes(data)
        if is_text(name):
            (directory / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
            (directory / f"{name}.br").write_bytes(brotli.compress(data, quality=brotli_quality))
    return directory


# --- certificates -------------------------------------------------------------------------------


def write_certificates(directory: Path) -> tuple[Path, Path]:
    """A self-signed RSA-2048 certificate for CN=localhost: (server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- everything ---------------------------------------------------------------------------------


def write_mounts(directory: Path, *, seed_sql: bool = True, brotli_quality: int = 11) -> Mounts:
    """All of HttpArena's mounts under ``directory`` (made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    items = dataset()
    dataset_path = directory / "dataset.json"
    dataset_path.write_text(json.dumps(items, separators=(",", ":")), encoding="utf-8")
    cert, key = write_certificates(directory / "certs")
    sql_path = directory / "pgdb-seed.sql"
    if seed_sql:
        write_seed_sql(sql_path, items)
    return Mounts(
        root=directory,
        dataset=dataset_path,
        static=write_static(directory / "static", brotli_quality),
        cert=cert,
        key=key,
        seed_sql=sql_path,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--no-seed-sql", action="store_true", help="skip pgdb-seed.sql (~7 MB)")
    arguments = parser.parse_args(argv)
    mounts = write_mounts(arguments.directory, seed_sql=not arguments.no_seed_sql)
    print(f"DATASET_PATH={mounts.dataset}")
    print(f"TLS_CERT={mounts.cert} TLS_KEY={mounts.key}")
    print(f"static: {mounts.static}")


if __name__ == "__main__":
    main()
