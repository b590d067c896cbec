"""HTTP/2 (RFC 9113): TLS with ALPN "h2", and cleartext h2c with prior knowledge.

The framing and HPACK are our own codec's (core.py, ``--h2-codec squall``, the default) or
the ``h2`` library's (``--h2-codec h2``, the ``squall[http2]`` extra); importing this package
imports neither.  ``--http`` decides which protocols the server speaks, once, at start-up
(choice.py): auto (HTTP/1.1 and HTTP/2), h1 or h2.
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
    """The protocols ``--http`` asks for (ConfigError: ``--h2-codec h2`` without h2)."""
    if config.http == "h1":
        return Protocols(http1=True, http2=False)
    if config.h2_codec == "h2" and not installed():
        raise ConfigError("--h2-codec h2 needs the h2 library: pip install 'squall[http2]'")
    return Protocols(http1=config.http != "h2", http2=True)  # auto (or "httptools"), h2
