"""``python -m bench.httparena rehearse``: the entry's Docker image built and validated, without
Docker.

HttpArena builds ``deploy/httparena/Dockerfile`` (through build.sh) and runs the image.  With no
Docker daemon at hand, this takes the Dockerfile's steps one by one on the same Python version,
read from the Dockerfile itself:

- the build context: squall's committed HEAD as ``squall-src``, as build.sh puts it;
- the build stage: a fresh venv of the ``FROM`` image's Python runs the same ``pip wheel`` on
  ``squall-src[extras]`` (the hot path compiled with mypyc);
- the final stage: another fresh venv installs those wheels with ``--no-index``, and only the
  files the Dockerfile COPYs go into the app directory;
- then ``validate`` runs every check of every subscribed profile against that directory on
  that venv's interpreter (no PYTHONPATH: squall comes from the installed wheel).

What it cannot rehearse: the Debian packages of the slim image (the interpreter here is
pyenv's or the system's) and Docker's networking.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.httparena.launch import ENTRIES, EntryError, Setup

DOCKERFILE: Final = ENTRIES["squall"] / "Dockerfile"
ROOT: Final = ENTRIES["squall"].parents[1]


@dataclass(frozen=True)
class ImageSteps:
    python_version: str  # FROM python:X.Y-slim
    extras: str  # pip wheel "/src[extras]"
    app_files: tuple[str, ...]  # COPY ... ./ of the final stage


def image_steps(dockerfile: str) -> ImageSteps:
    """What the Dockerfile does, as far as the rehearsal follows it."""
    version = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.MULTILINE)
    extras = re.search(r'pip wheel .*"/src\[([^\]]+)\]"', dockerfile)
    copies = re.findall(r"^COPY (?!--from)(?!squall-src)(.+) \./\s*$", dockerfile, re.MULTILINE)
    if version is None or extras is None or len(copies) != 1:
        raise EntryError(
            "the Dockerfile's FROM, pip wheel or COPY line changed: update rehearse.py"
        )
    return ImageSteps(version.group(1), extras.group(1), tuple(copies[0].split()))


def runs(executable: str) -> bool:
    probe = subprocess.run([executable, "-c", ""], capture_output=True, check=False)
    return probe.returncode == 0


def interpreter(version: str) -> str:
    """python<version> on PATH if it runs (a pyenv shim may not), else one of pyenv's, as
    .ci/run finds them."""
    candidates = [shutil.which(f"python{version}") or ""]
    pyenv = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
    if pyenv.returncode == 0:
        versions = sorted(Path(pyenv.stdout.strip()).glob(f"versions/{version}.*"))
        candidates += [str(path / "bin" / f"python{version}") for path in versions]
    for candidate in candidates:
        if candidate and runs(candidate):
            return candidate
    raise EntryError(f"no python{version} here (the image's FROM line asks for it)")


def step(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True)


def venv(python: str, directory: Path) -> Path:
    step(python, "-m", "venv", directory)
    return directory / "bin" / "python"


def build_image(steps: ImageSteps, work: Path) -> tuple[str, Path]:
    """The final stage's interpreter and app directory, built as the Dockerfile does."""
    python = interpreter(steps.python_version)
    source = work / "squall-src"
    source.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    build_python = venv(python, work / "build-stage")
    wheels = work / "wheels"
    step(
        build_python, "-m", "pip", "wheel", "-q", "--wheel-dir", wheels, f"{source}[{steps.extras}]"
    )
    image_python = venv(python, work / "image")
    step(
        image_python, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheels,
        f"squall[{steps.extras}]",
    )  # fmt: skip
    app = work / "app"
    app.mkdir()
    for name in steps.app_files:
        shutil.copy2(ENTRIES["squall"] / name, app / name)
    check_hot_path(image_python, app)
    return str(image_python), app


def check_hot_path(python: Path, app: Path) -> None:
    """The installed wheel's hot path is compiled, seen from the app's directory as the image
    runs it (from the repository, ``squall`` would be this checkout's)."""
    probe = "import squall, squall.server.compiled as c; print(c.STATE, squall.__file__)"
    state, location = subprocess.run(
        [str(python), "-c", probe], cwd=app, capture_output=True, text=True, check=True
    ).stdout.split()
    print(f"hot path: {state} ({location})", flush=True)
    if state != "compiled" or not location.startswith(str(python.parents[1])):
        raise EntryError(f"the image would run squall from {location}, hot path {state}")


def rehearse(profiles: list[str] | None) -> int:
    from bench.httparena.validate import validate

    steps = image_steps(DOCKERFILE.read_text())
    with tempfile.TemporaryDirectory(prefix="httparena-image-") as directory:
        try:
            python, app = build_image(steps, Path(directory))
        except (subprocess.CalledProcessError, EntryError) as error:
            print(f"FAIL [image] build: {error}", flush=True)
            return 1
        print(
            f"image rehearsed: python {steps.python_version}, app files {' '.join(steps.app_files)}"
        )
        return validate("squall", profiles, setup=Setup(python=python), directory=app)


if __name__ == "__main__":
    sys.exit(rehearse(sys.argv[1:] or None))
