"""WebSocket (RFC 6455) on the ASGI ``websocket`` scope: handed the transport after the upgrade.

- ``handshake.py``: the opening handshake, checked and answered (pure functions);
- ``codec.py``: the small interface a frame codec offers, and the choice of codec (``--ws``);
- ``frames.py``, ``deflate.py``, ``codec_squall.py``: our own codec (``--ws squall``, the
  default): sans-IO framing, permessage-deflate, and that interface over them (compiled);
- ``codec_websockets.py`` / ``codec_wsproto.py``: that interface over each sans-IO library;
- ``connection.py``: one socket after the upgrade: the asyncio protocol, the ASGI messages
  (a named phase machine), keepalive and close timers, flow control;
- ``upgrade.py``: where the HTTP/1.1 connection hands its transport over.
"""
