"""`orthoregen score` and `orthoregen instruments …`: scoring and definitions from the shell.

Bad input ends with a one-line message on standard error and exit status 2, never a
traceback: the person at the keyboard needs to know which item to fix.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from orthoregen.instruments.catalogue import describe
from orthoregen.instruments.errors import (
    OptionError,
    ResponseError,
    TextPackError,
    UnknownInstrumentError,
)
from orthoregen.instruments.registry import get_instrument, instrument_ids
from orthoregen.instruments.scoring import ScoreResult, display_value, score
from orthoregen.instruments.textpacks import install_text_pack

USAGE_ERROR = 2
INPUT_ERRORS = (OptionError, ResponseError, TextPackError, UnknownInstrumentError)


def register(subparsers: Any) -> None:
    """Add the `score` and `instruments` sub-commands to the main parser."""
    scorer = subparsers.add_parser(
        "score", help="score responses given as JSON (one object or a list of objects)"
    )
    scorer.add_argument("instrument", help="instrument id, e.g. koos (see: instruments list)")
    scorer.add_argument("file", nargs="?", help="JSON file; standard input when omitted")
    _add_option_argument(scorer)
    scorer.add_argument(
        "--rounded",
        action="store_true",
        help="round for display as each guide does (halves away from zero)",
    )
    scorer.set_defaults(handler=score_command)

    instruments = subparsers.add_parser("instruments", help="list and show instrument definitions")
    actions = instruments.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list every instrument").set_defaults(handler=list_command)
    show = actions.add_parser("show", help="print one definition as JSON")
    show.add_argument("instrument")
    _add_option_argument(show)
    show.set_defaults(handler=show_command)
    load = actions.add_parser("load-text", help="validate and install a licensed text pack")
    load.add_argument("file")
    load.add_argument(
        "--dir",
        help="target directory (default $ORTHOREGEN_DATA_DIR/textpacks, "
        "with ORTHOREGEN_DATA_DIR defaulting to ./var)",
    )
    load.set_defaults(handler=load_text_command)


def _add_option_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="scoring option, e.g. missing_rule=1998 (see: instruments show)",
    )


def score_command(args: argparse.Namespace) -> int:
    """Score the JSON responses in FILE or on standard input and print the scores as JSON."""
    try:
        options = _parse_options(args.option)
        text = Path(args.file).read_text(encoding="utf-8") if args.file else sys.stdin.read()
        data = json.loads(text)
        if isinstance(data, dict):
            output: Any = _as_json(score(args.instrument, data, options=options), args.rounded)
        elif isinstance(data, list):
            output = [
                _score_numbered(args.instrument, n, row, options, args.rounded)
                for n, row in enumerate(data)
            ]
        else:
            raise ValueError("the JSON must be one response object or a list of them")
    except json.JSONDecodeError as error:
        return _fail("score", f"{args.file or 'standard input'} is not valid JSON: {error}")
    except OSError as error:
        return _fail("score", f"cannot read {args.file}: {error.strerror}")
    except (*INPUT_ERRORS, ValueError) as error:
        return _fail("score", str(error))
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return 0


def _score_numbered(
    instrument_id: str, number: int, row: object, options: dict[str, str], rounded: bool
) -> dict[str, Any]:
    try:
        if not isinstance(row, dict):
            raise ValueError("is not a JSON object of item codes")
        return _as_json(score(instrument_id, row, options=options), rounded)
    except (ResponseError, ValueError) as error:
        raise ValueError(f"response {number}: {error}") from None


def _as_json(result: ScoreResult, rounded: bool) -> dict[str, Any]:
    values = result.values
    if rounded:
        values = {key: display_value(result.instrument_id, key, v) for key, v in values.items()}
    return {
        "instrument": result.instrument_id,
        "version": result.version,
        "options": dict(result.options),
        "scores": values,
        "reasons": result.reasons,
    }


def _parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            raise OptionError(f"option {pair!r} is not NAME=VALUE")
        options[name] = value
    return options


def list_command(args: argparse.Namespace) -> int:
    """Print one line per instrument: id, name, version and whether its wording is available."""
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        wording = "shipped" if instrument.licence.ships_wording else "licensed, use load-text"
        print(f"{instrument_id:<13} {instrument.name} — {instrument.version} [wording {wording}]")
    return 0


def show_command(args: argparse.Namespace) -> int:
    """Print one instrument definition as JSON."""
    try:
        instrument = get_instrument(args.instrument, _parse_options(args.option))
    except INPUT_ERRORS as error:
        return _fail("instruments show", str(error))
    print(json.dumps(describe(instrument), indent=2, ensure_ascii=False))
    return 0


def load_text_command(args: argparse.Namespace) -> int:
    """Validate a text pack and install it where the web application looks for packs."""
    directory = Path(args.dir) if args.dir else default_text_dir()
    try:
        installed = install_text_pack(args.file, directory)
    except TextPackError as error:
        return _fail("instruments load-text", str(error))
    except OSError as error:
        return _fail("instruments load-text", f"cannot write to {directory}: {error.strerror}")
    print(f"installed {installed}")
    return 0


def default_text_dir() -> Path:
    """Return $ORTHOREGEN_DATA_DIR/textpacks, the data directory defaulting to ./var."""
    return Path(os.environ.get("ORTHOREGEN_DATA_DIR") or "var") / "textpacks"


def _fail(command: str, message: str) -> int:
    print(f"orthoregen {command}: error: {message}", file=sys.stderr)
    return USAGE_ERROR
