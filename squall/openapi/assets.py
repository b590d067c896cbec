"""Where the docs pages' scripts, styles and icon come from: the app itself, or a CDN.

The ``squall[docs]`` extra installs ``drf-spectacular-sidecar``, a package that does nothing but
ship the current Swagger UI (``swagger-ui-dist``) and ReDoc builds, released monthly as
upstream moves.  Squall only reads its files: the package is found with ``find_spec``, which
does not run its ``__init__`` (that imports Django, a dependency of the package that Squall
never loads).  When the extra is missing, the pages load the same versions from jsDelivr,
pinned, so a page never changes under an app that did not change.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["CDN", "PACKAGE", "AssetURLs", "PackagedAssets", "find_packaged_assets"]

PACKAGE: Final = "drf_spectacular_sidecar"
DISTRIBUTION: Final = "drf-spectacular-sidecar"
_STATIC: Final = f"static/{PACKAGE}"

# name served under the app's docs_assets_url -> its path inside the package
PACKAGED_FILES: Final = {
    "swagger-ui-bundle.js": f"{_STATIC}/swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": f"{_STATIC}/swagger-ui-dist/swagger-ui.css",
    "favicon-32x32.png": f"{_STATIC}/swagger-ui-dist/favicon-32x32.png",
    "redoc.standalone.js": f"{_STATIC}/redoc/bundles/redoc.standalone.js",
}


@dataclass(frozen=True, slots=True)
class AssetURLs:
    """The URLs a docs page loads its assets from."""

    swagger_js: str
    swagger_css: str
    swagger_favicon: str
    redoc_js: str


# The versions drf-spectacular-sidecar 2026.10.1 ships (Swagger UI 5.33.1, ReDoc 2.5.4).
_SWAGGER_UI_CDN: Final = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.33.1"
CDN: Final = AssetURLs(
    swagger_js=f"{_SWAGGER_UI_CDN}/swagger-ui-bundle.js",
    swagger_css=f"{_SWAGGER_UI_CDN}/swagger-ui.css",
    swagger_favicon=f"{_SWAGGER_UI_CDN}/favicon-32x32.png",
    redoc_js="https://cdn.jsdelivr.net/npm/redoc@2.5.4/bundles/redoc.standalone.js",
)


@dataclass(frozen=True, slots=True)
class PackagedAssets:
    """The asset files of the installed extra: name -> file, and the package's version (put
    in the URLs, so a browser may cache them for good: a new version is a new URL)."""

    files: dict[str, Path]
    version: str

    def urls(self, base: str) -> AssetURLs:
        """The URLs of the files served under ``base`` (root path + docs_assets_url)."""

        def url(name: str) -> str:
            return f"{base}/{name}?v={self.version}"

        return AssetURLs(
            swagger_js=url("swagger-ui-bundle.js"),
            swagger_css=url("swagger-ui.css"),
            swagger_favicon=url("favicon-32x32.png"),
            redoc_js=url("redoc.standalone.js"),
        )


@functools.cache
def find_packaged_assets() -> PackagedAssets | None:
    """The extra's files, or None when it is not installed (or lacks one of them)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    files = {name: root / inside for name, inside in PACKAGED_FILES.items()}
    if not all(path.is_file() for path in files.values()):
        return None
    from importlib import metadata  # here: it costs every `import squall` a tenth of its time

    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # files on the path without metadata
        version = "0"
    return PackagedAssets(files, version)
