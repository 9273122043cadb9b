"""Small builders for test responses (no expected values live here)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings

from orthoregen.instruments import get_instrument


def every_item(instrument_id: str, code: float, **options: str) -> dict[str, float]:
    """Answer every item of an instrument with the same code."""
    return {item.id: code for item in get_instrument(instrument_id, options).items}


def summing_to(item_ids: tuple[str, ...], raw: int, item_max: int = 4) -> dict[str, int]:
    """Answer the items so that their codes add up to `raw` (fill from the first item)."""
    responses = {}
    for item_id in item_ids:
        code = min(item_max, raw)
        responses[item_id] = code
        raw -= code
    assert raw == 0, "raw sum larger than the items allow"
    return responses


def with_missing(responses: dict, item_ids: list[str]) -> dict:
    """Return a copy of the responses with these items unanswered."""
    return {**responses, **{item_id: None for item_id in item_ids}}


# Applied per test rather than loaded as a profile, so other areas' profiles are untouched.
PROPERTY_SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def random_table(instrument_id: str, rows: int, seed: int, **options: str) -> np.ndarray:
    """Draw valid codes for every item, then blank a random share of each row (0–70 %)."""
    rng = np.random.default_rng(seed)
    instrument = get_instrument(instrument_id, options)
    columns = []
    for item in instrument.items:
        if item.scale is None:
            columns.append(rng.choice(np.asarray(item.options), size=rows))
        elif item.scale.whole_numbers:
            columns.append(rng.integers(item.scale.minimum, item.scale.maximum + 1, size=rows))
        else:
            columns.append(np.round(rng.uniform(item.scale.minimum, item.scale.maximum, rows), 1))
    table = np.column_stack(columns).astype(float)
    share_missing = rng.uniform(0, 0.7, size=(rows, 1))
    table[rng.random(table.shape) < share_missing] = np.nan
    return table


def as_responses(instrument_id: str, row: np.ndarray) -> dict[str, float | None]:
    """Turn one table row into the `{item_id: code or None}` form `score` takes."""
    items = get_instrument(instrument_id).items
    return {
        item.id: (None if np.isnan(value) else float(value))
        for item, value in zip(items, row, strict=True)
    }
