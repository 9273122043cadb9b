"""OMERACT-OARSI 2004 responder criteria (Pham T et al., Osteoarthritis Cartilage 2004;12:389-99).

Rule (docs/statistics.md#omeract-oarsi-responders): every domain on a 0-100 scale where 100
is worst; absolute improvement a = b − f, relative r = (b − f)/b (undefined when b = 0: that
domain cannot count). Responder if either
1. pain or function improves by r ≥ 50 % and a ≥ 20, or
2. at least two of pain, function and patient global assessment (PGA) improve by r ≥ 20 %
   and a ≥ 10.
Thresholds are inclusive and computed on unrounded values. 100-best scales (KOOS, HOOS, OKS)
are inverted (100 − score) *before* the relative change is taken. Without PGA only route 1 or
pain + function can qualify, and the result is flagged `pga_missing`. When pain or function is
missing and no route already qualifies, the status is undetermined (None), never "no".

The patient global assessment comes from `pga_vas` or `pga_nrs` (instruments.global_assessment)
when the score table holds them (PGA_DOMAINS); a comparison never mixes the VAS at one visit
with the NRS at the other.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from orthoregen.analytics.responders import Proportion, proportion, with_proportion
from orthoregen.analytics.scores import sorted_by_timepoint, valid_scores
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE

HIGH_RELATIVE, HIGH_ABSOLUTE = 0.50, 20.0
MODERATE_RELATIVE, MODERATE_ABSOLUTE = 0.20, 10.0


def invert_100_best(score: npt.ArrayLike) -> np.ndarray:
    """Return 100 − score, turning a 100-best scale (KOOS, HOOS) into the 100-worst OARSI scale."""
    return 100 - np.asarray(score, dtype=float)


@dataclass(frozen=True)
class OarsiResponse:
    """One episode's OMERACT-OARSI status at one time point versus baseline."""

    responder: bool | None
    high_improvement: bool
    two_of_three: bool
    pga_missing: bool


def _meets(b: npt.ArrayLike, f: npt.ArrayLike, relative: float, absolute: float) -> np.ndarray:
    b = np.asarray(b, dtype=float)
    f = np.asarray(f, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = b - f
        ok = (b > 0) & (gain / b >= relative - 1e-12) & (gain >= absolute - 1e-9)
    # numpy types ufuncs on arrays of unknown dtype as Any; name the result's type here.
    meets: np.ndarray = ok & ~np.isnan(gain)
    return meets


def classify(
    pain_baseline: npt.ArrayLike,
    pain_followup: npt.ArrayLike,
    function_baseline: npt.ArrayLike,
    function_followup: npt.ArrayLike,
    pga_baseline: npt.ArrayLike = np.nan,
    pga_followup: npt.ArrayLike = np.nan,
) -> pd.DataFrame:
    """Classify arrays of episodes; return columns responder (nullable), high_improvement,
    two_of_three, pga_missing. All inputs on 0-100, 100 = worst; NaN = not collected.
    """
    pain_b, pain_f, fn_b, fn_f, pga_b, pga_f = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(x, dtype=float))
            for x in (
                pain_baseline,
                pain_followup,
                function_baseline,
                function_followup,
                pga_baseline,
                pga_followup,
            )
        )
    )
    high = _meets(pain_b, pain_f, HIGH_RELATIVE, HIGH_ABSOLUTE) | _meets(
        fn_b, fn_f, HIGH_RELATIVE, HIGH_ABSOLUTE
    )
    moderate = [
        _meets(b, f, MODERATE_RELATIVE, MODERATE_ABSOLUTE)
        for b, f in ((pain_b, pain_f), (fn_b, fn_f), (pga_b, pga_f))
    ]
    two = np.sum(moderate, axis=0) >= 2
    qualifies = high | two
    core_missing = np.isnan(pain_b) | np.isnan(pain_f) | np.isnan(fn_b) | np.isnan(fn_f)
    responder = pd.array(np.where(qualifies, True, False), dtype="boolean")
    responder[~qualifies & core_missing] = pd.NA
    return pd.DataFrame(
        {
            "responder": responder,
            "high_improvement": high,
            "two_of_three": two,
            "pga_missing": np.isnan(pga_b) | np.isnan(pga_f),
        }
    )


def omeract_oarsi_response(
    pain: tuple[float, float],
    function: tuple[float, float],
    pga: tuple[float, float] | None = None,
) -> OarsiResponse:
    """Classify one episode; each domain is (baseline, follow-up) on 0-100, 100 = worst."""
    pga = pga or (np.nan, np.nan)
    row = classify(pain[0], pain[1], function[0], function[1], pga[0], pga[1]).iloc[0]
    status = None if pd.isna(row["responder"]) else bool(row["responder"])
    return OarsiResponse(
        status, bool(row["high_improvement"]), bool(row["two_of_three"]), bool(row["pga_missing"])
    )


@dataclass(frozen=True)
class OarsiRate:
    """Responder proportion among determinable episodes, with what was left out."""

    responders: Proportion
    n_undetermined: int
    n_pga_missing: int


def omeract_oarsi_rate(classified: pd.DataFrame, *, min_n: int = MIN_N_TO_CONCLUDE) -> OarsiRate:
    """Return the responder rate (Wilson 95 % CI) of a `classify` result, undetermined excluded."""
    known = classified["responder"].dropna()
    return OarsiRate(
        responders=proportion(int(known.sum()), int(known.size), min_n=min_n),
        n_undetermined=int(classified["responder"].isna().sum()),
        n_pga_missing=int(classified["pga_missing"].sum()),
    )


@dataclass(frozen=True)
class OarsiDomain:
    """Where one OMERACT-OARSI domain comes from in the score table, and how to rescale it.

    Values are mapped to 0-100 with 100 = worst: × 100/scale_max (NRS 0-10 → ×10), then
    inverted when higher is better (KOOS/HOOS subscales; Pham 2004).
    """

    instrument: str
    subscale: str
    higher_is_better: bool = False
    scale_max: float = 100.0

    def to_worst_100(self, values: npt.ArrayLike) -> np.ndarray:
        """Return values on the 0-100, 100-worst scale the criteria are defined on."""
        scaled = np.asarray(values, dtype=float) * (100.0 / self.scale_max)
        return invert_100_best(scaled) if self.higher_is_better else scaled


# The PGA instruments in order of preference: the VAS as Pham 2004 and Tubach 2005 used it,
# then the 0-10 NRS (x 10 to the 0-100 scale the criteria are defined on).
PGA_DOMAINS = (
    OarsiDomain("pga_vas", "pga"),
    OarsiDomain("pga_nrs", "pga", scale_max=10.0),
)

OARSI_COLUMNS = [
    "timepoint",
    "n_determined",
    "n_responders",
    "rate",
    "ci_low",
    "ci_high",
    "n_undetermined",
    "n_pga_missing",
    "too_thin",
]


def omeract_oarsi_by_timepoint(
    scores: pd.DataFrame,
    *,
    pain: OarsiDomain,
    function: OarsiDomain,
    pga: OarsiDomain | Sequence[OarsiDomain] | None = PGA_DOMAINS,
    baseline: str = "baseline",
    timepoints: Iterable[str] | None = None,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Return OMERACT-OARSI responder rates per follow-up time point from the tidy score table.

    An episode counts at a time point when any domain was scored then. Status per episode
    is `classify` on the rescaled domains; undetermined episodes are reported, not counted
    as non-responders; the rate's interval is Wilson's. Output columns: OARSI_COLUMNS.

    `pga` is one domain or several in order of preference (default PGA_DOMAINS): for each
    visit the first that was scored both at baseline and at that visit is used, so the VAS
    and the NRS are never mixed in one comparison. None leaves PGA out (flagged missing).
    """
    usable = valid_scores(scores)
    candidates = () if pga is None else (pga,) if isinstance(pga, OarsiDomain) else tuple(pga)
    pga_names = [f"pga{n}" for n in range(len(candidates))]
    domains = {"pain": pain, "function": function, **dict(zip(pga_names, candidates, strict=True))}
    masks = {name: ((usable["instrument"] == d.instrument) & (usable["subscale"] == d.subscale))
             .to_numpy() for name, d in domains.items()}
    in_a_domain = np.logical_or.reduce(list(masks.values()))
    rows = usable[in_a_domain]
    masks = {name: mask[in_a_domain] for name, mask in masks.items()}
    # Integer codes instead of labels: one (episode, time point) pair per follow-up visit
    # with any domain scored, found by hashing one int64 per row (no pivot of strings).
    episode, episodes = pd.factorize(rows["episode_id"])
    timepoint = rows["timepoint"].cat.codes.to_numpy(np.int64)
    labels = rows["timepoint"].cat.categories
    is_base = (rows["timepoint"] == baseline).to_numpy()
    pair_of_row, pairs = pd.factorize(episode.astype(np.int64) * len(labels) + timepoint)
    pair_episode, pair_timepoint = np.divmod(pairs, len(labels))
    follow_pairs = labels[pair_timepoint] != baseline
    values = {}
    for name, domain in domains.items():
        mask = masks[name]
        worst_100 = domain.to_worst_100(rows["value"].to_numpy()[mask])
        at_baseline = np.full(len(episodes), np.nan)
        at_baseline[episode[mask & is_base]] = worst_100[is_base[mask]]
        at_visit = np.full(len(pairs), np.nan)
        at_visit[pair_of_row[mask & ~is_base]] = worst_100[~is_base[mask]]
        values[name] = (at_baseline[pair_episode], at_visit)
    pga_pair = _first_complete([values[name] for name in pga_names], len(pairs))
    status = classify(*values["pain"], *values["function"], *pga_pair)
    status, pair_timepoint = status[follow_pairs], pair_timepoint[follow_pairs]
    known = status["responder"].notna().to_numpy()
    responder = status["responder"].fillna(False).to_numpy(bool)
    present = np.unique(pair_timepoint)
    count = functools.partial(np.bincount, pair_timepoint, minlength=len(labels))
    out = pd.DataFrame({
        "timepoint": labels[present].astype(object),
        "n_determined": count(known)[present].astype(int),
        "n_responders": count(responder & known)[present].astype(int),
        "n_undetermined": count(~known)[present].astype(int),
        "n_pga_missing": count(status["pga_missing"].to_numpy(bool))[present].astype(int),
    })
    out = with_proportion(out, count="n_responders", n="n_determined", name="rate", min_n=min_n)
    return sorted_by_timepoint(out, timepoints)[OARSI_COLUMNS].reset_index(drop=True)


def _first_complete(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return per visit the first (baseline, follow-up) pair with both values, else NaN."""
    baseline, followup = np.full(size, np.nan), np.full(size, np.nan)
    for at_baseline, at_visit in pairs:
        take = np.isnan(baseline) & ~np.isnan(at_baseline) & ~np.isnan(at_visit)
        baseline[take], followup[take] = at_baseline[take], at_visit[take]
    return baseline, followup
