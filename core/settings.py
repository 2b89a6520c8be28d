"""Every ``LANTERN_*`` environment variable, declared once, read and checked in one place.

``VARIABLES`` is the settings table (the README's "Settings" table says the same, and a test keeps
them equal): each row gives the variable's name, its ``Settings`` field, default, meaning, the values it
accepts and the function that parses it. ``load_settings()`` reads them all into a frozen ``Settings``.
One policy for every variable: surrounding spaces are ignored, an empty value means unset (the default
applies), and a value that cannot be used raises ``SettingsError`` with one sentence that names the
variable, shows the value (cut short; a token is never shown) and says what to write instead. Nothing is
silently ignored: a ``LANTERN_*`` name that is not declared (a typo) comes back in ``Settings.warnings``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from core.data.csvio import DEFAULT_MAX_CELL, DEFAULT_MAX_ROWS

PREFIX = "LANTERN_"
DEFAULT_SERVICE_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
SHOWN_CHARS = 40

_WHOLE_NUMBER = re.compile(r"\d+(?:[_,]\d+)*")
_BYTES = re.compile(r"(?P<number>\d+(?:[_,]\d+)*)\s*(?P<unit>[kmg]i?b|b)?", re.IGNORECASE)
_UNITS = MappingProxyType({"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
                           "kib": 1024, "mib": 1024**2, "gib": 1024**3})
_ORIGIN = re.compile(r"https?://[^\s/?#,]+")
_BASE_URL = re.compile(r"https?://[^\s/?#,]+(/[^\s?#,]*)?")


class SettingsError(ValueError):
    """A ``LANTERN_*`` value Lantern cannot use, worded for the administrator who set it."""


@dataclass(frozen=True)
class Variable:
    """One row of the settings table."""

    name: str
    field: str
    default: str  # as the README shows it
    meaning: str
    accepted: str
    parse: Callable[[Variable, str], Any]
    secret: bool = False

    def refuse(self, raw: str, should_be: str) -> SettingsError:
        """The one sentence for a bad value: the variable, what it should be, and the value (unless secret)."""
        if self.secret:
            return SettingsError(f"{self.name} must be {should_be}; its value is not shown.")
        return SettingsError(f"{self.name} must be {should_be}, not {raw[:SHOWN_CHARS]!r}.")


def _count(default: int) -> Callable[[Variable, str], int]:
    """A parser for a whole number of at least 1 (``1_000`` and ``250,000`` are read too)."""

    def parse(variable: Variable, raw: str) -> int:
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise variable.refuse(raw, f"a whole number such as {default:,}")
        value = int(raw.replace(",", "").replace("_", ""))
        if value < 1:
            raise SettingsError(f"{variable.name} must be at least 1 (the default is {default:,}).")
        return value

    return parse


def _bytes(variable: Variable, raw: str) -> int:
    """A size in bytes, plain (5242880) or with a unit: kB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024."""
    match = _BYTES.fullmatch(raw)
    if match is None:
        raise variable.refuse(raw, f"a whole number of bytes such as {DEFAULT_SERVICE_MAX_BYTES}, or a size such "
                                   "as 50MB or 5MiB")
    value = int(match["number"].replace(",", "").replace("_", "")) * _UNITS[(match["unit"] or "b").lower()]
    if value < 1:
        raise SettingsError(f"{variable.name} must be at least 1 byte (the default is 5MiB).")
    return value


def _path(variable: Variable, raw: str) -> Path:
    if "\x00" in raw:
        raise variable.refuse(raw.replace("\x00", "\\0"), "a path without NUL characters")
    return Path(raw).expanduser()


def _token(variable: Variable, raw: str) -> str:
    """A bearer token: printable ASCII without spaces, because clients send it in an HTTP header."""
    if not all("!" <= c <= "~" for c in raw):
        raise variable.refuse(raw, "printable ASCII without spaces, as clients send it in an HTTP header")
    return raw


def _origins(variable: Variable, raw: str) -> tuple[str, ...]:
    origins = tuple(dict.fromkeys(part.strip().rstrip("/") for part in raw.split(",") if part.strip()))
    if origins != ("*",):
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise SettingsError(
                    f"{variable.name} must be a comma-separated list of origins such as https://ehr.example.org,"
                    f"http://localhost:3000 (or *), and {origin[:SHOWN_CHARS]!r} is not one: an origin is http:// or "
                    "https://, a host and an optional port, with no path."
                )
    return origins


def _urls(variable: Variable, raw: str) -> tuple[str, ...]:
    urls = tuple(dict.fromkeys(part.strip().rstrip("/") for part in raw.split(",") if part.strip()))
    for url in urls:
        if not _BASE_URL.fullmatch(url):
            raise SettingsError(
                f"{variable.name} must be a comma-separated list of FHIR base URLs such as "
                f"https://ehr.example.org/fhir, and {url[:SHOWN_CHARS]!r} is not one: a base URL is http:// or "
                "https://, a host, an optional port and a path, with no query or fragment."
            )
    return urls


VARIABLES = (
    Variable("LANTERN_BUNDLE", "bundle", "artifacts/default", "the model bundle the app, `lantern score` and the "
             "service load when no `--bundle` is given", "a bundle folder (checked when it loads)", _path),
    Variable("LANTERN_MAX_ROWS", "max_rows", "unset: 1,000,000 for app uploads, no limit for `core.score`",
             "most data rows read from one CSV; the batch CLI streams, so it applies this only when set",
             "a whole number of at least 1 (`250,000` and `1_000` are read too)", _count(DEFAULT_MAX_ROWS)),
    Variable("LANTERN_MAX_CELL", "max_cell", f"{DEFAULT_MAX_CELL:,}", "most characters in one CSV cell",
             "a whole number of at least 1", _count(DEFAULT_MAX_CELL)),
    Variable("LANTERN_SERVICE_TOKEN", "service_token", "unset: no token needed", "bearer token every service "
             "endpoint except `/health` requires", "printable ASCII without spaces (never shown in messages)",
             _token, secret=True),
    Variable("LANTERN_SERVICE_MAX_BYTES", "service_max_bytes", "5MiB (5,242,880)", "largest request body the "
             "service accepts", "bytes (`5242880`) or a size: `kB`, `MB`, `GB` (x1000) or `KiB`, `MiB`, `GiB` (x1024)",
             _bytes),
    Variable("LANTERN_SERVICE_CORS_ORIGINS", "service_cors_origins", "unset: CORS closed", "browser origins "
             "allowed to call the service", "comma-separated `http(s)://host[:port]` origins, or `*`", _origins),
    Variable("LANTERN_FHIR_SERVERS", "fhir_servers", "unset: the service never fetches", "FHIR servers the "
             "service may fetch missing or paginated CDS Hooks prefetch from (the request's `fhirServer` must be one "
             "of them)", "comma-separated base URLs, `https://` (plain `http://` only on loopback)", _urls),
    Variable("LANTERN_CHROMIUM", "chromium", str(DEFAULT_CHROMIUM), "the Chromium the browser tests drive "
             "(tests only)", "a path to a Chromium executable", _path),
)
_BY_NAME = MappingProxyType({v.name: v for v in VARIABLES})


@dataclass(frozen=True)
class Settings:
    """Lantern's settings, typed; ``None`` means "not set" where the default depends on who asks."""

    bundle: Path | None = None
    max_rows: int | None = None
    max_cell: int = DEFAULT_MAX_CELL
    service_token: str | None = field(default=None, repr=False)  # never in a log line or traceback
    service_max_bytes: int = DEFAULT_SERVICE_MAX_BYTES
    service_cors_origins: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()
    chromium: Path = DEFAULT_CHROMIUM
    warnings: tuple[str, ...] = field(default=(), compare=False)


def declared_names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def variable(name: str) -> Variable:
    """The declared variable called ``name``; a KeyError naming the real ones for any other."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name} is not a Lantern setting; the settings are {', '.join(_BY_NAME)}.") from None


def read_value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One variable's parsed value, or None when it is unset or empty (its default then applies)."""
    declared = variable(name)
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    return declared.parse(declared, raw) if raw else None


def unknown_variables(environ: Mapping[str, str]) -> tuple[str, ...]:
    """A warning for each ``LANTERN_*`` name that is not a setting, with the closest real name."""
    found = []
    for name in sorted(n for n in environ if n.startswith(PREFIX) and n not in declared_names()):
        suffixes = [real.removeprefix(PREFIX) for real in declared_names()]  # the shared prefix matches anything
        guess = difflib.get_close_matches(name.removeprefix(PREFIX), suffixes, n=1, cutoff=0.75)
        hint = f" (did you mean {PREFIX}{guess[0]}?)" if guess else ""
        found.append(f"{name[:SHOWN_CHARS]} is not a Lantern setting{hint}; it is ignored.")
    return tuple(found)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every ``LANTERN_*`` variable; the first unusable value raises ``SettingsError``."""
    environ = os.environ if environ is None else environ
    values = {v.field: read_value(v.name, environ) for v in VARIABLES}
    given = {name: value for name, value in values.items() if value is not None}
    return Settings(**given, warnings=unknown_variables(environ))


def settings_table() -> str:
    """The README's "Settings" table, rendered from ``VARIABLES`` (a test keeps the README equal to it)."""
    rows = [f"| `{v.name}` | {v.default} | {v.meaning} | {v.accepted} |" for v in VARIABLES]
    return "\n".join(["| variable | default | meaning | accepted values |", "|---|---|---|---|", *rows])
