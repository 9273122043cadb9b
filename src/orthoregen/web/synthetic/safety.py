"""Synthetic safety records: the treated joints' replacements and adverse events.

The replacements are those of the follow-up's courses (drawn in synthetic.followup, where
their sources are named). Adverse event rates per injection are assumptions (no published
rates; terms of docs/cell-products.md#injection-specific-terms): flare 12 %, effusion 5 %,
harvest-site pain 5 %, haematoma 1.5 %, vasovagal 1 %, allergic 0.2 %, septic arthritis
0.03 % (serious).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
from django.utils import timezone

from orthoregen.products.ae_clock import InjectionEventTerm as Term
from orthoregen.products.ae_clock import reporting_due_dates
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent
from orthoregen.web.safety.services import DEFAULT_PATHWAYS, event_facts
from orthoregen.web.synthetic.followup import NEVER, Course

if TYPE_CHECKING:
    from orthoregen.web.synthetic.clinic import SynthContext

# term: (rate per injection, onset days after, CTCAE grades and their shares, serious)
AE_RATES = {
    Term.POST_INJECTION_FLARE: (0.12, (0, 3), {1: 0.7, 2: 0.3}, False),
    Term.EFFUSION: (0.05, (1, 14), {1: 0.6, 2: 0.4}, False),
    Term.HARVEST_SITE_PAIN: (0.05, (0, 2), {1: 0.8, 2: 0.2}, False),
    Term.HARVEST_SITE_HAEMATOMA: (0.015, (0, 2), {1: 0.8, 2: 0.2}, False),
    Term.VASOVAGAL_REACTION: (0.01, (0, 0), {1: 0.9, 2: 0.1}, False),
    Term.ALLERGIC_REACTION: (0.002, (0, 1), {1: 0.6, 2: 0.4}, False),
    Term.SEPTIC_ARTHRITIS: (0.0003, (3, 21), {3: 1.0}, True),
}


def synth_safety(context: SynthContext, course: Course) -> None:
    """Record the courses' joint replacements and draw the injections' adverse events."""
    rng = context.rng("safety")
    as_of = np.datetime64(context.as_of, "D")
    replaced = np.flatnonzero(course.replaced_on != NEVER)
    context.insert(OutcomeEvent, [
        OutcomeEvent(episode_id=context.episode_ids[course.episode_rows[i]], kind="arthroplasty",
                     occurred_on=course.replaced_on[i].astype(dt.date), note="synthetic")
        for i in replaced
    ], "joint replacements")
    _adverse_events(context, rng, course.episode_rows, course.patient_rows, course.administered,
                    as_of)


def _adverse_events(context: SynthContext, rng: np.random.Generator, episode_rows: np.ndarray,
                    patient_rows: np.ndarray, administered: np.ndarray,
                    as_of: np.datetime64) -> None:
    """Draw adverse events per injection at the assumed rates and insert those already known."""
    events = []
    now = timezone.now()
    zone = timezone.get_current_timezone()
    for term, (rate, (first, last), grades, serious) in AE_RATES.items():
        hit = np.flatnonzero(rng.random(len(administered)) < rate)
        onset = administered[hit] + rng.integers(first, last + 1, len(hit)).astype(
            "timedelta64[D]")
        drawn = rng.choice(list(grades), size=len(hit), p=list(grades.values()))
        for i, on, grade in zip(hit, onset, drawn, strict=True):
            if on > as_of:
                continue
            onset_day = on.astype(dt.date)
            resolved = onset_day + dt.timedelta(days=int(rng.integers(2, 21)))
            event = AdverseEvent(
                patient_id=context.patient_ids[patient_rows[i]],
                episode_id=context.episode_ids[episode_rows[i]], term=term,
                onset_on=onset_day, aware_on=onset_day, ctcae_grade=int(grade),
                seriousness=["hospitalisation"] if serious else [],
                procedure_relatedness="probably", product_relatedness="possibly",
                action="hospital_admission" if serious else "none",
                outcome="recovered" if np.datetime64(resolved) <= as_of else "recovering",
                resolved_on=resolved if np.datetime64(resolved) <= as_of else None,
                needed_intervention=serious,
                recorded_at=dt.datetime.combine(onset_day, dt.time(12), zone)
                if onset_day < now.date() else now)
            if serious:
                dues = reporting_due_dates(event_facts(event), onset_day, DEFAULT_PATHWAYS)
                event.report_dues = [{"rule_id": d.rule_id, "report": d.report,
                                      "due_on": d.due_on.isoformat(), "basis": d.basis}
                                     for d in dues]
            events.append(event)
    context.insert(AdverseEvent, events, "adverse events")
