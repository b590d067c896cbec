"""Open many idle WebSocket connections to a server, in a process of its own (its own fds).

``python -m tests.server.websocket.idle_clients PORT COUNT [PATH]`` completes COUNT handshakes (at
PATH, ``/`` by default) with
raw sockets (cheapest for the client: no library state per socket), in batches so the listen
backlog never overflows, prints ``open COUNT`` once every 101 is in, then holds the sockets
until its stdin closes.  Its soft RLIMIT_NOFILE is raised to the hard limit first.
"""

from __future__ import annotations

import resource
import socket
import sys

from tests.server.websocket.raw import handshake_request

BATCH = 500  # handshakes in flight at once (well under the server's listen backlog)


def raise_fd_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit; return the limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def open_batch(port: int, count: int, path: str) -> list[socket.socket]:
    """``count`` sockets past the handshake: all connect and ask first, then all read."""
    request = handshake_request(path)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(request)
        sockets.append(sock)
    for sock in sockets:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed during the handshake after {head!r}")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101 "):
            raise ConnectionError(f"handshake refused: {head[:200]!r}")
    return sockets


def main(port: int, count: int, path: str) -> None:
    raise_fd_limit()
    held: list[socket.socket] = []
    while len(held) < count:
        held += open_batch(port, min(BATCH, count - len(held)), path)
    print(f"open {len(held)}", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin
    for sock in held:
        sock.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "/")
