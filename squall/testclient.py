"""``from squall.testclient import TestClient``: FastAPI's spelling of ``squall.testing``."""

from squall.testing import LifespanError, TestClient, WebSocketDenialResponse

__all__ = ["LifespanError", "TestClient", "WebSocketDenialResponse"]
