"""The seeds' endpoint: POST /user decodes a User, makes a new User from it, answers it.

Serve it with ``squall examples.users:app`` (or any ASGI server). It is written against
plain ASGI: the Squall framework's typed version of the same endpoint comes with the
framework itself.
"""

from __future__ import annotations

from typing import Any

import msgspec


class User(msgspec.Struct):
    id: int
    name: str
    email: str


decode_user = msgspec.json.Decoder(User).decode
encode = msgspec.json.Encoder().encode
JSON = [(b"content-type", b"application/json")]


async def read_body(receive: Any) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client went away")
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def answer(send: Any, status: int, payload: Any, headers: list[Any] | None = None) -> None:
    body = encode(payload)
    await send({"type": "http.response.start", "status": status, "headers": JSON + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def create_user(body: bytes) -> tuple[int, Any]:
    try:
        user = decode_user(body)
    except msgspec.ValidationError as exc:
        return 422, {"detail": [{"loc": ["body"], "msg": str(exc)}]}
    except msgspec.DecodeError as exc:
        return 400, {"detail": f"malformed JSON: {exc}"}
    return 200, User(id=user.id, name=user.name, email=user.email)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] != "/user":
        await answer(send, 404, {"detail": "Not Found"})
    elif scope["method"] != "POST":
        await answer(send, 405, {"detail": "Method Not Allowed"}, [(b"allow", b"POST")])
    else:
        status, payload = await create_user(await read_body(receive))
        await answer(send, status, payload)
