"""TLS: the server's SSLContext, built once at start-up from the ``--ssl-*`` flags.

The flags mean what uvicorn's of the same names mean.  The handshake itself is the event
loop's (``create_server(ssl=..., ssl_handshake_timeout=...)``, on asyncio and uvloop alike): a
connection reaches the HTTP protocol only once its handshake is done, so a peer that never
completes one (or speaks plain HTTP to the TLS port) is dropped by the loop after
``--timeout-ssl-handshake`` seconds or at its first bytes, without a log line above debug.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Final

from squall.server.config import ConfigError
from squall.server.http2 import protocols

if TYPE_CHECKING:
    from squall.server.config import Config

CERT_REQS: Final = frozenset((ssl.CERT_NONE, ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED))  # 0, 1, 2


def tls_enabled(config: Config) -> bool:
    return config.ssl_certfile is not None


def create_ssl_context(config: Config) -> ssl.SSLContext | None:
    """The server-side context for ``config``, or None when TLS is off (no certificate).

    Raises ConfigError with the reason when a file can't be read or the password is wrong.
    """
    if config.ssl_certfile is None:
        if config.ssl_keyfile is not None:
            raise ConfigError("--ssl-keyfile needs --ssl-certfile")
        return None
    if config.ssl_cert_reqs not in CERT_REQS:
        raise ConfigError(f"--ssl-cert-reqs must be 0, 1 or 2, not {config.ssl_cert_reqs}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _load_certificate(context, config)
    context.verify_mode = ssl.VerifyMode(config.ssl_cert_reqs)
    if config.ssl_ca_certs is not None:
        try:
            context.load_verify_locations(cafile=config.ssl_ca_certs)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load --ssl-ca-certs {config.ssl_ca_certs}: {exc}") from exc
    elif config.ssl_cert_reqs != ssl.CERT_NONE:
        raise ConfigError("--ssl-cert-reqs 1 or 2 needs --ssl-ca-certs to check clients against")
    if config.ssl_ciphers is not None:
        try:
            context.set_ciphers(config.ssl_ciphers)
        except ssl.SSLError as exc:
            raise ConfigError(f"--ssl-ciphers {config.ssl_ciphers!r}: {exc}") from exc
    context.set_alpn_protocols(alpn_protocols(config))
    return context


def alpn_protocols(config: Config) -> list[str]:
    """What ALPN offers, in order of preference: "h2" first when HTTP/2 is spoken (``--http``
    and the squall[http2] extra); a client that offers neither gets the first of HTTP/1.1."""
    speaks = protocols(config)
    return (["h2"] if speaks.http2 else []) + (["http/1.1"] if speaks.http1 else [])


def _load_certificate(context: ssl.SSLContext, config: Config) -> None:
    certfile = config.ssl_certfile
    assert certfile is not None
    try:
        context.load_cert_chain(certfile, config.ssl_keyfile, config.ssl_keyfile_password)
    except ssl.SSLError as exc:
        hint = " (is --ssl-keyfile-password right?)" if config.ssl_keyfile else ""
        raise ConfigError(f"cannot load the TLS certificate/key: {exc}{hint}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the TLS certificate/key: {exc}") from exc


def handshake_timeout(config: Config) -> float | None:
    """``create_server``'s ``ssl_handshake_timeout``: only meaningful (and allowed) with TLS."""
    return config.timeout_ssl_handshake if tls_enabled(config) else None
