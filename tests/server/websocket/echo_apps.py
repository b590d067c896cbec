"""Echo apps for the Autobahn, browser and idle-socket tests: a raw ASGI one and a framework one.

The bench's echoes (``bench/apps/ws_asgi_raw.py``, ``bench/apps/ws_squall.py``), with the
framework's route at ``/``.  Served by ``python -m squall tests.server.websocket.echo_apps:asgi_echo``
(or ``:framework_echo``) in a process of its own, so the client side (kosoku, a browser, 10,000
sockets) gets the other CPU.
"""

from __future__ import annotations

from bench.apps.ws_asgi_raw import app as asgi_echo
from bench.apps.ws_squall import echo
from squall import App

framework_echo = App()
framework_echo.websocket("/")(echo)

__all__ = ["asgi_echo", "framework_echo"]
