"""Which scores the registry shows: time points, measures, thresholds and OARSI domains.

Everything here is looked up from the core packages (instrument definitions, the default
follow-up protocol, the evidence library's names); this module only chooses among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from orthoregen.analytics import OarsiDomain, Thresholds
from orthoregen.analytics.patients_like_you import chosen_thresholds
from orthoregen.instruments import Threshold, get_instrument, instrument_ids
from orthoregen.scheduling.protocol import DEFAULT_VISITS
from orthoregen.vocabulary import Joint

BASELINE = "baseline"
TIMEPOINTS = (BASELINE, *(v.visit_id for v in DEFAULT_VISITS))
TIMEPOINT_LABELS = {BASELINE: "Baseline", **{v.visit_id: v.label for v in DEFAULT_VISITS}}
TIMEPOINT_MONTHS = {BASELINE: 0.0,
                    **{v.visit_id: v.months + v.days / 30.4375 for v in DEFAULT_VISITS}}

# The first measure of each joint that has data is the dashboard's default.
DEFAULT_MEASURES = {
    "knee": [("nrs_pain", "pain"), ("vas_pain", "pain"), ("womac_lk31", "pain"), ("koos", "pain")],
    "hip": [("nrs_pain", "pain"), ("vas_pain", "pain"), ("womac_lk31", "pain"), ("hoos", "pain")],
    "shoulder": [("nrs_pain", "pain"), ("vas_pain", "pain"), ("ases", "total")],
}

# OMERACT-OARSI domains (Pham 2004; docs/statistics.md#omeract-oarsi-responders) in order of
# preference per joint; the first pair with scores is used. No instrument in the catalogue
# measures the patient's global assessment yet, so results carry the pga_missing flag.
OARSI_DOMAINS = {
    "knee": [
        (OarsiDomain("womac_lk31", "pain_normalised"),
         OarsiDomain("womac_lk31", "function_normalised")),
        (OarsiDomain("koos", "pain", higher_is_better=True),
         OarsiDomain("koos", "adl", higher_is_better=True)),
    ],
    "hip": [
        (OarsiDomain("womac_lk31", "pain_normalised"),
         OarsiDomain("womac_lk31", "function_normalised")),
        (OarsiDomain("hoos", "pain", higher_is_better=True),
         OarsiDomain("hoos", "adl", higher_is_better=True)),
    ],
    "shoulder": [
        (OarsiDomain("ases", "pain", higher_is_better=True, scale_max=50),
         OarsiDomain("ases", "adl", higher_is_better=True, scale_max=50)),
    ],
}

EVIDENCE_MONTHS = {"month_6": 6, "month_12": 12}
# OMERACT-OARSI responders are reported at the visits trials use as end points; reading two
# subscales at every visit would double the dashboard's largest query for little use.
OARSI_TIMEPOINTS = (BASELINE, "month_3", "month_6", "month_12")


@dataclass(frozen=True)
class Measure:
    """One subscale of one instrument, with its range, direction and reference thresholds."""

    instrument: str
    subscale: str
    name: str
    minimum: float
    maximum: float
    higher_is_better: bool
    improvement: float | None = None
    improvement_source: str = ""
    acceptable: float | None = None
    acceptable_source: str = ""

    @property
    def key(self) -> str:
        return f"{self.instrument}:{self.subscale}"

    @property
    def direction(self) -> str:
        return "higher scores are better" if self.higher_is_better else "lower scores are better"

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds.for_subscale(higher_is_better=self.higher_is_better,
                                       improvement=self.improvement, acceptable=self.acceptable)


def _source(threshold: Threshold) -> str:
    return f"{threshold.kind.value} {abs(threshold.value):g} {threshold.unit}: " \
           f"{threshold.population} ({threshold.source})"


def measure(instrument_id: str, subscale_id: str, joint: str | None = None) -> Measure:
    """Return a measure with the thresholds that apply to the joint (first listed wins)."""
    instrument = get_instrument(instrument_id)
    sub = instrument.subscale(subscale_id)
    joint = joint or (instrument.joints[0] if instrument.joints else None)
    # The same choice as "patients like you" makes (analytics.patients_like_you).
    change, acceptable = chosen_thresholds(instrument_id, subscale_id,
                                           Joint(joint) if joint else None)
    return Measure(
        instrument=instrument_id, subscale=subscale_id, name=f"{instrument.name}: {sub.name}",
        minimum=sub.minimum, maximum=sub.maximum, higher_is_better=sub.higher_is_better,
        improvement=change.value if change else None,
        improvement_source=_source(change) if change else "",
        acceptable=acceptable.value if acceptable else None,
        acceptable_source=_source(acceptable) if acceptable else "",
    )


def measure_choices(joint: str | None = None) -> list[tuple[str, str]]:
    """Return (key, label) of every instrument subscale for a joint (all joints if None)."""
    choices = []
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        if joint and joint not in instrument.joints:
            continue
        for sub in instrument.subscales:
            choices.append((f"{instrument_id}:{sub.id}", f"{instrument.name}: {sub.name}"))
    return choices


def parse_key(key: str) -> tuple[str, str]:
    """Split "instrument:subscale"."""
    instrument, _, subscale = key.partition(":")
    return instrument, subscale
