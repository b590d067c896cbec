"""Fixtures shared by the server tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


class AccessLines(logging.Handler):
    """Collects the access log's messages."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    """The access log's messages; the logger lets INFO through while the test runs."""
    logger = logging.getLogger("squall.access")
    handler = AccessLines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
