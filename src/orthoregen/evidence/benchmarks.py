"""Published reference bands to set beside a clinic's change from baseline (pure).

Almost no trial of cell injections publishes arm-level results with a spread, so pooled MSC and
placebo arms are "too few to pool" (docs/evidence.md#published-arm-level-results). What has
been published is drawn instead, each with its citation, population and time point
(docs/evidence.md#reference-bands):

- the saline (placebo) arm's change from baseline: pooled by Previtali et al. over 50
  double-blind knee OA injection trials, and the saline arm of one large trial at 12 months
  (Bennell et al., RESTORE). On the clinic's scale directly, or converted only where
  `published.EQUIVALENT_SCALES` holds a published conversion (VAS mm <-> NRS);
- the pooled difference between MSC and control arms from meta-analyses. It is a difference
  between arms, not a change, so it is listed on its published scale and never drawn on the
  clinic's change axis; placebo-controlled and mixed-control pools stay apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from orthoregen.analytics.intervals import t_interval
from orthoregen.evidence.published import PublishedPool, rescaled

SALINE_POOLS = ("previtali-2021-vas", "previtali-2021-womac-pain")
EFFECT_COMPARISONS = ("MSC vs placebo", "MSC vs mixed controls")


@dataclass(frozen=True)
class ReferenceBand:
    """One published change from baseline of saline arms, on the clinic's scale.

    `interval_note` says how the interval was obtained when the paper did not print it.
    """

    id: str
    label: str
    citation: str
    population: str
    timepoint_text: str
    timepoint_months: float
    estimate: float
    ci_low: float | None
    ci_high: float | None
    scale: str
    converted_from: str = ""
    interval_note: str = ""


def load_arms() -> tuple[dict[str, Any], ...]:
    """Return the verified arm-level rows (arms.json): each with its source and quotes."""
    text = resources.files("orthoregen.evidence").joinpath("arms.json").read_text("utf-8")
    return tuple(json.loads(text)["arms"])


def saline_bands(pools: tuple[PublishedPool, ...], *, instrument: str, subscale: str,
                 scale: str, joint: str) -> tuple[ReferenceBand, ...]:
    """Return the pooled saline-arm changes for a measure, converted where published.

    `instrument`, `subscale`, `scale`: the evidence library's names of the clinic's measure
    (comparison.EVIDENCE_NAMES).
    """
    bands = []
    for pool in pools:
        if pool.id not in SALINE_POOLS or joint not in pool.joints:
            continue
        on_scale = pool if (pool.instrument, pool.subscale, pool.scale) == (
            instrument, subscale, scale) else rescaled(pool, instrument=instrument,
                                                       subscale=subscale)
        if on_scale is None or on_scale.scale != scale:
            continue
        bands.append(ReferenceBand(
            id=pool.id, label="Saline arms, pooled (Previtali 2021)",
            citation=pool.citation, population=pool.scope,
            timepoint_text=pool.timepoint_text, timepoint_months=pool.timepoint_months or 6,
            estimate=on_scale.estimate, ci_low=on_scale.ci_low, ci_high=on_scale.ci_high,
            scale=scale, converted_from=on_scale.rescaled_from))
    return tuple(bands)


def restore_saline_band(arms: tuple[dict[str, Any], ...], *, instrument: str,
                        scale: str) -> tuple[ReferenceBand, ...]:
    """Return the RESTORE saline arm's 12-month change in overall knee pain (NRS 0-10).

    Bennell KL et al., JAMA 2021 (PMC8611484), Table 2: change −1.8 (SD 2.5), n = 144. The
    paper prints mean (SD); the 95 % interval is derived here with the t interval and says so.
    """
    if (instrument, scale) != ("NRS pain", "0-10"):
        return ()
    for arm in arms:
        if arm["study_id"] != "bennell_2021_restore" or "Saline" not in arm["arm_label"]:
            continue
        for result in arm["results"]:
            if result["instrument"] == "Overall knee pain (NRS), change from baseline":
                values = result["values"]
                ci = t_interval(values["mean_change"], values["sd"], result["n"])
                return (ReferenceBand(
                    id="bennell-2021-saline-nrs-12m", label="Saline arm, RESTORE trial",
                    citation=f"{arm['citation']} {arm['doi_or_pmid']}".strip(),
                    population=f"{result['n']} patients with knee OA, saline ×3 weekly",
                    timepoint_text="12 months", timepoint_months=12,
                    estimate=values["mean_change"], ci_low=round(ci.low, 2),
                    ci_high=round(ci.high, 2), scale=scale,
                    interval_note=f"95 % t interval derived from the published mean "
                                  f"{values['mean_change']:g} (SD {values['sd']:g}), "
                                  f"n = {result['n']}"),)
    return ()


def effect_pools(pools: tuple[PublishedPool, ...], *, joint: str,
                 instruments: tuple[str, ...]) -> dict[str, tuple[PublishedPool, ...]]:
    """Return the pooled MSC-versus-control differences, placebo-controlled first.

    Mean differences only (not standardised ones or risk ratios), for the given instruments'
    names; on the scale and sign each review published.
    """
    found: dict[str, tuple[PublishedPool, ...]] = {}
    for comparison in EFFECT_COMPARISONS:
        found[comparison] = tuple(
            p for p in pools if p.comparison == comparison and joint in p.joints
            and p.measure == "mean difference" and p.instrument in instruments
            and p.subscale in ("total", "pain")
            # Only a review a reader can find: a DOI or a PubMed Central id in its citation.
            and ("doi:" in p.citation or "PMC" in p.citation))
    return found
