"""``python -m bench.openapi_build``: the time to build an App's OpenAPI document for many
routes (1,000 by default) of varied shapes, in-process, best of ``--repeat`` builds.

The routes cycle through five shapes: a GET with a typed path parameter, checked query
values and a header, answering a Struct; a POST of a Struct with ``responses=`` and a
security dependency with scopes; a PUT of two embedded bodies; a form with a file (when
python-multipart is installed); a GET of a list query answering a generic page (pydantic
models, when installed, for every other one).  The models are ``--models`` distinct
Structs, half of them named as the other half in another module (so module-qualified names
are worked out), each pointing at the one before.  What is timed: ``app.openapi()`` from
scratch (the cache dropped each time) and the encoding of its bytes.
"""

# No ``from __future__ import annotations``: the endpoints below are made in loops, their
# annotations must be the objects of each turn.

import argparse
import importlib.util
import time
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from squall import App, Header, Query
from squall.security import Security

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int


class Problem(msgspec.Struct):
    detail: str


class TokenScheme:
    """A security dependency by the contract (scheme_name, security_scheme)."""

    scheme_name = "OAuth2PasswordBearer"
    security_scheme = {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "token", "scopes": {"read": "", "write": ""}}},
    }

    async def __call__(self, authorization: Annotated[str, Header()] = "") -> str:
        return authorization


TOKEN = TokenScheme()


def make_models(count: int) -> list[type]:
    """``count`` Structs; the second half reuses the first half's names in another module."""
    models: list[type] = []
    half = max(1, count // 2)
    for index in range(count):
        previous: Any = models[-1] if models else int
        module = "bench.models_a" if index < half else "bench.models_b"
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
            ("id", int),
            ("name", Annotated[str, msgspec.Meta(min_length=1, max_length=80)]),
            ("tags", list[str], []),
            ("parent", previous | None, None),
        ]
        models.append(msgspec.defstruct(f"Model{index % half}", fields, module=module))
    return models


def pydantic_models(count: int) -> list[type]:
    if importlib.util.find_spec("pydantic") is None:
        return []
    import pydantic

    return [
        pydantic.create_model(f"Row{index}", id=(int, ...), score=(float, pydantic.Field(ge=0)))
        for index in range(count)
    ]


def add_route(app: App, index: int, model: Any, row: Any, forms: bool) -> None:
    """One route of the shape ``index`` picks, under ``/r<index>``."""
    prefix = f"/r{index}"
    shape = index % 5
    if shape == 0:

        async def read(
            item_id: int,
            q: Annotated[str | None, Query(max_length=50, description="Search")] = None,
            limit: Annotated[int, Query(ge=1, le=100)] = 10,
            x_request_id: Annotated[str, Header()] = "",
        ) -> model:  # type: ignore[valid-type]
            raise NotImplementedError

        app.add_api_route(prefix + "/items/{item_id:int}", read, tags=[f"t{index % 7}"])
    elif shape == 1:

        async def create(
            item: model,  # type: ignore[valid-type]
            user: Annotated[str, Security(TOKEN, scopes=["write"])],
        ) -> model:  # type: ignore[valid-type]
            return item

        app.add_api_route(
            prefix + "/items",
            create,
            methods=["POST"],
            status_code=201,
            responses={404: {"model": Problem, "description": "Missing"}},
        )
    elif shape == 2:

        async def update(item_id: int, item: model, note: Problem) -> None:  # type: ignore[valid-type]
            return None

        app.add_api_route(prefix + "/items/{item_id}", update, methods=["PUT"], deprecated=True)
    elif shape == 3 and forms:
        from squall import Form, UploadFile

        async def upload(
            file: UploadFile, title: Annotated[str, Form(max_length=100)] = ""
        ) -> dict[str, int]:
            return {}

        app.add_api_route(prefix + "/upload", upload, methods=["POST"])
    else:
        answer = list[row] if row is not None else Page[model]  # type: ignore[valid-type]

        async def listing(tag: Annotated[list[str], Query()] = []) -> answer:  # type: ignore[valid-type]  # noqa: B006
            raise NotImplementedError

        app.add_api_route(prefix + "/list", listing)


def build_app(routes: int, model_count: int) -> App:
    models = make_models(model_count)
    rows = pydantic_models(max(1, model_count // 4))
    forms = importlib.util.find_spec("python_multipart") is not None
    app = App(
        title="bench", openapi_tags=[{"name": f"t{n}", "description": "Tag"} for n in range(7)]
    )
    for index in range(routes):
        row = rows[index % len(rows)] if rows and index % 2 else None
        add_route(app, index, models[index % len(models)], row, forms)
    return app


def best_of(repeat: int, run: Callable[[], Any], clock: Callable[[], float]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        run()
        best = min(best, clock() - started)
    return best


def measure(routes: int, model_count: int, repeat: int) -> dict[str, Any]:
    app = build_app(routes, model_count)

    def build() -> None:
        app.openapi_schema = None
        app.openapi()

    build_seconds = best_of(repeat, build, time.perf_counter)
    build_cpu_seconds = best_of(repeat, build, time.process_time)  # less moved by the load
    document = app.openapi()
    encode_seconds = best_of(repeat, lambda: msgspec.json.encode(document), time.perf_counter)
    return {
        "app": app,
        "document": document,
        "build_ms": build_seconds * 1000,
        "build_cpu_ms": build_cpu_seconds * 1000,
        "encode_ms": encode_seconds * 1000,
        "size": len(msgspec.json.encode(document)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.openapi_build", description=__doc__)
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    found = measure(args.routes, args.models, args.repeat)
    document = found["document"]
    operations = sum(len(methods) for methods in document["paths"].values())
    print(
        f"openapi: {args.routes} routes, {operations} operations, "
        f"{len(document['components']['schemas'])} schemas, {found['size'] / 1024:.0f} KiB: "
        f"build {found['build_ms']:.1f} ms ({found['build_cpu_ms']:.1f} ms CPU), "
        f"encode {found['encode_ms']:.2f} ms "
        f"(best of {args.repeat})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
