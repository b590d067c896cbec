"""Per-request cost of a security dependency on the native path, for callgrind.

Feeds ``GET PATH`` with ``Authorization: Bearer ...`` to bench.apps.squall_security through
bench.micro_server's fake connection.  Count instructions per request as for micro_server
(N=2000 and N=12000, the difference over 10,000):

    valgrind --tool=callgrind python -m bench.security_cost --path /bearer --requests N
"""

from __future__ import annotations

import argparse

from bench.apps.squall_security import app
from bench.micro_server import measure
from squall.server.main import new_event_loop


def request_for(path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", default="/bearer", help="/header, /bearer or /oauth2")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    loop = new_event_loop("auto")
    micros = loop.run_until_complete(measure(app, args.requests, request_for(args.path)))
    loop.close()
    print(f"{args.path}: {micros:.2f} us per request ({args.requests} requests)")


if __name__ == "__main__":
    main()
