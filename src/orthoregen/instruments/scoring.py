"""Score one response or a whole table of responses against an instrument definition."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orthoregen.instruments.definitions import Instrument, Item, format_code, round_half_away
from orthoregen.instruments.errors import ResponseError
from orthoregen.instruments.registry import get_instrument

CHUNK_ROWS = 8192


@dataclass(frozen=True)
class SubscaleScore:
    subscale_id: str
    name: str
    value: float | None
    reason: str | None  # why there is no value, e.g. "Pain: 4 of 9 items answered, 5 needed"


@dataclass(frozen=True)
class ScoreResult:
    """Every subscale of one response, at full precision, with the definition it was scored by."""

    instrument_id: str
    version: str
    options: tuple[tuple[str, str], ...]
    scores: tuple[SubscaleScore, ...]

    def __getitem__(self, subscale_id: str) -> float | None:
        for score in self.scores:
            if score.subscale_id == subscale_id:
                return score.value
        raise KeyError(subscale_id)

    @property
    def values(self) -> dict[str, float | None]:
        return {score.subscale_id: score.value for score in self.scores}

    @property
    def reasons(self) -> dict[str, str]:
        return {s.subscale_id: s.reason for s in self.scores if s.reason is not None}


def score(
    instrument_id: str,
    responses: Mapping[str, object],
    *,
    options: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score one response `{item_id: code or None}`; an absent item counts as not answered.

    Raises ResponseError for an unknown item, a non-numeric value or a code the item
    does not allow. Rules and sources are on each subscale's rule (see docs/instruments.md).
    """
    instrument = get_instrument(instrument_id, options)
    values = _validated_values(instrument, responses)
    results = []
    for subscale in instrument.subscales:
        item_values = [values[instrument.item_index[item_id]] for item_id in subscale.items]
        value, reason = subscale.rule.score_one(item_values)
        if reason is not None:
            reason = f"{subscale.name}: {reason}"
        results.append(SubscaleScore(subscale.id, subscale.name, value, reason))
    return ScoreResult(instrument.id, instrument.version, instrument.options, tuple(results))


def display_value(instrument_id: str, subscale_id: str, value: float | None) -> float | None:
    """Round a score for display at the subscale's published precision, halves away from zero."""
    if value is None:
        return None
    decimals = get_instrument(instrument_id).subscale(subscale_id).decimals
    return round_half_away(value, decimals)


def _validated_values(
    instrument: Instrument, responses: Mapping[str, object]
) -> list[float | None]:
    if not isinstance(responses, Mapping):
        raise ResponseError(
            instrument.id,
            "*",
            "a response must be an object of item codes",
            "item ids " + ", ".join(instrument.item_index),
        )
    values: list[float | None] = [None] * len(instrument.items)
    for item_id, value in responses.items():
        position = instrument.item_index.get(item_id)
        if position is None:
            raise ResponseError(
                instrument.id,
                str(item_id),
                "no such item",
                "item ids " + ", ".join(instrument.item_index),
            )
        values[position] = _validated_code(instrument, instrument.items[position], value)
    return values


def _validated_code(instrument: Instrument, item: Item, value: object) -> float | None:
    if value is None:
        return None
    # bool is an int in Python, but True is never a response code.
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ResponseError(instrument.id, item.id, f"{value!r} is not a number", item.allowed())
    number = float(value)
    if math.isnan(number):
        return None  # NaN is how tables mark "not answered"; treat a single response alike
    if not item.accepts(number):
        raise ResponseError(
            instrument.id, item.id, f"{format_code(number)} is not allowed", item.allowed()
        )
    return number


def score_batch(
    instrument_id: str,
    table: pd.DataFrame | np.ndarray,
    *,
    options: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Score every row of a table (items as columns, NaN = not answered) in one vectorised pass.

    A DataFrame is matched by column name (absent columns count as not answered); a numpy
    array must have one column per item in definition order. Returns one column per
    subscale, NaN where a row cannot be scored, equal to `score` row by row.
    """
    instrument = get_instrument(instrument_id, options)
    block, index = _as_block(instrument, table)
    slices = [
        _as_slice([instrument.item_index[item_id] for item_id in subscale.items])
        for subscale in instrument.subscales
    ]
    columns = np.full((len(instrument.subscales), len(block)), np.nan)
    # Row chunks small enough for the CPU cache, each copied column-major so that every
    # item is one contiguous run: several times faster than whole-table passes.
    for start in range(0, len(block), CHUNK_ROWS):
        chunk = np.asfortranarray(block[start : start + CHUNK_ROWS])
        _validate_block(instrument, chunk, first_row=start)
        for subscale, positions, values in zip(instrument.subscales, slices, columns, strict=True):
            values[start : start + len(chunk)] = subscale.rule.score_many(chunk[:, positions])
    return pd.DataFrame(
        dict(zip((s.id for s in instrument.subscales), columns, strict=True)), index=index
    )


def _as_block(instrument: Instrument, table: object) -> tuple[np.ndarray, pd.Index | None]:
    if isinstance(table, pd.DataFrame):
        duplicated = table.columns[table.columns.duplicated()]
        if len(duplicated):
            raise ResponseError(
                instrument.id, str(duplicated[0]), "column appears twice", "each item once"
            )
        for column, dtype in table.dtypes.items():
            if column not in instrument.item_index:
                raise ResponseError(
                    instrument.id,
                    str(column),
                    "no such item",
                    "item ids " + ", ".join(instrument.item_index),
                )
            if not _is_numeric(dtype):
                raise ResponseError(
                    instrument.id,
                    str(column),
                    f"column of {dtype} values",
                    instrument.item(str(column)).allowed(),
                )
        return _frame_block(instrument, table), table.index
    if isinstance(table, np.ndarray):
        if table.ndim != 2 or table.shape[1] != len(instrument.items):
            raise ResponseError(
                instrument.id,
                "*",
                f"array of shape {table.shape}",
                f"2-D array with {len(instrument.items)} columns in item order",
            )
        if not _is_numeric(table.dtype):
            raise ResponseError(
                instrument.id,
                "*",
                f"array of {table.dtype} values",
                "numbers, NaN for not answered",
            )
        return table.astype(float, copy=False), None
    raise TypeError(f"score_batch takes a pandas DataFrame or a numpy array, not {type(table)}")


def _frame_block(instrument: Instrument, table: pd.DataFrame) -> np.ndarray:
    # Plain numpy columns convert without a copy; nullable ones (Int64) need na_value.
    has_extension = any(
        isinstance(dtype, pd.api.extensions.ExtensionDtype) for dtype in table.dtypes
    )
    values: np.ndarray = (
        table.to_numpy(dtype=float, na_value=np.nan)
        if has_extension
        else table.to_numpy(dtype=float)
    )
    item_order = [item.id for item in instrument.items]
    if list(table.columns) == item_order:
        return values
    # Other orders or a subset of items: place each column; absent items stay NaN.
    block = np.full((len(table), len(item_order)), np.nan)
    block[:, [instrument.item_index[column] for column in table.columns]] = values
    return block


def _is_numeric(dtype: np.dtype[Any] | pd.api.extensions.ExtensionDtype) -> bool:
    kind = getattr(dtype, "kind", "O")
    return kind in "iuf" and not pd.api.types.is_bool_dtype(dtype)


def _validate_block(instrument: Instrument, block: np.ndarray, first_row: int) -> None:
    # Items with the same accepted codes are checked together: one pass, not one per item.
    groups: dict[tuple[object, ...], list[int]] = {}
    for position, item in enumerate(instrument.items):
        groups.setdefault((item.options, item.scale), []).append(position)
    for positions in groups.values():
        item = instrument.items[positions[0]]
        values = block[:, _as_slice(positions)]
        valid = _accepted(item, values) | np.isnan(values)
        if not valid.all():
            row, column = np.argwhere(~valid)[0]
            bad = instrument.items[positions[column]]
            problem = f"{format_code(values[row, column])} is not allowed (row {first_row + row})"
            raise ResponseError(instrument.id, bad.id, problem, bad.allowed())


def _accepted(item: Item, values: np.ndarray) -> np.ndarray:
    if item.scale is None:
        codes = np.asarray(item.options)
        if np.array_equal(codes, np.arange(codes[0], codes[0] + len(codes))):
            in_range: np.ndarray = (values >= codes[0]) & (values <= codes[-1])
            whole: np.ndarray = np.floor(values) == values
            accepted: np.ndarray = in_range & whole
            return accepted
        member: np.ndarray = np.isin(values, codes)
        return member
    valid: np.ndarray = (values >= item.scale.minimum) & (values <= item.scale.maximum)
    if item.scale.whole_numbers:
        valid &= np.floor(values) == values
    return valid


def _as_slice(positions: list[int]) -> slice | list[int]:
    """Return a slice when the positions are consecutive, so numpy gives a view, not a copy."""
    if positions == list(range(positions[0], positions[0] + len(positions))):
        return slice(positions[0], positions[0] + len(positions))
    return positions
