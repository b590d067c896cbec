"""tests/compat's ``client_for`` (TestClient and Squall's server), for the middleware tests;
``serve_app`` (Squall's server and uvicorn) comes from tests/framework's conftest."""

from tests.compat.conftest import client_for

__all__ = ["client_for"]
