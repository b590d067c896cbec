"""Proxy headers: who the client is when a trusted proxy forwards its requests.

A proxy in front of the server (nginx, a load balancer) connects from its own address and tells
who it serves in headers: ``X-Forwarded-For`` / ``X-Forwarded-Proto`` (the de facto ones) or
the standard ``Forwarded`` (RFC 7239).  Anyone can send those headers, so they are read only
from a *trusted* peer: one that ``--forwarded-allow-ips`` names (IP addresses, CIDR networks,
``*`` for every peer, ``unix:`` for peers on a Unix domain socket).  Trust is decided once per
connection (:meth:`TrustedPeers.trusts_peer`); the headers are looked at only when the request
has one of them (the protocol notices them while it reads the head).

The rules, in the order they apply:

- ``Forwarded`` wins: when a request carries a well-formed ``Forwarded`` header, the
  ``X-Forwarded-*`` headers are ignored.  A malformed one is ignored as a whole (then the
  ``X-Forwarded-*`` headers apply).
- The hops are walked from the right (the proxy nearest to the server appended last),
  skipping the trusted ones; the right-most untrusted hop is the client.  When every hop is
  trusted, the left-most one is.  A hop that is an IP address (``[v6]`` in brackets, with an
  optional ``:port``; port 0 when absent) becomes ``client``; ``unknown`` or an obfuscated
  identifier (``_hidden``, RFC 7239 6.3) means the proxy does not say: ``client`` is None.
- The protocol of that hop (``proto=`` of the same ``Forwarded`` element; the
  ``X-Forwarded-Proto`` value at the same position when the list is as long as the
  ``X-Forwarded-For`` list, else its left-most value) becomes ``scheme``: ``http`` or
  ``https`` (``ws``/``wss`` count as ``http``/``https``; a WebSocket scope maps them back).
  Any other value is ignored.
- Several lines of one header are one list, in order (RFC 9110 5.3).
"""

from __future__ import annotations

import ipaddress
import os
import string
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from squall.server.config import ConfigError

if TYPE_CHECKING:
    from squall.server.config import Config

Address = tuple[str, int]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ENVIRONMENT_VARIABLE: Final = "FORWARDED_ALLOW_IPS"
UNIX_PEERS: Final = "unix:"  # the --forwarded-allow-ips entry that trusts Unix socket peers
EVERYONE: Final = "*"
# This machine only: the loopback addresses and Unix socket peers (a socket file's
# permissions decide who may connect).
DEFAULT_ALLOW: Final = "127.0.0.1,::1,unix:"

FORWARDED: Final = b"forwarded"
X_FORWARDED_FOR: Final = b"x-forwarded-for"
X_FORWARDED_PROTO: Final = b"x-forwarded-proto"
HEADER_NAMES: Final = frozenset((FORWARDED, X_FORWARDED_FOR, X_FORWARDED_PROTO))

# A forwarded protocol -> the scheme of an HTTP scope.
SCHEMES: Final = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
WEBSOCKET_SCHEMES: Final = {"http": "ws", "https": "wss"}
CACHE_LIMIT: Final = 4096  # trust decisions (and parsed nodes) remembered per distinct string
CACHED_LENGTH: Final = 256  # longer header values are parsed every time: caching them would
# let a client pin 4096 x 16 KiB of memory
# A hop's node: whether it is well-formed, its address (None: unknown or obfuscated) and
# whether that address is trusted.
NodeInfo = tuple[bool, Address | None, bool]
MALFORMED: Final[NodeInfo] = (False, None, False)
# What a request's proxy headers say, walked: whether they name the client, who it is (None:
# unknown) and the scheme (None: not said).  Cached per distinct header values.
Verdict = tuple[bool, Address | None, str | None]
SAYS_NOTHING: Final[Verdict] = (False, None, None)


class TrustedPeers:
    """The peers whose proxy headers count: ``--forwarded-allow-ips`` parsed once."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.everyone = False
        self.unix_peers = False
        self.addresses: set[IPAddress] = set()
        self.networks: list[IPNetwork] = []
        self._decisions: dict[str, bool] = {}
        self._nodes: dict[str, NodeInfo] = {}
        self._verdicts: dict[tuple[bytes, bytes, bytes], Verdict] = {}
        for raw in entries:
            self._add(raw.strip())

    @classmethod
    def parse(cls, spec: str | Sequence[str]) -> TrustedPeers:
        """From ``"10.0.0.1, 10.1.0.0/16, unix:"`` or a list of such entries."""
        entries = spec.split(",") if isinstance(spec, str) else spec
        return cls(entry for entry in entries if entry.strip())

    def _add(self, entry: str) -> None:
        if entry == EVERYONE:
            self.everyone = True
        elif entry == UNIX_PEERS:
            self.unix_peers = True
        elif "/" in entry:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ConfigError(f"--forwarded-allow-ips: not a network: {entry!r}") from None
        else:
            try:
                self.addresses.add(ipaddress.ip_address(entry))
            except ValueError:
                raise ConfigError(
                    f"--forwarded-allow-ips: {entry!r} is not an IP address, a CIDR network, "
                    f"{EVERYONE!r} or {UNIX_PEERS!r}"
                ) from None

    def trusts_peer(self, peername: Any) -> bool:
        """Whether the connection's peer (its transport's ``peername``) is trusted."""
        if self.everyone:
            return True
        if isinstance(peername, tuple) and peername:
            return self.trusts_host(str(peername[0]))
        return self.unix_peers  # a Unix socket peer: its peername is a path, or empty

    def node(self, text: str) -> NodeInfo:
        """``(valid, address, trusted)`` for a hop's node (see ``parse_node``), cached:
        a proxy names the same few clients again and again, and parsing one costs more
        than the rest of the request."""
        info = self._nodes.get(text)
        if info is None:
            try:
                address = parse_node(text)
            except MalformedNode:
                info = MALFORMED
            else:
                info = (True, address, address is not None and self.trusts_host(address[0]))
            if len(text) <= CACHED_LENGTH:
                if len(self._nodes) >= CACHE_LIMIT:
                    self._nodes.clear()
                self._nodes[text] = info
        return info

    def trusts_host(self, host: str) -> bool:
        """Whether the IP address ``host`` is trusted (anything else never is)."""
        if self.everyone:
            return True
        decision = self._decisions.get(host)
        if decision is None:
            decision = self._decide(host)
            if len(self._decisions) >= CACHE_LIMIT:
                self._decisions.clear()
            self._decisions[host] = decision
        return decision

    def _decide(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        return address in self.addresses or any(address in net for net in self.networks)

    def resolve(
        self, headers: Sequence[tuple[bytes, bytes]], client: Address | None, scheme: str
    ) -> tuple[Address | None, str] | None:
        """The ``(client, scheme)`` the headers of a trusted peer's request give, or None
        when they change nothing (absent or malformed)."""
        forwarded = x_for = x_proto = b""
        for name, value in headers:  # several lines of a header are one comma list
            if name == FORWARDED:
                forwarded = forwarded + b"," + value if forwarded else value
            elif name == X_FORWARDED_FOR:
                x_for = x_for + b"," + value if x_for else value
            elif name == X_FORWARDED_PROTO:
                x_proto = x_proto + b"," + value if x_proto else value
        key = (forwarded, x_for, x_proto)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = read_verdict(self, forwarded, x_for, x_proto)
            if len(forwarded) + len(x_for) + len(x_proto) <= CACHED_LENGTH:
                if len(self._verdicts) >= CACHE_LIMIT:
                    self._verdicts.clear()
                self._verdicts[key] = verdict
        names_client, new_client, new_scheme = verdict
        if not names_client:
            new_client = client
        if new_scheme is None:
            new_scheme = scheme
        if new_client == client and new_scheme == scheme:
            return None
        return new_client, new_scheme


def trusted_peers(config: Config) -> TrustedPeers | None:
    """The trusted peers for ``config``, or None when proxy headers are off."""
    if not config.proxy_headers:
        return None
    spec = config.forwarded_allow_ips
    if spec is None:
        spec = os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_ALLOW
    return TrustedPeers.parse(spec)


# -- Hops -----------------------------------------------------------------------------------


# One proxy hop: who connected to the proxy (its node, as written: "192.0.2.1",
# "[2001:db8::1]:443", "unknown", "_hidden"; "" when not said) and with which protocol.
# A plain tuple: built per hop of every forwarded request.
Hop = tuple[str, str | None]


def read_verdict(trusted: TrustedPeers, forwarded: bytes, x_for: bytes, x_proto: bytes) -> Verdict:
    """What the proxy headers' values say (``Forwarded`` first, if well-formed)."""
    hops = parse_forwarded(forwarded) if forwarded else None
    if hops is None:
        hops = x_forwarded_hops(x_for, x_proto)
    return walk_hops(trusted, hops)


def walk_hops(trusted: TrustedPeers, hops: Sequence[Hop]) -> Verdict:
    """Walk ``hops`` from the right past the trusted ones, to the client's hop."""
    with_node = [hop for hop in hops if hop[0]]
    if not with_node:  # only protocols (X-Forwarded-Proto alone, Forwarded: proto=https)
        return (False, None, _scheme(hops[0][1])) if hops else SAYS_NOTHING
    chosen = with_node[0]  # when every hop is trusted
    valid, client, _ = trusted.node(chosen[0])
    for hop in reversed(with_node):
        hop_valid, address, hop_trusted = trusted.node(hop[0])
        if not hop_trusted:
            chosen, valid, client = hop, hop_valid, address
            break
    if not valid:
        return SAYS_NOTHING  # not an address, not unknown/obfuscated: the header is ignored
    return (True, client, _scheme(chosen[1]))


def _scheme(proto: str | None) -> str | None:
    return SCHEMES.get(proto.lower()) if proto else None


class MalformedNode(ValueError):
    """A hop is neither an IP address (with an optional port) nor unknown/obfuscated."""


def parse_node(node: str) -> Address | None:
    """A hop's node as an address; None for ``unknown``/obfuscated; MalformedNode else."""
    host, port = _split_port(node)
    if port is None:
        raise MalformedNode(node)
    if host.lower() == "unknown" or _is_obfuscated(host):
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise MalformedNode(node) from None
    if node.startswith("[") and not isinstance(address, ipaddress.IPv6Address):
        raise MalformedNode(node)  # "[192.0.2.1]": brackets are for IPv6
    return (str(address), port)


def _split_port(node: str) -> tuple[str, int | None]:
    """``host`` and ``port`` of ``host``, ``host:port`` or ``[v6]:port``; port None if bad."""
    if node.startswith("["):
        end = node.find("]")
        if end < 0:
            return node, None
        host, rest = node[1:end], node[end + 1 :]
        if not rest:
            return host, 0
        if not rest.startswith(":"):
            return host, None
        return host, _port(rest[1:])
    if node.count(":") == 1:
        host, _, port = node.partition(":")
        return host, _port(port)
    return node, 0  # a bare IPv6 address (X-Forwarded-For writes them so), or no port


def _port(text: str) -> int | None:
    if _is_obfuscated(text):
        return 0  # an obfuscated port (RFC 7239 6.3): not known
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        return None
    return int(text)


def _is_obfuscated(text: str) -> bool:
    """``_`` followed by ALPHA / DIGIT / ``.`` / ``_`` / ``-`` (RFC 7239 6.3)."""
    return (
        len(text) > 1
        and text[0] == "_"
        and text.isascii()
        and all(c.isalnum() or c in "._-" for c in text[1:])
    )


# -- X-Forwarded-For / X-Forwarded-Proto -----------------------------------------------------


def x_forwarded_hops(x_for: bytes, x_proto: bytes) -> list[Hop]:
    """The hops that ``X-Forwarded-For`` and ``X-Forwarded-Proto`` describe."""
    nodes = _comma_list(x_for)
    protos = _comma_list(x_proto)
    if not nodes:
        return [("", protos[0])] if protos else []
    if len(protos) == len(nodes):
        return list(zip(nodes, protos, strict=True))
    proto = protos[0] if protos else None
    return [(node, proto) for node in nodes]


def _comma_list(value: bytes) -> list[str]:
    text = value.decode("latin-1")
    return [item.strip() for item in text.split(",") if item.strip()]


# -- Forwarded (RFC 7239) --------------------------------------------------------------------

TCHAR: Final = frozenset("!#$%&'*+-.^_`|~0123456789" + string.ascii_letters)
# Unquoted values are tokens; "[" "]" ":" are accepted too, though RFC 7239 wants an IPv6
# node quoted, because proxies configured by hand often send ``for=[2001:db8::1]``.
VALUE_CHARS: Final = TCHAR | frozenset("[]:")
OWS: Final = " \t"


def parse_forwarded(value: bytes) -> list[Hop] | None:
    """The hops of a ``Forwarded`` field value (lines joined by commas); None if malformed.

    ``forwarded-element = [ pair ] *( ";" [ pair ] )``, elements separated by commas, a pair
    ``token "=" ( token / quoted-string )``; parameter names are case-insensitive and each
    may appear once per element.  ``for`` and ``proto`` are used; ``by``, ``host`` and
    extensions are read and ignored.
    """
    text = value.decode("latin-1")
    reader = _Reader(text)
    hops: list[Hop] = []
    while True:
        element = reader.element()
        if element is None:
            return None
        if element:
            hops.append((element.get("for", ""), element.get("proto")))
        reader.skip_ows()
        if reader.at_end():
            return hops if hops else None
        if not reader.take(","):
            return None


class _Reader:
    """A cursor over a ``Forwarded`` value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_ows(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in OWS:
            self.pos += 1

    def take(self, char: str) -> bool:
        if self.pos < len(self.text) and self.text[self.pos] == char:
            self.pos += 1
            return True
        return False

    def element(self) -> dict[str, str] | None:
        """The pairs of one element (empty for an empty element); None if malformed."""
        pairs: dict[str, str] = {}
        while True:
            self.skip_ows()
            if self.at_end() or self.text[self.pos] == ",":
                return pairs
            if self.text[self.pos] != ";":
                name = self.token(TCHAR).lower()
                if not name or not self.take("="):
                    return None
                value = self.quoted() if self.take('"') else (self.token(VALUE_CHARS) or None)
                if value is None or name in pairs:
                    return None
                pairs[name] = value
                self.skip_ows()
            if not self.at_end() and self.text[self.pos] != "," and not self.take(";"):
                return None

    def token(self, chars: frozenset[str]) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1
        return self.text[start : self.pos]

    def quoted(self) -> str | None:
        """The rest of a quoted-string (the opening quote is taken), unescaped."""
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                if self.pos >= len(text):
                    return None
                char = text[self.pos]
                self.pos += 1
            elif (char < " " and char != "\t") or char == "\x7f":
                return None
            out.append(char)
        return None


def websocket_scheme(scheme: str) -> str:
    """The WebSocket scope's scheme for an HTTP scheme (``https`` -> ``wss``)."""
    return WEBSOCKET_SCHEMES.get(scheme, scheme)
