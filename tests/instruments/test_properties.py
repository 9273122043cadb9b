"""Properties that hold for every instrument: range, direction, and batch = single."""

import math

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.instruments import get_instrument, instrument_ids, score, score_batch

from .helpers import PROPERTY_SETTINGS, every_item


def item_codes(item):
    """Any code the item accepts."""
    if item.scale is None:
        return st.sampled_from(item.options)
    if item.scale.whole_numbers:
        return st.integers(int(item.scale.minimum), int(item.scale.maximum)).map(float)
    return st.floats(item.scale.minimum, item.scale.maximum)


def responses(instrument_id):
    """A response with any mix of answered and unanswered items."""
    items = get_instrument(instrument_id).items
    return st.fixed_dictionaries({item.id: st.none() | item_codes(item) for item in items})


CASES = st.sampled_from(instrument_ids()).flatmap(lambda i: st.tuples(st.just(i), responses(i)))
BEST_MHHS = {"pain": 44, "limp": 11, "support": 11, "distance": 11, "stairs": 4,
             "shoes_socks": 4, "sitting": 5, "public_transport": 1}  # fmt: skip


@PROPERTY_SETTINGS
@given(CASES)
@example(("mhhs", BEST_MHHS))  # 100.1, the top of the mHHS range (Byrd & Jones 2000)
@example(("koos", every_item("koos", 4)))  # 0, the bottom of every KOOS subscale
@example(("womac_va31", every_item("womac_va31", 100)))
# EQ-5D-5L 55555 is the bottom of the index (-0.285 England, Devlin 2018 abstract); PROMIS
# all-best and all-worst codes are the two ends of each T-score table.
@example(("eq5d5l", dict.fromkeys(("MO", "SC", "UA", "PD", "AD"), 5) | {"VAS": 0}))
@example(("promis_global10", every_item("promis_global10", 5) | {"Global07rc": 0}))
@example(("promis_global10", every_item("promis_global10", 1) | {"Global07rc": 10}))
@example(("constant", every_item("constant", 0)))  # hand below the waist: 0 points
def test_every_score_is_within_its_range(case):
    instrument_id, answers = case
    instrument = get_instrument(instrument_id)
    result = score(instrument_id, answers)
    for subscale in instrument.subscales:
        value = result[subscale.id]
        assert value is None or subscale.minimum <= value <= subscale.maximum, subscale.id


def worse_code(item, current, fraction):
    """Return a code worse than `current` (None if there is none), chosen by `fraction`."""
    if item.scale is None:
        worse = sorted(
            code
            for code in item.options
            if (code < current if item.higher_is_better else code > current)
        )
        return worse[int(fraction * len(worse))] if worse else None
    low, high = item.scale.minimum, item.scale.maximum
    room = (current - low) if item.higher_is_better else (high - current)
    step = math.floor(fraction * room) if item.scale.whole_numbers else fraction * room
    if step == 0:
        return None
    return current - step if item.higher_is_better else current + step


@PROPERTY_SETTINGS
@given(CASES, st.integers(0, 10_000), st.floats(0, 1, exclude_max=True))
@example(("koos_jr", dict.fromkeys(("S6", "P2", "P3", "P6", "P9", "A3", "A5"), 2)), 0, 0.5)
@example(("ases", {"VAS": 2.0} | {f"ADL{n}": 3 for n in range(1, 11)}), 0, 0.5)
# UA level 4 -> 5 (pick 2 of MO SC UA PD AD): the England index may only fall.
@example(("eq5d5l", {"MO": 1, "SC": 1, "UA": 4, "PD": 1, "AD": 1}), 2, 0.5)
@example(("promis_global10", {"Global03": 3, "Global06": 3, "Global07rc": 3, "Global08r": 3}),
         2, 0.5)  # fmt: skip
@example(
    (
        "hhs",
        {
            "flexion_deg": 100,
            "abduction_deg": 20,
            "adduction_deg": 10,
            "external_rotation_deg": 10,
            "internal_rotation_deg": 10,
        },
    ),
    0,
    0.5,
)
def test_a_worse_answer_never_improves_a_score(case, pick, fraction):
    instrument_id, answers = case
    instrument = get_instrument(instrument_id)
    ordered = [
        item
        for item in instrument.items
        if item.higher_is_better is not None and answers.get(item.id) is not None
    ]
    if not ordered:
        return
    item = ordered[pick % len(ordered)]
    worse = worse_code(item, answers[item.id], fraction)
    if worse is None:
        return
    before, after = score(instrument_id, answers), score(instrument_id, {**answers, item.id: worse})
    for subscale in instrument.subscales:
        if item.id not in subscale.items or None in (before[subscale.id], after[subscale.id]):
            continue
        if subscale.higher_is_better:
            assert after[subscale.id] <= before[subscale.id], subscale.id
        else:
            assert after[subscale.id] >= before[subscale.id], subscale.id


@PROPERTY_SETTINGS
@given(
    st.sampled_from(instrument_ids()).flatmap(
        lambda i: st.tuples(st.just(i), st.lists(responses(i), min_size=1, max_size=20))
    )
)
def test_batch_of_drawn_responses_equals_score(case):
    instrument_id, rows = case
    frame = pd.DataFrame(
        [{k: (math.nan if v is None else v) for k, v in row.items()} for row in rows], dtype=float
    )
    batch = score_batch(instrument_id, frame)
    for position, row in enumerate(rows):
        for subscale_id, value in score(instrument_id, row).values.items():
            got = batch[subscale_id].iloc[position]
            assert (value is None and np.isnan(got)) or value == got
