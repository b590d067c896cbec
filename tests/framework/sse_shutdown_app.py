"""The app ``test_sse_shutdown.py`` serves in a ``squall`` subprocess: an endless event stream
and an ordinary request that is in flight when the server is told to stop.

``GET /slow`` announces itself on the stream (so the test knows it is in the app), then
waits until the stream's generator has been closed before it answers: it finishes only if
the shutdown ends the stream and still lets the ordinary request complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from squall import App
from squall.sse import EventSourceResponse

app = App()
news: asyncio.Queue[str] = asyncio.Queue()
stream_closed = asyncio.Event()


@app.get("/events")
async def events() -> EventSourceResponse:
    async def stream() -> AsyncIterator[str]:
        try:
            yield "open"
            while True:
                yield await news.get()
        finally:
            stream_closed.set()
            print("stream closed", flush=True)  # the test reads the server's output

    return EventSourceResponse(stream(), ping=None)


@app.get("/slow")
async def slow() -> dict[str, str]:
    news.put_nowait("slow started")
    await stream_closed.wait()
    return {"finished": "after the stream closed"}
