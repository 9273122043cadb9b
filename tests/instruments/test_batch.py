"""score_batch equals score row by row, on 10,000 random responses per instrument."""

import itertools
import zlib

import numpy as np
import pandas as pd
import pytest

from orthoregen.instruments import (
    get_instrument,
    instrument_ids,
    option_specs,
    score,
    score_batch,
)
from orthoregen.instruments.scoring import CHUNK_ROWS

from .helpers import random_table

ROWS = 10_000


def loop_scores(instrument_id, table, options=None):
    """Score each row with `score`, NaN where a subscale has no value."""
    items = [item.id for item in get_instrument(instrument_id, options).items]
    rows = []
    for row in table:
        responses = {
            item_id: None if np.isnan(value) else value
            for item_id, value in zip(items, row.tolist(), strict=True)
        }
        values = score(instrument_id, responses, options=options).values
        rows.append([np.nan if value is None else value for value in values.values()])
    return np.array(rows, dtype=float)


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_batch_equals_score_on_random_responses(instrument_id):
    table = random_table(instrument_id, ROWS, seed=zlib.crc32(instrument_id.encode()))
    expected = loop_scores(instrument_id, table)
    batch = score_batch(instrument_id, table)
    np.testing.assert_array_equal(batch.to_numpy(), expected)
    # Every subscale must be scored in some rows and unscorable in others, or the
    # comparison would prove little. A count of recorded items (ases_clinician) has a
    # value for every row by definition, so it is only required to be scored.
    assert np.isfinite(expected).any(axis=0).all()
    counts = [s.id == "items_recorded" for s in get_instrument(instrument_id).subscales]
    assert (np.isnan(expected).any(axis=0) | counts).all()


def _non_default_options(instrument_id):
    specs = option_specs(instrument_id)
    choices = [[(spec.name, choice) for choice in spec.choices] for spec in specs]
    for combination in itertools.product(*choices):
        options = dict(combination)
        if any(options[spec.name] != spec.default for spec in specs):
            yield instrument_id, options


@pytest.mark.parametrize(
    ("instrument_id", "options"),
    [case for instrument_id in instrument_ids() for case in _non_default_options(instrument_id)],
)
def test_batch_equals_score_with_every_option(instrument_id, options):
    table = random_table(instrument_id, 2_000, seed=7, **options)
    expected = loop_scores(instrument_id, table, options)
    batch = score_batch(instrument_id, table, options=options)
    np.testing.assert_array_equal(batch.to_numpy(), expected)


def test_frame_input_matches_array_input_whatever_the_column_order():
    table = random_table("koos", 3_000, seed=3)
    columns = [item.id for item in get_instrument("koos").items]
    frame = pd.DataFrame(table, columns=columns)
    shuffled = frame[list(reversed(columns))]
    pd.testing.assert_frame_equal(score_batch("koos", shuffled), score_batch("koos", table))


def test_batch_spans_several_chunks():
    # score_batch works in row chunks; a table longer than a chunk must still line up.
    table = random_table("hoos", CHUNK_ROWS * 2 + 17, seed=11)
    np.testing.assert_array_equal(score_batch("hoos", table).to_numpy(), loop_scores("hoos", table))


def test_empty_table_gives_empty_result():
    result = score_batch("koos", np.empty((0, 42)))
    assert list(result.columns) == ["pain", "symptoms", "adl", "sport_rec", "qol"]
    assert len(result) == 0
