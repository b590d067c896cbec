"""fastpysgi serving an ASGI app with the settings of its HttpArena entry (its author's).

``python -m bench.apps.run_fastpysgi MODULE:APP --port N [--workers N]``
"""

from __future__ import annotations

import argparse

import fastpysgi

from squall.server.config import import_from_string


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    server = fastpysgi.server
    server.read_buffer_size = 256 * 1024  # as in HttpArena's fastpysgi entry
    server.max_content_length = 31 * 1024 * 1024
    server.tcp_nodelay = 1
    fastpysgi.run(import_from_string(args.app), "127.0.0.1", args.port, 0, args.workers)


if __name__ == "__main__":
    main()
