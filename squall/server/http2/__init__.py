"""HTTP/2 (RFC 9113): TLS with ALPN "h2", and cleartext h2c with prior knowledge.

The framing and HPACK are the ``h2`` library's (the ``squall[http2]`` extra); importing this
package does not import it.  ``--http`` decides which protocols the server speaks, once, at
start-up (choice.py): auto (HTTP/1.1 and, with h2 installed, HTTP/2), h1 or h2.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Final, NamedTuple

from squall.server.config import ConfigError

if TYPE_CHECKING:
    from squall.server.config import Config

# What a client speaking HTTP/2 with prior knowledge sends first (RFC 9113, 3.4).
PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# llhttp's refusal of a head that is the preface's first part ("PRI * HTTP/2.0\r\n\r\n").
PREFACE_REFUSAL: Final = "Pause on PRI/Upgrade"


class Protocols(NamedTuple):
    http1: bool
    http2: bool


def installed() -> bool:
    return importlib.util.find_spec("h2") is not None


def protocols(config: Config) -> Protocols:
    """The protocols ``--http`` asks for and the installation allows."""
    if config.http == "h1":
        return Protocols(http1=True, http2=False)
    if config.http == "h2":
        if not installed():
            raise ConfigError("--http h2 needs the h2 library: pip install 'squall[http2]'")
        return Protocols(http1=False, http2=True)
    return Protocols(http1=True, http2=installed())  # auto, or uvicorn's "httptools"
