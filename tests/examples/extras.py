"""Optional packages the example's tests need (all in the dev extra)."""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest


def needs(module: str) -> Any:
    """``module``, or a skip when it is missing (under CI=true an error: there it must run)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} is in the dev extra")
