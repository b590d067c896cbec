"""The trustme certificates of tests/server/test_tls.py, for the HTTP/2 tests over TLS."""

from tests.server.test_tls import certs

__all__ = ["certs"]
