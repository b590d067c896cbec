"""``--log-config FILE``: the stdlib's logging configuration, from JSON, YAML or INI.

``.json``, ``.yaml`` and ``.yml`` files hold a ``logging.config.dictConfig`` dictionary (YAML
needs PyYAML: ``pip install 'squall[yaml]'``); any other file (``.ini``, ``.conf``) is read by
``logging.config.fileConfig``.  Loggers that already exist (squall's own) stay enabled unless
the dictionary says ``"disable_existing_loggers": true``.
"""

from __future__ import annotations

import configparser
import json
import logging.config
import os
from typing import Any

from squall.server.config import ConfigError

DICT_SUFFIXES = (".json", ".yaml", ".yml")


def load_log_config(path: str) -> None:
    """Apply the logging configuration in ``path``; ConfigError with the reason if it can't."""
    if not os.path.isfile(path):
        raise ConfigError(f"--log-config: no such file {path!r}")
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix in DICT_SUFFIXES:
            settings = _read_dict(path, suffix)
            settings.setdefault("disable_existing_loggers", False)
            logging.config.dictConfig(settings)
        else:
            logging.config.fileConfig(path, disable_existing_loggers=False)
    except ConfigError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, ImportError) as exc:
        raise ConfigError(f"--log-config {path}: {exc}") from exc
    except configparser.Error as exc:
        raise ConfigError(f"--log-config {path}: {exc}") from exc


def _read_dict(path: str, suffix: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        settings = json.load(file) if suffix == ".json" else _yaml().safe_load(file)
    if not isinstance(settings, dict):
        raise ConfigError(f"--log-config {path}: expected a mapping (dictConfig's schema)")
    return settings


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(
            "--log-config with a YAML file needs PyYAML: pip install 'squall[yaml]'"
        ) from None
    return yaml
