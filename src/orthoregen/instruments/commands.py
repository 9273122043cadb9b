"""`orthoregen score` and `orthoregen instruments …`: scoring and definitions from the shell.

Bad input ends with a one-line message on standard error and exit status 2, never a
traceback: the person at the keyboard needs to know which item to fix.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from orthoregen.instruments.catalogue import describe
from orthoregen.instruments.definitions import Instrument, format_code
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
        "score",
        help="score responses given as JSON (one object or a list) or CSV (one row each)",
    )
    scorer.add_argument("instrument", help="instrument id, e.g. koos (see: instruments list)")
    scorer.add_argument(
        "file",
        nargs="?",
        help="JSON or CSV file (CSV when it ends in .csv); standard input when omitted",
    )
    scorer.add_argument(
        "--format",
        choices=("json", "csv"),
        help="input and output format (default: csv for a .csv file, otherwise json)",
    )
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
    """Score the responses in FILE or on standard input; print the scores in the same format."""
    if (args.format or _format_of(args.file)) == "csv":
        return _score_csv_command(args)
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


def _format_of(file: str | None) -> str:
    return "csv" if file and Path(file).suffix.lower() == ".csv" else "json"


def _score_csv_command(args: argparse.Namespace) -> int:
    """Score a CSV file row by row; a bad row gets its `error` and the others still score."""
    try:
        options = _parse_options(args.option)
        get_instrument(args.instrument, options)  # an unknown id or option stops here
        if args.file:
            with open(args.file, encoding="utf-8-sig", newline="") as source:
                summary = score_csv(args.instrument, source, sys.stdout, options, args.rounded)
        else:
            summary = score_csv(args.instrument, sys.stdin, sys.stdout, options, args.rounded)
    except OSError as error:
        return _fail("score", f"cannot read {args.file}: {error.strerror}")
    except (*INPUT_ERRORS, ValueError) as error:
        return _fail("score", str(error))
    for line in summary:
        print(f"orthoregen score: {line}", file=sys.stderr)
    return 0


# Cells that mean "not answered": empty, or NA as R and many exports write it.
MISSING_CELLS = frozenset({"", "NA"})
# A plain decimal number; "nan", "inf" and "1e3" are refused rather than guessed at.
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def score_csv(
    instrument_id: str,
    source: TextIO,
    target: TextIO,
    options: Mapping[str, str],
    rounded: bool,
) -> list[str]:
    """Score each CSV row (item ids as column names); write one output row per input row.

    Columns that are not items (a patient id, a date) are copied through first, then
    instrument, version, options (name=value;…), every subscale, each subscale's
    `<id>_reason` (why it has no score) and `error`. An empty cell or NA is not answered.
    A row with a value that is not a number or not allowed gets that `error` and no scores;
    the other rows still score. Returns notes for the person at the keyboard (rows with
    errors, columns not scored).
    """
    instrument = get_instrument(instrument_id, options)
    reader = csv.reader(source)
    header = [name.strip() for name in next(reader, [])]
    items, copied = _csv_columns(instrument, header)
    subscale_ids = [subscale.id for subscale in instrument.subscales]
    chosen = ";".join(f"{name}={value}" for name, value in instrument.options)
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(
        [*copied, "instrument", "version", "options", *subscale_ids]
        + [f"{subscale_id}_reason" for subscale_id in subscale_ids]
        + ["error"]
    )
    rows = failed = 0
    for cells in reader:
        if not cells:
            continue  # a blank line is not a response
        rows += 1
        record = dict(zip(header, cells, strict=False))
        values, reasons, error = _score_csv_row(instrument, record, items, options, rounded)
        if len(cells) != len(header):
            values, reasons = {}, {}
            error = f"the row has {len(cells)} cells, the header {len(header)}"
        failed += bool(error)
        writer.writerow(
            [record.get(name, "") for name in copied]
            + [instrument.id, instrument.version, chosen]
            + [values.get(subscale_id, "") for subscale_id in subscale_ids]
            + [reasons.get(subscale_id, "") for subscale_id in subscale_ids]
            + [error]
        )
    notes = []
    if copied:
        notes.append(f"columns copied, not scored (not {instrument.id} items): {', '.join(copied)}")
    if failed:
        notes.append(f"{failed} of {rows} rows not scored; see their error column")
    return notes


def _csv_columns(instrument: Instrument, header: list[str]) -> tuple[list[str], list[str]]:
    """Split the header into item columns and columns to copy; refuse what cannot work."""
    if not header:
        raise ValueError("the CSV is empty; its first row must name the item columns")
    duplicated = [name for name in header if header.count(name) > 1]
    if duplicated:
        raise ValueError(f"column {duplicated[0]!r} appears twice in the CSV header")
    items = [name for name in header if name in instrument.item_index]
    if not items:
        raise ValueError(
            f"no CSV column is an item of {instrument.id}; item ids: "
            + ", ".join(instrument.item_index)
        )
    copied = [name for name in header if name not in instrument.item_index]
    written = {"instrument", "version", "options", "error"}
    for subscale in instrument.subscales:
        written |= {subscale.id, f"{subscale.id}_reason"}
    clash = [name for name in copied if name in written]
    if clash:
        raise ValueError(f"CSV column {clash[0]!r} would clash with an output column; rename it")
    return items, copied


def _score_csv_row(
    instrument: Instrument,
    record: Mapping[str, str],
    items: list[str],
    options: Mapping[str, str],
    rounded: bool,
) -> tuple[dict[str, str], dict[str, str], str]:
    """Return one row's formatted scores and reasons, or its error."""
    try:
        responses: dict[str, float | None] = {}
        for item_id in items:
            cell = record.get(item_id, "").strip()
            if cell in MISSING_CELLS:
                responses[item_id] = None
            elif NUMBER.match(cell):
                responses[item_id] = float(cell)
            else:
                allowed = instrument.item(item_id).allowed()
                raise ResponseError(instrument.id, item_id, f"{cell!r} is not a number", allowed)
        result = score(instrument.id, responses, options=options)
    except ResponseError as error:
        return {}, {}, str(error)
    values = {}
    for subscale_id, value in result.values.items():
        if rounded:
            value = display_value(instrument.id, subscale_id, value)
        values[subscale_id] = "" if value is None else format_code(value)
    return values, result.reasons, ""


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
