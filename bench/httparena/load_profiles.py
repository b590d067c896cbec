"""HttpArena's request mixes (contract §2) as wrk Lua scripts and h2load arguments, at 2-core scale.

HttpArena drives most HTTP/1.1 profiles with gcannon (raw request templates rotated over the
connections, 2xx counted); here wrk sends the same requests from a Lua rotation, and the 2xx
responses are what is counted where the contract counts 2xx only.  Connection counts are scaled
down for one server CPU (HttpArena: 512-16384 over 64 CPUs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bench.static_files import ACCEPT_ENCODING, FILES

Tool = Literal["wrk", "h2load", "ws"]
Port = Literal["h1", "h1-tls", "h2c", "h2-tls"]
JSON_PAIRS: Final = ((1, 3), (5, 7), (10, 2), (15, 5), (25, 4), (40, 8), (50, 6))
JSON_COMP_PAIRS: Final = ((25, 4), (40, 8), (50, 6))
UPLOAD_SIZES: Final = (512_000, 2_097_152)  # HttpArena adds 10m and 20m: too long at this scale


@dataclass(frozen=True)
class LoadProfile:
    name: str
    tool: Tool
    port: Port
    connections: int
    summary: str
    lua: str = ""  # wrk's script
    h2load: tuple[str, ...] = ()  # h2load's arguments before the URL (-i FILE added for uris)
    uris: tuple[str, ...] = ()  # h2load -i: one path per line
    path: str = "/"  # the URL's path (wrk, h2load without uris, /ws)
    only_2xx: bool = True  # gcannon and h2load count 2xx; wrk (static, json-tls) counts all
    bytes_per_response: bool = False


LUA_ESCAPES: Final = str.maketrans({"\\": "\\\\", '"': '\\"', "\r": "\\r", "\n": "\\n"})


def lua_string(text: str) -> str:
    return '"' + text.translate(LUA_ESCAPES) + '"'


ROTATE: Final = (
    "local i = 0\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n"
)


def rotation(requests: list[str]) -> str:
    """A wrk script sending ``requests`` (raw HTTP/1.1) in turn on each connection."""
    listed = ",\n  ".join(lua_string(request) for request in requests)
    return f"local requests = {{\n  {listed}\n}}\n" + ROTATE


HOST: Final = "Host: localhost\r\n"


def get(path: str, *headers: str) -> str:
    return f"GET {path} HTTP/1.1\r\n{HOST}" + "".join(f"{h}\r\n" for h in headers) + "\r\n"


def post(path: str, body: str) -> str:
    return f"POST {path} HTTP/1.1\r\n{HOST}Content-Length: {len(body)}\r\n\r\n{body}"


BASELINE: Final = [
    get("/baseline11?a=1&b=1"),
    post("/baseline11?a=1&b=1", "20"),
    "POST /baseline11?a=1&b=1 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    "2\r\n20\r\n0\r\n\r\n",
]


def limited_conn() -> str:
    """The baseline requests, every 10th with ``Connection: close`` (gcannon's -r 10)."""
    requests = [BASELINE[i % 3] for i in range(10)]
    requests[9] = requests[9].replace(HOST, HOST + "Connection: close\r\n", 1)
    return rotation(requests)


def pipelined(depth: int = 16) -> str:
    request = lua_string(get("/pipeline") * depth)
    return f"local batch = {request}\nrequest = function()\n  return batch\nend\n"


def uploads() -> str:
    """POST /upload of 500 KB and 2 MiB bodies in turn, made once in Lua."""
    lines = ["local requests = {}"]
    for size in UPLOAD_SIZES:
        lines.append(
            'requests[#requests + 1] = "POST /upload HTTP/1.1\\r\\nHost: localhost\\r\\n'
            f'Content-Length: {size}\\r\\n\\r\\n" .. string.rep("x", {size})'
        )
    return "\n".join(lines) + "\n" + ROTATE


def crud() -> str:
    """gcannon's 20 crud templates: 15 GET, 3 PUT, 1 list, 1 POST; ids zero-padded like {RAND}."""
    return (
        "local n, seq = 0, 100000\n"
        "local json = {['Content-Type'] = 'application/json'}\n"
        "local function item() return string.format('%05d', math.random(1, 50000)) end\n"
        "request = function()\n"
        "  n = n % 20 + 1\n"
        "  if n <= 15 then return wrk.format('GET', '/crud/items/' .. item()) end\n"
        "  if n <= 18 then\n"
        "    return wrk.format('PUT', '/crud/items/' .. item(), json,\n"
        '      \'{"name":"Bench Item","category":"office","price":123,"quantity":5}\')\n'
        "  end\n"
        "  if n == 19 then\n"
        "    local page = string.format('%02d', math.random(1, 10))\n"
        "    return wrk.format('GET', '/crud/items?category=office&limit=10&page=' .. page)\n"
        "  end\n"
        "  seq = seq + 1\n"
        '  local fields = \'"name":"New Item","category":"office","price":10,"quantity":1\'\n'
        "  local body = string.format('{\"id\":%d,%s}', seq, fields)\n"
        "  return wrk.format('POST', '/crud/items', json, body)\n"
        "end\n"
    )


def json_paths(pairs: tuple[tuple[int, int], ...]) -> list[str]:
    return [f"/json/{count}?m={multiplier}" for count, multiplier in pairs]


GZIP_BR: Final = "Accept-Encoding: gzip, br"
STATIC_ENCODING: Final = f"Accept-Encoding: {ACCEPT_ENCODING}"
STATIC_PATHS: Final = tuple(f"/static/{name}" for name, _ in FILES)
API_MIX: Final = (
    [get("/baseline11?a=1&b=1")] * 3
    + [get("/json/50?m=1")] * 3
    + [get("/async-db?min=10&max=50&limit=50")] * 2
)
ASYNC_DB: Final = [get(f"/async-db?min=10&max=50&limit={n}") for n in (5, 10, 20, 35, 50)]
BASELINE2: Final = "/baseline2?a=1&b=1"


def h1_profiles() -> list[LoadProfile]:
    json_requests = rotation([get(path) for path in json_paths(JSON_PAIRS)])
    return [
        LoadProfile(
            "baseline", "wrk", "h1", 128,
            "GET + POST (Content-Length) + POST (chunked) /baseline11", rotation(BASELINE),
        ),
        LoadProfile("pipelined", "wrk", "h1", 64, "GET /pipeline, 16 pipelined", pipelined()),
        LoadProfile(
            "limited-conn", "wrk", "h1", 128, "baseline's mix, Connection: close every 10th",
            limited_conn(),
        ),
        LoadProfile("json", "wrk", "h1", 128, "GET /json/{1..50}?m=, 7 pairs", json_requests),
        LoadProfile(
            "json-comp", "wrk", "h1", 128, "GET /json/{25,40,50} with Accept-Encoding: gzip, br",
            rotation([get(path, GZIP_BR) for path in json_paths(JSON_COMP_PAIRS)]),
            bytes_per_response=True,
        ),
        LoadProfile(
            "json-tls", "wrk", "h1-tls", 64, "GET /json/{1..50}?m= over TLS (every answer counts)",
            json_requests, only_2xx=False,
        ),
        LoadProfile("upload", "wrk", "h1", 16, "POST /upload of 500 KB and 2 MiB", uploads()),
        LoadProfile(
            "static", "wrk", "h1", 128,
            f"GET the 20 static files, {STATIC_ENCODING} (every answer counts)",
            rotation([get(path, STATIC_ENCODING) for path in STATIC_PATHS]), only_2xx=False,
        ),
        LoadProfile(
            "async-db", "wrk", "h1", 64, "GET /async-db?min=10&max=50&limit={5,10,20,35,50}",
            rotation(ASYNC_DB),
        ),
        LoadProfile(
            "crud", "wrk", "h1", 128,
            "15 GET / 3 PUT / 1 list / 1 POST of /crud/items, zero-padded ids", crud(),
        ),
        LoadProfile(
            "api-4", "wrk", "h1", 64,
            "3 GET /baseline11, 3 GET /json/50?m=1, 2 GET /async-db limit=50", rotation(API_MIX),
        ),
    ]  # fmt: skip


def other_profiles() -> list[LoadProfile]:
    return [
        LoadProfile(
            "echo-ws", "ws", "h1", 128, "WebSocket echo of 5-byte texts, one in flight each",
            path="/ws",
        ),
        LoadProfile(
            "baseline-h2", "h2load", "h2-tls", 8, "h2load GET /baseline2 over TLS, 100 streams",
            h2load=("-m", "100"), path=BASELINE2,
        ),
        LoadProfile(
            "static-h2", "h2load", "h2-tls", 8, "h2load the 20 static files over TLS, 32 streams",
            h2load=("-m", "32", "-H", STATIC_ENCODING.lower()), uris=STATIC_PATHS,
        ),
        LoadProfile(
            "baseline-h2c", "h2load", "h2c", 8, "h2load GET /baseline2, h2c, 100 streams",
            h2load=("-m", "100"), path=BASELINE2,
        ),
        LoadProfile(
            "json-h2c", "h2load", "h2c", 8, "h2load GET /json/{1..50}?m=, h2c, 32 streams",
            h2load=("-m", "32"), uris=tuple(json_paths(JSON_PAIRS)),
        ),
    ]  # fmt: skip


PROFILES: Final = {profile.name: profile for profile in h1_profiles() + other_profiles()}
