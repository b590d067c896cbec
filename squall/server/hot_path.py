"""The modules that ``pip install`` compiles with mypyc: the HTTP/1.1 hot path.

This is the one list: setup.py reads it (with ``ast``, without importing squall, whose
runtime dependencies are absent from the build environment) and ``compiled.py`` checks the
build against it at run time.  Keep it a literal tuple of module names, importing nothing.
"""

HOT_PATH = (
    "squall.server.transport",
    "squall.server.state",
    "squall.server.eager",
    "squall.server.http11.wire",
    "squall.server.http11.plain",
    "squall.server.exchange",
    "squall.server.http11.writer",
    "squall.server.http11.llhttp_reader",
    "squall.server.http11.connection",
    "squall.server.websocket.frames",
    "squall.server.websocket.codec_squall",
    "squall.server.websocket.phase",
    "squall.server.websocket.asgi",
    "squall.server.websocket.driver",
    "squall.server.websocket.connection",
    "squall.server.http2.stream",
    "squall.server.http2.huffman_table",
    "squall.server.http2.hpack_static",
    "squall.server.http2.hpack",
    "squall.server.http2.frames",
    "squall.server.http2.errors",
    "squall.server.http2.events",
    "squall.server.http2.validation",
    "squall.server.http2.stream_states",
    "squall.server.http2.core",
    "squall.server.http2.foreign",
    "squall.server.http2.request",
    "squall.server.http2.flow",
    "squall.server.http2.admission",
    "squall.server.http2.connection",
    "squall.middleware.native_headers",  # the middleware hooks' header scans and gates
    "squall.middleware.hook_plan",
    "squall.server.http2.websocket_stream",
)
