"""The tidy, long-format score table every cohort function reads, and its pairing rule.

One row per episode × instrument × subscale × timepoint:

- `episode_id`: one treated joint of one patient (patient + joint + side); bilateral OA
  gives two episodes, which are not independent: filter to the index joint if that matters;
- `instrument`: e.g. "KOOS", "WOMAC", "VAS pain";
- `subscale`: e.g. "pain", "ADL"; "total" for single-score instruments;
- `timepoint`: the visit label of the follow-up window the score fell in ("baseline",
  "6m"…), assigned upstream by the schedule; scores outside every window carry no label
  (NaN) and are ignored;
- `value`: the score on the instrument's own scale; NaN = could not be scored.

Extra columns (site, cell source, dose band…) are allowed and ignored; filter before calling.
Exactly one value per episode, instrument, subscale and timepoint is accepted: choosing which
of two questionnaires in one window counts is a protocol decision made upstream.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

EPISODE = "episode_id"
KEYS = [EPISODE, "instrument", "subscale"]
REQUIRED_COLUMNS = (EPISODE, "instrument", "subscale", "timepoint", "value")
LABELS = ("instrument", "subscale", "timepoint")
BASELINE = "baseline"


def valid_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Return the usable rows (labelled timepoint, non-missing value), refusing duplicates."""
    missing = [c for c in REQUIRED_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"score table lacks columns {missing}")
    # Label columns become categoricals once, so later groupbys and merges reuse integer codes
    # instead of re-hashing strings (about 3x faster on a million rows).
    scores = scores.astype({c: "category" for c in LABELS if scores[c].dtype != "category"})
    usable = scores.loc[
        scores["timepoint"].notna() & scores["value"].notna(), list(REQUIRED_COLUMNS)
    ]
    dup = _duplicated(usable)
    if dup.any():
        example = usable.loc[dup, [*KEYS, "timepoint"]].head(3).to_dict("records")
        raise ValueError(f"more than one score per episode, subscale and timepoint: {example}")
    return usable


def _duplicated(usable: pd.DataFrame) -> pd.Series:
    """Mark every row whose episode, instrument, subscale and timepoint occur more than once.

    With integer episode ids the four keys fold into one int64 (episode and the labels'
    category codes), which hashes several times faster than four columns; the result is the
    same as `usable.duplicated([*KEYS, "timepoint"], keep=False)`.
    """
    episode = usable[EPISODE]
    if not pd.api.types.is_integer_dtype(episode) or usable.empty:
        return usable.duplicated([*KEYS, "timepoint"], keep=False)
    # Mixed radix: each label's code + 1 (NaN is 0) is a digit below its size, so distinct
    # rows fold to distinct keys for any episode id, as long as nothing overflows int64.
    sizes = [len(usable[c].cat.categories) + 1 for c in LABELS]
    if int(episode.abs().max()) * int(np.prod(sizes)) >= 2**62:
        return usable.duplicated([*KEYS, "timepoint"], keep=False)
    key = episode.to_numpy(dtype=np.int64, copy=True)
    for column, size in zip(LABELS, sizes, strict=True):
        key = key * size + usable[column].cat.codes.to_numpy(dtype=np.int64) + 1
    offset = key - key.min()
    if int(offset.max()) <= 8 * len(key) + 2**20:
        # Dense keys (registry episode ids run from 1 up): counting occurrences in an array
        # of the keys' span marks the same rows several times faster than hashing them.
        counts = np.bincount(offset)
        return pd.Series(counts[offset] > 1, index=usable.index)
    return pd.Series(key, index=usable.index).duplicated(keep=False)


def paired_with_baseline(scores: pd.DataFrame, *, baseline: str = BASELINE) -> pd.DataFrame:
    """Return follow-up scores that have a baseline, with columns baseline and change.

    change = follow-up − baseline on the instrument's own scale (no re-signing here).
    """
    return pair_valid_scores(valid_scores(scores), baseline=baseline)


def pair_valid_scores(usable: pd.DataFrame, *, baseline: str = BASELINE) -> pd.DataFrame:
    """Pair rows already checked by `valid_scores` (see `paired_with_baseline`)."""
    follow, _ = with_baseline(usable, baseline=baseline)
    # Checked values are never missing, so a missing baseline means none was scored.
    return follow.loc[follow["baseline"].notna()].reset_index(drop=True)


def with_baseline(usable: pd.DataFrame, *, baseline: str = BASELINE
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the follow-up rows of checked scores (`valid_scores`) with their episode's
    baseline (NaN without one) and change, and the baseline rows (value as `baseline`)."""
    base = usable.loc[usable["timepoint"] == baseline, [*KEYS, "value"]] \
        .rename(columns={"value": "baseline"})
    follow = usable.loc[usable["timepoint"] != baseline].merge(base, on=KEYS, how="left")
    return follow.assign(change=follow["value"] - follow["baseline"]), base


def ordered_timepoints(labels: Iterable[str], order: Iterable[str] | None = None) -> list[str]:
    """Return the distinct timepoint labels in the given order, unknown ones last."""
    seen = list(dict.fromkeys(labels))
    if order is None:
        return seen
    known = [t for t in order if t in seen]
    return known + [t for t in seen if t not in known]


def sorted_by_timepoint(
    table: pd.DataFrame, timepoints: Iterable[str] | None, *, within: Iterable[str] = ()
) -> pd.DataFrame:
    """Sort rows by the `within` columns, then by time point in `ordered_timepoints` order."""
    order = {t: i for i, t in enumerate(ordered_timepoints(table["timepoint"], timepoints))}
    return table.sort_values(
        [*within, "timepoint"],
        key=lambda column: column.map(order) if column.name == "timepoint" else column,
        kind="stable",
    )
