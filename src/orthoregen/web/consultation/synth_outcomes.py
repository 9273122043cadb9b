"""Run the candidacy engine over a synthetic cohort fast enough for 100k patients.

Episodes whose drawn facts fall in the same class (same grade, same side of every
threshold the default protocol uses, same planted contraindication...) get the same
outcome, so the engine runs once per class and once on every episode of a random
sample. Each sampled episode's real result must equal its class's (outcome, rules
needing a reason, deferral measured from the injection); otherwise the load stops with
SynthError, so a protocol change that the classes miss can never pass silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orthoregen.pathways import Assessment, CandidacyFacts, Protocol, assess
from orthoregen.pathways.engine import needs_override_reason
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.synth_load import SynthError
from orthoregen.web.consultation.facts import (
    facts_from_records,
    is_post_traumatic,
    whole_months,
)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    defer_until: dt.date | None
    rules_needing_reason: tuple[str, ...]
    facts: CandidacyFacts | None = None  # kept for sampled episodes only
    assessment: Assessment | None = None


def engine_verdicts(context, plan, intakes, tables, patients, consulted, protocol: Protocol,
                    sample: set[int]) -> list[Verdict]:
    """Return one verdict per episode: the engine's own for the sample, its class's otherwise."""
    classes: dict[tuple, tuple] = {}
    verdicts = []
    rows = zip(context.cohort.episodes.itertuples(index=False), plan.itertuples(index=False),
               strict=True)
    for i, (row, drawn) in enumerate(rows):
        day, patient = consulted[i], patients[row.patient]
        key = _class(row, drawn, intakes[i], patient, day)
        given = day - dt.timedelta(days=int(drawn.steroid_recent_days))
        if i not in sample and key in classes:
            outcome, offset, needing = classes[key]
            until = given + offset if offset is not None else None
            verdicts.append(Verdict(outcome, until, needing))
            continue
        episode = JointEpisode(pk=context.episode_ids[i], joint=row.joint, side=row.side,
                               diagnosis_code=row.diagnosis_code,
                               symptom_onset=row.symptom_onset.date())
        facts = facts_from_records(episode, patient, intakes[i], tables[i], day)
        assessment = assess(facts, protocol, day)
        summary = _summary(assessment, given)
        if classes.setdefault(key, summary) != summary:
            raise SynthError(f"Synthetic outcome classes disagree with the engine for episode "
                             f"{context.episode_ids[i]}: {summary} != {classes[key]}; update "
                             "consultation.synth_outcomes for the current protocol.")
        keep = i in sample
        verdicts.append(Verdict(summary[0], assessment.defer_until, summary[2],
                                facts if keep else None, assessment if keep else None))
    return verdicts


def _summary(assessment: Assessment, given: dt.date) -> tuple:
    offset = assessment.defer_until - given if assessment.defer_until else None
    needing = tuple(sorted(result.rule_id for result in needs_override_reason(assessment)))
    return assessment.outcome.value, offset, needing


def _class(row, drawn, intake, patient, day: dt.date) -> tuple:
    """Return the facts that can change an outcome, on each side of the default thresholds."""
    bmi = intake.bmi_kg_m2 or 0
    anticoagulated = bool(drawn.anticoagulant)
    return (
        row.joint, row.grade_scale, int(row.grade), bool(drawn.missing_grade),
        intake.childbearing_potential, intake.effective_contraception, bmi > 30, bmi > 35,
        patient.age_on(day) > 80, (whole_months(row.symptom_onset.date(), day) or 0) < 3,
        is_post_traumatic(row.diagnosis_code), drawn.contraindication,
        drawn.steroid_recent_days > 0, drawn.ha_recent_days > 0, bool(drawn.smoker),
        anticoagulated, anticoagulated and bool(drawn.autologous), 0 < drawn.nsaid_days < 7,
        bool(drawn.diabetes) and drawn.hba1c > 8.5,
        row.joint == "knee" and drawn.alignment != "neutral" and drawn.alignment_degrees > 5,
        bool(drawn.mechanical), row.joint == "shoulder" and drawn.cuff == "full_thickness_tear",
        drawn.care_count < 2,
    )
