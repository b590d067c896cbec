"""The RFC 6455 close codes the server itself sends or reports (7.4.1)."""

from __future__ import annotations

from typing import Final

NORMAL: Final = 1000
ABNORMAL: Final = 1006  # reported to the app when the TCP connection ended without a close
INTERNAL_ERROR: Final = 1011
SERVICE_RESTART: Final = 1012
