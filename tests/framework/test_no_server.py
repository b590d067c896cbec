"""The framework stands apart from the server: ``import squall`` loads no ``squall.server``.

One exception: with SQUALL_NO_COMPILE, the build check (``squall.server.compiled``, which
reads ``hot_path`` and the build stamp) loads first, so that the middleware's compiled modules
(hook_plan, native_headers) are imported from their sources (squall/middleware/__init__.py).

The native contract both sides speak lives in the leaf module ``squall.native``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from squall import native

# What SQUALL_NO_COMPILE lets ``import squall`` load of the server package: its build check.
BUILD_CHECK = {
    "squall.server",
    "squall.server._build_stamp",
    "squall.server.compiled",
    "squall.server.hot_path",
}

LOADED = """
import json, sys
import squall

app = squall.App()


@app.get("/items/{item_id:int}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


assert app.__squall_native__() is not None
print(json.dumps(sorted(sys.modules)))
"""


def test_the_framework_loads_no_server_module_and_no_httptools() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert "squall.app" in loaded
    server = {m for m in loaded if m == "squall.server" or m.startswith("squall.server.")}
    if os.environ.get("SQUALL_NO_COMPILE"):
        server -= BUILD_CHECK
    assert server == set()
    assert [m for m in loaded if m.split(".")[0] == "httptools"] == []


def test_the_native_contract_imports_nothing_from_squall() -> None:
    tree = ast.parse(Path(native.__file__).read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [
        a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    ]
    assert imported
    assert [name for name in imported if name.split(".")[0] == "squall"] == []
