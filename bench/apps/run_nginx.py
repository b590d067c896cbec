"""nginx serving a directory at /static: the static profiles' limit.

``python -m bench.apps.run_nginx --port N --root DIR`` writes a configuration to a temporary
prefix and runs nginx in the foreground (one worker: one CPU, as every entry), with
``sendfile``, ``tcp_nopush`` and ``gzip_static`` (the ``.gz`` siblings) on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path


def binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if found is None:
        raise SystemExit("nginx is not installed (apt-get install nginx-light)")
    return found


def config(prefix: Path, port: int, root: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # the worker must read the run's files
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
{temp}
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location /static/ {{
            alias {root.rstrip("/")}/;
            gzip_static on;
        }}
    }}
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    conf = prefix / "nginx.conf"
    conf.write_text(config(prefix, args.port, args.root))
    nginx = binary()
    os.execv(nginx, [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])


if __name__ == "__main__":
    main()
