"""The `orthoregen` command line.

Each area contributes its own sub-commands through a `register(subparsers)` function in
its `commands.py` module, so this file only wires them together and stays short.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules that expose register(subparsers). Web commands import Django lazily inside
# their handlers, so `orthoregen score` works without a database or settings.
COMMAND_MODULES = (
    "orthoregen.instruments.commands",
    "orthoregen.web.commands",
    "orthoregen.web.audit.commands",
    "orthoregen.web.followup.commands",
    "orthoregen.web.registry.commands",
    "orthoregen.web.fhir.commands",
    "orthoregen.web.imports.commands",
    "orthoregen.web.imaging.commands",
    "orthoregen.web.backup.commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser from every area's registered sub-commands."""
    parser = argparse.ArgumentParser(prog="orthoregen", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # The reader went away (`orthoregen … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
