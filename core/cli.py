"""The ``lantern`` command: one entry point whose subcommands forward to the existing ``main()`` functions.

``lantern score|train|synth|serve ARGS`` is exactly ``python -m core.score|core.train|core.synth|service ARGS``:
each subcommand imports its module only when it runs, so ``lantern --help`` stays instant and scoring a linear
bundle still imports no heavy library. ``lantern app`` runs Streamlit on the installed ``streamlit_app.py`` with
the settings of the project's ``.streamlit/config.toml`` passed as flags, so the app behaves the same from any
folder (Streamlit itself reads that file only from the current folder).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from core.project_files import CHECKOUT, project_path

APP_SCRIPT = CHECKOUT / "streamlit_app.py"


class Command(NamedTuple):
    """A subcommand: the module whose ``main(argv)`` it runs, and one line for ``lantern --help``."""

    module: str
    summary: str


COMMANDS = MappingProxyType({
    "app": Command("", "run the Streamlit app (arguments go to `streamlit run`, e.g. --server.port 8502)"),
    "score": Command("core.scoring.cli", "score a CSV file with a bundle (same as python -m core.score)"),
    "train": Command("core.training.train", "train a bundle (same as python -m core.train)"),
    "synth": Command("core.synthetic.cli", "write a synthetic cohort CSV (same as python -m core.synth)"),
    "serve": Command("service.__main__", "start the CDS Hooks and scoring service (same as python -m service)"),
})


def usage() -> str:
    """The text of ``lantern --help``: every subcommand with its one line."""
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items())
    return (
        "usage: lantern COMMAND [ARGS ...]\n\n"
        "Calibrated, explained 30-day readmission risk.\n\n"
        f"commands:\n{rows}\n\n"
        "`lantern COMMAND --help` shows the options of one command."
    )


def streamlit_flags(config_file: Path) -> list[str]:
    """``--section.option=value`` for every setting in a Streamlit config file (booleans as true/false)."""
    if not config_file.is_file():
        return []
    config = tomllib.loads(config_file.read_text(encoding="utf-8"))
    flags = []
    for section, options in config.items():
        for option, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{option}={text}")
    return flags


def app_command(args: Sequence[str]) -> list[str]:
    """The ``streamlit run`` command line for the installed app; the user's own flags come last, so they win."""
    flags = streamlit_flags(project_path(".streamlit", "config.toml"))
    return [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT), *flags, *args]


def run_app(args: Sequence[str]) -> int:
    """Streamlit in a child process of the same interpreter: core/ never imports the UI library itself."""
    try:
        return subprocess.call(app_command(args))
    except KeyboardInterrupt:  # Ctrl-C reaches the child too; end quietly, as a shell would
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``lantern COMMAND ARGS``; exit status 2 for a missing or unknown command, as argparse does."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(usage(), file=sys.stderr)
        return 2
    if args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"lantern: unknown command {name[:40]!r}; choose one of {', '.join(COMMANDS)}.\n\n{usage()}",
              file=sys.stderr)
        return 2
    from core.settings import unknown_variables

    for warning in unknown_variables(os.environ):
        print(f"warning: {warning}", file=sys.stderr)
    if name == "app":
        return run_app(rest)
    return int(importlib.import_module(COMMANDS[name].module).main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
