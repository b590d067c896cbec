"""WebSocket servers that echo wrongly, for the --ws-echo profile's checks (tests only)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]
Answer = Callable[[Message], Message]


def _echo_with(answer: Answer) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", **answer(message)})

    return app


def _same(message: Message) -> Message:
    text = message.get("text")
    return {"text": text} if text is not None else {"bytes": message["bytes"]}


def _text_as_bytes(message: Message) -> Message:
    text = message.get("text")
    return {"bytes": text.encode()} if text is not None else {"bytes": message["bytes"]}


def _reversed(message: Message) -> Message:
    text = message.get("text")
    return {"text": text[::-1]} if text is not None else {"bytes": message["bytes"][::-1]}


_answered = itertools.count()


def _right_twice_then_short(message: Message) -> Message:
    """Right for the first two messages the process sees (the check's), then one byte short:
    only the load can catch this one."""
    if next(_answered) < 2:
        return _same(message)
    text = message.get("text")
    return {"text": text[:-1]} if text is not None else {"bytes": message["bytes"][:-1]}


text_as_bytes = _echo_with(_text_as_bytes)
reversed_echo = _echo_with(_reversed)
short_under_load = _echo_with(_right_twice_then_short)
