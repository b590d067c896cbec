"""The AsyncAPI 3.0 document of an App's WebSocket routes: each document is checked against
the official AsyncAPI 3.0.0 JSON schema, and what it says about each route is checked
against what the route declares."""

from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal

import msgspec
import pydantic
import pytest

from squall import App, Depends, Header, Query, Router, Security, WebSocket
from squall.security import HTTPBearer, OAuth2PasswordBearer
from tests.framework.asyncapi.documents import asyncapi_of, message, needs_jsonschema

pytestmark = needs_jsonschema


class Join(msgspec.Struct, tag="join"):
    """A user enters the room."""

    user: str


class Say(msgspec.Struct, tag="say"):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Said(msgspec.Struct):
    user: str
    text: str
    at: int = 0


class Mood(Enum):
    calm = "calm"
    loud = "loud"


def chat_app() -> App:
    app = App(
        title="Chat",
        version="2.0",
        description="Rooms to talk in.",
        openapi_tags=[{"name": "chat", "description": "Talking"}],
    )

    @app.websocket("/rooms/{room}/{mood}", receives=Join | Say, sends=Said, tags=["chat"])
    async def room(
        websocket: WebSocket,
        room: Annotated[int, msgspec.Meta(ge=1)],
        mood: Mood,
        since: Annotated[int, Query(description="The first message to replay")] = 0,
        x_user: Annotated[str, Header()] = "guest",
        x_trace: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> None:
        """Talk in a room.

        Every message said is sent to everyone in it.
        \f
        (not for the document)
        """

    return app


def test_a_channel_per_route_with_its_address_parameters_and_handshake_binding() -> None:
    document = asyncapi_of(chat_app())
    assert document["asyncapi"] == "3.0.0"
    assert document["info"] == {
        "title": "Chat",
        "version": "2.0",
        "description": "Rooms to talk in.",
    }
    assert document["defaultContentType"] == "application/json"
    channel = document["channels"]["room"]
    assert channel["address"] == "/rooms/{room}/{mood}"
    assert channel["title"] == "Room"
    assert channel["description"] == (
        "Talk in a room.\n\nEvery message said is sent to everyone in it."
    )
    assert channel["tags"] == [{"name": "chat", "description": "Talking"}]
    assert channel["parameters"] == {"room": {}, "mood": {"enum": ["calm", "loud"]}}
    binding = channel["bindings"]["ws"]
    assert binding["method"] == "GET"
    assert binding["bindingVersion"] == "0.1.0"
    assert binding["query"] == {
        "type": "object",
        "properties": {
            "since": {
                "type": "integer",
                "title": "Since",
                "default": 0,
                "description": "The first message to replay",
            }
        },
    }
    assert binding["headers"]["properties"] == {
        "x-user": {"type": "string", "title": "X-User", "default": "guest"}
    }  # x-trace is hidden
    assert "required" not in binding["headers"]


def test_messages_and_operations_from_receives_and_sends() -> None:
    document = asyncapi_of(chat_app())
    messages = document["channels"]["room"]["messages"]
    assert list(messages) == ["Join", "Say", "Said"]  # a union: one message per member
    assert message(document, "room", "Join") == {
        "name": "Join",
        "payload": {"$ref": "#/components/schemas/Join"},
    }
    assert document["operations"] == {
        "room_receive": {
            "action": "receive",
            "channel": {"$ref": "#/channels/room"},
            "messages": [
                {"$ref": "#/channels/room/messages/Join"},
                {"$ref": "#/channels/room/messages/Say"},
            ],
            "tags": [{"name": "chat", "description": "Talking"}],
        },
        "room_send": {
            "action": "send",
            "channel": {"$ref": "#/channels/room"},
            "messages": [{"$ref": "#/channels/room/messages/Said"}],
            "tags": [{"name": "chat", "description": "Talking"}],
        },
    }
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == ["Join", "Mood", "Said", "Say"]
    assert schemas["Join"]["description"] == "A user enters the room."
    assert schemas["Say"]["properties"]["text"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
    }
    assert schemas["Said"]["required"] == ["user", "text"]


def test_a_tagged_union_keeps_its_discriminator_as_asyncapi_writes_it() -> None:
    app = App()

    @app.websocket("/moves", receives=list[Join | Say])
    async def moves(websocket: WebSocket) -> None: ...

    document = asyncapi_of(app)
    payload = message(document, "moves", "receive")["payload"]
    union = payload["items"]
    assert union["discriminator"] == "type"  # AsyncAPI's: the property name alone
    assert union["oneOf"] == [
        {"$ref": "#/components/schemas/Join"},
        {"$ref": "#/components/schemas/Say"},
    ]


def test_text_and_binary_frames_and_inline_json() -> None:
    app = App()

    @app.websocket("/echo", receives=str | bytes, sends=str | dict[str, int])
    async def echo(websocket: WebSocket) -> None: ...

    document = asyncapi_of(app)
    assert document["channels"]["echo"]["messages"] == {
        "text": {"name": "text", "contentType": "text/plain", "payload": {"type": "string"}},
        "binary": {
            "name": "binary",
            "contentType": "application/octet-stream",
            "payload": {"type": "string", "format": "binary"},
        },
        "send": {
            "name": "send",
            "payload": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    }
    refs = [ref["$ref"] for ref in document["operations"]["echo_send"]["messages"]]
    assert refs == ["#/channels/echo/messages/text", "#/channels/echo/messages/send"]


def test_routes_without_messages_routers_and_hidden_routes() -> None:
    app = App()
    router = Router(prefix="/live", tags=["live"])

    @router.websocket("/feed/{feed_id:int}", name="feed", summary="A live feed")
    async def feed_socket(websocket: WebSocket, feed_id: int) -> None: ...

    @router.websocket("/hidden", include_in_schema=False)
    async def hidden(websocket: WebSocket) -> None: ...

    app.include_router(router, prefix="/v1")
    document = asyncapi_of(app)
    assert list(document["channels"]) == ["feed"]
    channel = document["channels"]["feed"]
    assert channel["address"] == "/v1/live/feed/{feed_id}"
    assert channel["title"] == "A live feed"
    assert channel["tags"] == [{"name": "live"}]
    assert "messages" not in channel
    assert document["operations"] == {}  # nothing declared either way


def test_two_routes_of_one_name_get_distinct_channel_ids() -> None:
    app = App()
    for path in ("/a", "/b"):

        @app.websocket(path, sends=Said)
        async def stream(websocket: WebSocket) -> None: ...

    document = asyncapi_of(app)
    assert [c["address"] for c in document["channels"].values()] == ["/a", "/b"]
    assert list(document["channels"]) == ["stream", "stream_2"]
    assert list(document["operations"]) == ["stream_send", "stream_2_send"]
    sent = document["operations"]["stream_2_send"]["messages"]
    assert sent == [{"$ref": "#/channels/stream_2/messages/Said"}]


bearer = HTTPBearer(bearerFormat="JWT")
oauth2 = OAuth2PasswordBearer(tokenUrl="/token", scopes={"chat": "Talk", "read": "Listen"})


def test_security_schemes_of_the_handshake() -> None:
    app = App()

    @app.websocket("/private", sends=Said, dependencies=[Depends(bearer)])
    async def private(websocket: WebSocket) -> None: ...

    @app.websocket("/scoped", receives=Say)
    async def scoped(
        websocket: WebSocket, token: Annotated[str, Security(oauth2, scopes=["chat"])]
    ) -> None: ...

    document = asyncapi_of(app)
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {
                "password": {
                    "tokenUrl": "/token",
                    "availableScopes": {"chat": "Talk", "read": "Listen"},
                }
            },
        },
    }
    assert document["operations"]["private_send"]["security"] == [
        {"$ref": "#/components/securitySchemes/HTTPBearer"}
    ]
    scoped_security = document["operations"]["scoped_receive"]["security"]
    assert scoped_security[0]["scopes"] == ["chat"]
    assert scoped_security[0]["flows"]["password"]["tokenUrl"] == "/token"


class Profile(pydantic.BaseModel):
    name: str
    balance: Decimal  # a number or a string in, a string out: two schemas


def test_pydantic_messages_as_the_openapi_document_names_them() -> None:
    app = App()

    @app.websocket("/profiles", receives=Profile, sends=Profile)
    async def profiles(websocket: WebSocket) -> None: ...

    @app.post("/profile")
    async def profile(profile: Profile) -> Profile:
        return profile

    document = asyncapi_of(app)
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == ["Profile-Input", "Profile-Output"]  # as in /openapi.json
    openapi_schemas = app.openapi()["components"]["schemas"]
    assert schemas["Profile-Input"] == openapi_schemas["Profile-Input"]
    assert schemas["Profile-Output"] == openapi_schemas["Profile-Output"]
    assert list(document["channels"]["profiles"]["messages"]) == [
        "Profile-Input",
        "Profile-Output",
    ]


def test_literal_path_parameters_and_servers() -> None:
    app = App()
    app.asyncapi_servers = {"local": {"host": "localhost:8000", "protocol": "ws"}}

    @app.websocket("/boards/{side}")
    async def board(websocket: WebSocket, side: Literal["left", "right"] = "left") -> None: ...

    document = asyncapi_of(app)
    assert document["servers"] == {"local": {"host": "localhost:8000", "protocol": "ws"}}
    assert document["channels"]["board"]["parameters"] == {
        "side": {"enum": ["left", "right"]}  # a path parameter is always given: no default
    }


@pytest.mark.parametrize("broken", ["discriminator", "action"])
def test_the_schema_check_catches_a_broken_document(broken: str) -> None:
    import jsonschema  # type: ignore[import-untyped]

    app = App()

    @app.websocket("/moves", receives=Join | Say)
    async def moves(websocket: WebSocket) -> None: ...

    document = asyncapi_of(app)
    if broken == "discriminator":
        document["components"]["schemas"]["Join"]["discriminator"] = {"propertyName": "type"}
    else:
        document["operations"]["moves_receive"]["action"] = "publish"  # AsyncAPI 2's word
    with pytest.raises(jsonschema.ValidationError):
        from tests.framework.asyncapi.documents import check_asyncapi

        check_asyncapi(document)
