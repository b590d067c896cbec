"""The seed's raw asyncio streams server (with its ``+ user`` typo fixed to ``+ res``).

It trusts one read to hold one whole request and splits on CRLF, as the seed did: a floor
for what "an asyncio server" costs, not an HTTP implementation.
"""

from __future__ import annotations

import argparse
import asyncio

import uvloop

from bench.apps.share import endpoint


async def handle_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            request_data = await reader.read(1024)
            if not request_data:
                break
            body = request_data.split(b"\r\n")[-1]
            res = endpoint(body)
            writer.write(
                (
                    "HTTP/1.1 200 OK\r\n"
                    f"Content-Length: {len(res)}\r\n"
                    "Content-Type: application/json\r\n"
                    "Connection: keep-alive\r\n"
                    "\r\n"
                ).encode()
                + res
            )
            await writer.drain()
        except Exception:
            writer.close()
            await writer.wait_closed()
            break


async def main(port: int) -> None:
    server = await asyncio.start_server(handle_client, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    uvloop.run(main(parser.parse_args().port))
