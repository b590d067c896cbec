"""Every command-line flag as an environment variable ``SQUALL_<FLAG>``, and ``--env-file``.

The variable's name is the flag's long name, upper-cased, dashes as underscores, after
``SQUALL_``: ``--port`` is ``SQUALL_PORT``, ``--timeout-keep-alive`` is
``SQUALL_TIMEOUT_KEEP_ALIVE``, the app is ``SQUALL_APP``.  It is derived from the argparse
parser, so every flag gets one, including flags added later.  Values:

- a flag taking a value: the value, converted and checked as on the command line;
- an on/off flag (``--access-log/--no-access-log``, ``--factory``): ``true``/``false``
  (also ``1``/``0``, ``yes``/``no``, ``on``/``off``);
- a repeatable flag (``--header``): one value, or a JSON list of values
  (``SQUALL_HEADER='["x-a: 1", "x-b: 2"]'``).

Precedence: the command line, then the environment, then the env file, then the defaults. A
repeatable flag given on the command line replaces the environment's values.

``--env-file PATH`` (or ``SQUALL_ENV_FILE``) is read before anything else, in dotenv format:
``KEY=VALUE`` lines, ``#`` comments, blank lines, an optional ``export`` prefix, values in
single quotes (taken as they are) or double quotes (``\\n``, ``\\t``, ``\\"`` and ``\\\\``
unescaped), and unquoted values (trailing `` # comment`` removed).  Its variables go into
``os.environ`` (for the app too) unless already set there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

PREFIX = "SQUALL_"
ENV_FILE_FLAG = "--env-file"
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class EnvFileError(Exception):
    """The env file can't be read or has a line that is not KEY=VALUE."""


def env_name(action: argparse.Action) -> str:
    """``SQUALL_PORT`` for ``--port``; ``SQUALL_APP`` for the positional ``app``."""
    long_names = [o for o in action.option_strings if o.startswith("--")]
    name = long_names[0][2:] if long_names else action.dest
    return PREFIX + name.upper().replace("-", "_")


def configurable(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's actions that take a setting (not --help, --version)."""
    skipped = (argparse._HelpAction, argparse._VersionAction)
    return [a for a in parser._actions if not isinstance(a, skipped)]


def document(parser: argparse.ArgumentParser) -> None:
    """Add ``[env SQUALL_X]`` to each flag's --help text."""
    for action in configurable(parser):
        if action.help == argparse.SUPPRESS:
            continue
        note = f"[env {env_name(action)}]"
        action.help = f"{action.help} {note}" if action.help else note


def parse_with_environment(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> argparse.Namespace:
    """``parser.parse_args(argv)`` with the env file loaded and ``SQUALL_*`` as defaults."""
    environ = os.environ if environ is None else environ
    env_file = _env_file_argument(argv, environ)
    if env_file is not None:
        try:
            load_env_file(env_file, environ)
        except EnvFileError as exc:
            parser.error(str(exc))
    from_env = apply_environment(parser, environ)
    args = parser.parse_args(argv)
    for dest, values in from_env.items():
        given = getattr(args, dest)
        if len(given) > len(values):  # argparse appended the command line's to the defaults
            setattr(args, dest, given[len(values) :])
    return args


def apply_environment(
    parser: argparse.ArgumentParser, environ: Mapping[str, str]
) -> dict[str, list[Any]]:
    """Set each flag's default from its ``SQUALL_*`` variable; the repeatable flags' lists."""
    repeatable: dict[str, list[Any]] = {}
    for action in configurable(parser):
        name = env_name(action)
        raw = environ.get(name)
        if raw is None:
            continue
        try:
            value = _convert(parser, action, raw)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            parser.error(f"{name}={raw!r}: {exc}")
        if isinstance(action, argparse._AppendAction):
            repeatable[action.dest] = value
        if not action.option_strings:  # a positional: optional now that it has a value
            action.nargs = "?"
            action.required = False
        action.default = value
    return repeatable


def _convert(parser: argparse.ArgumentParser, action: argparse.Action, raw: str) -> Any:
    if action.nargs == 0:  # on/off and store_true/store_const flags
        on = _boolean(raw)
        if isinstance(action, argparse.BooleanOptionalAction):
            return on
        return action.const if on else action.default
    if isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+"):
        return [_one(action, item) for item in _list(raw)]
    return _one(action, raw)


def _one(action: argparse.Action, raw: str) -> Any:
    convert = action.type if callable(action.type) else str
    value = convert(raw)
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise ValueError(f"invalid choice {value!r} (choose from {choices})")
    return value


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError("expected true or false (1/0, yes/no, on/off)")


def _list(raw: str) -> list[str]:
    if not raw.lstrip().startswith("["):
        return [raw]
    items = json.loads(raw)
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("expected a JSON list of strings")
    return items


def _env_file_argument(argv: Sequence[str] | None, environ: Mapping[str, str]) -> str | None:
    """``--env-file``'s value, found before the full parse (it feeds the defaults)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument(ENV_FILE_FLAG)
    known, _ = early.parse_known_args(argv)
    path: str | None = known.env_file
    return path if path is not None else environ.get(PREFIX + "ENV_FILE")


def load_env_file(path: str, environ: MutableMapping[str, str]) -> dict[str, str]:
    """Read the dotenv file at ``path`` into ``environ`` (set variables win); what it holds."""
    try:
        with open(path, encoding="utf-8") as file:
            variables = parse_env_file(file.read(), path)
    except OSError as exc:
        raise EnvFileError(f"--env-file {path}: {exc.strerror}") from None
    for key, value in variables.items():
        environ.setdefault(key, value)
    return variables


def parse_env_file(text: str, path: str = "<env file>") -> dict[str, str]:
    """The ``KEY=VALUE`` pairs of a dotenv text (see the module's docstring for the syntax)."""
    variables: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LINE.match(line)
        if match is None:
            raise EnvFileError(f"--env-file {path}, line {number}: expected KEY=VALUE")
        key, value = match.groups()
        try:
            variables[key] = _value(value)
        except ValueError as exc:
            raise EnvFileError(f"--env-file {path}, line {number}: {exc}") from None
    return variables


def _value(raw: str) -> str:
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = _closing_quote(raw, quote)
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise ValueError(f"text after the closing quote: {rest!r}")
        inner = raw[1:end]
        return inner if quote == "'" else _unescape(inner)
    return re.sub(r"\s+#.*$", "", raw)


def _closing_quote(raw: str, quote: str) -> int:
    index = 1
    while index < len(raw):
        if raw[index] == "\\" and quote == '"':
            index += 2
            continue
        if raw[index] == quote:
            return index
        index += 1
    raise ValueError(f"no closing {quote}")


def _unescape(inner: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), inner)
