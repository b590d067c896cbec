#!/usr/bin/env bash
# HttpArena runs an executable build.sh instead of `docker build`; it must make httparena-squall.
# squall is not on PyPI, so its source goes into the build context first (./squall-src):
#   - from SQUALL_SRC, a squall checkout (its committed HEAD), when set;
#   - else from the squall checkout this folder sits in (deploy/httparena/ of the repository);
#   - else cloned from SQUALL_GIT (default: meta.json's repo) at SQUALL_REF (default main).
# Extra arguments go to `docker build` (e.g. --no-cache).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source="${SQUALL_SRC:-}"
if [[ -z "$source" && -f "$here/../../squall/__init__.py" ]]; then
    source="$here/../.."
fi
rm -rf "$here/squall-src"
mkdir "$here/squall-src"
if [[ -n "$source" ]]; then
    git -C "$source" archive --format=tar HEAD | tar -x -C "$here/squall-src"
else
    repo="${SQUALL_GIT:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["repo"])' "$here/meta.json")}"
    git clone --quiet --depth 1 --branch "${SQUALL_REF:-main}" "$repo" "$here/squall-src"
fi
docker build "$@" -t httparena-squall "$here"
