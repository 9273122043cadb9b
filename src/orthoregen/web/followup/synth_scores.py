"""Synthetic questionnaire answers from a latent pain score, scored with score_batch.

The latent score is on the WOMAC pain scale, 0-100, higher = worse
(docs/evidence.md#baseline-scores, #change-after-injection). Other measures are scaled from it
as docs/evidence.md#change-after-injection suggests (VAS change about 1.1 x WOMAC pain change;
KOOS/HOOS pain about -0.9 x, higher = better), with item-level noise; the KOOS/HOOS
quality-of-life and sport items sit lower than pain, as docs/evidence.md#baseline-scores shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orthoregen.instruments import get_instrument, score_batch

ITEM_NOISE = 0.6  # SD in response categories: items of one subscale disagree a little

# Multiplier from the latent score to each item group's mean on a 0-4 "problem" scale,
# chosen so a latent 48 (KL3 baseline) gives KOOS pain ~46, ADL ~50, QoL ~26
# (docs/evidence.md#baseline-scores).
KOOS_GROUP_SCALE = {"S": 1.0, "P": 1.12, "A": 1.05, "SP": 1.45, "Q": 1.55}


def _items(rng, latent: np.ndarray, scale: float, count: int, top: int) -> np.ndarray:
    mean = np.clip(latent, 0, 100)[:, None] * scale / 100 * top
    noisy = mean + rng.normal(0, ITEM_NOISE, (len(latent), count))
    return np.clip(np.rint(noisy), 0, top)


def _group(item_id: str) -> str:
    return item_id.rstrip("0123456789")


def item_table(rng, instrument_id: str, latent: np.ndarray) -> pd.DataFrame:
    """Return item answers (columns = item ids) for each latent pain score."""
    instrument = get_instrument(instrument_id)
    ids = [item.id for item in instrument.items]
    vas_mm = np.clip(latent * 1.1 + 10 + rng.normal(0, 6, len(latent)), 0, 100)
    if instrument_id == "nrs_pain":
        values = np.clip(np.rint(vas_mm / 10), 0, 10)[:, None]
    elif instrument_id == "vas_pain":
        values = np.rint(vas_mm)[:, None]
    elif instrument_id == "womac_lk31":
        function = latent + rng.normal(0, 10, len(latent))  # pain-function r about 0.75
        values = np.hstack([_items(rng, latent, 1.0, 7, 4), _items(rng, function, 1.0, 17, 4)])
    elif instrument_id in ("koos", "hoos"):
        values = np.hstack([_items(rng, latent, KOOS_GROUP_SCALE[_group(i)], 1, 4) for i in ids])
    elif instrument_id == "ases":
        vas_cm = np.rint(vas_mm) / 10
        values = np.hstack([vas_cm[:, None], 3 - _items(rng, latent, 0.9, 10, 3)])
    else:
        raise ValueError(f"no synthetic answers for {instrument_id}")
    return pd.DataFrame(values.astype(float), columns=ids)


def scored(rng, instrument_id: str, latent: np.ndarray) -> tuple[list[str], list[str]]:
    """Return (answers, scores) as JSON texts, one per row, scored by the instruments package.

    pandas writes the JSON in C (NaN as null), far faster than a dict per row at a million
    rows; scores keep 15 significant digits.
    """
    items = item_table(rng, instrument_id, latent)
    scores = score_batch(instrument_id, items)
    whole = [c for c in items.columns if not (instrument_id == "ases" and c == "VAS")]
    answers = items.astype({column: int for column in whole})
    return _json_lines(answers), _json_lines(scores)


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, double_precision=15)
    return text.rstrip("\n").split("\n")
