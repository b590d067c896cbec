"""WebSocket (RFC 6455) on the ASGI ``websocket`` scope: handed the transport after the upgrade.

- ``handshake.py``: the opening handshake, checked and answered (pure functions);
- ``codec.py``: the small interface a frame codec offers, and the choice of codec (``--ws``);
- ``codec_websockets.py`` / ``codec_wsproto.py``: that interface over each sans-IO library;
- ``session.py``: the ASGI side (receive/send, the state machine of one socket);
- ``connection.py``: the I/O side (the asyncio protocol, timers, flow control);
- ``upgrade.py``: where the HTTP/1.1 connection hands its transport over.
"""
