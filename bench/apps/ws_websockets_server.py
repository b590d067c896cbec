"""The `websockets` library's own asyncio server echoing at /ws, in its fastest settings:
uvloop, no compression (the load sends none), no keepalive pings during the run."""

from __future__ import annotations

import argparse

import uvloop
from websockets.asyncio.server import ServerConnection, serve


async def echo(connection: ServerConnection) -> None:
    async for message in connection:  # str for text frames, bytes for binary ones
        await connection.send(message)


async def main(port: int) -> None:
    async with serve(
        echo, "127.0.0.1", port, compression=None, ping_interval=None, max_size=None
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(main(parser.parse_args().port))
