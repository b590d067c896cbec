"""The machine description the bench's reports print, as a test writes it."""

from __future__ import annotations

from typing import Any


def machine_info(profile: str) -> dict[str, Any]:
    return {
        "cpu": "Test CPU",
        "cores": 2,
        "kernel": "6.0",
        "python": "3.11.7",
        "squall_hot_path": "compiled",
        "profile": profile,
    }
