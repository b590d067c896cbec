"""The HTTP/2 tests: they need the squall[http2] extra (h2), which the dev extra installs."""

from __future__ import annotations

import importlib.util
import os

import pytest


def require_h2() -> None:
    """Skip the calling test module without h2; in CI (CI=true) its absence is a failure."""
    if importlib.util.find_spec("h2") is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("h2 is not installed: the dev extra installs it", pytrace=False)
    pytest.skip("the squall[http2] extra (h2) is not installed", allow_module_level=True)
