"""Read the clinic's earlier treated joints for "patients like you" on the consultation page.

The one door from the fact tables to `analytics.patients_like_you`: the cohort is the
EpisodeFact rows of the user's own sites (accounts.access.scope), never another site's,
without the patient being seen. Each earlier joint becomes a `TreatedJoint` on one measure
(the joint's first default measure with counted scores, registry.measures), with its BMI from
its consultation intake; the new patient's `Profile` comes from the episode and its intake.
Descriptive only: the page shows shares and spreads, never a predicted score
(docs/statistics.md#patients-like-you).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from orthoregen.analytics.matching import (
    AgeBand,
    FollowUp,
    Profile,
    TreatedJoint,
    age_band,
    bmi_band,
)
from orthoregen.analytics.patients_like_you import (
    FLOOR_N,
    PatientsLikeYou,
    TooFewToSay,
    describe_patients_like,
    thresholds_for,
)
from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.scheduling.protocol import DEFAULT_VISITS
from orthoregen.vocabulary import GRADE_RANGE, GradeScale, Joint
from orthoregen.web.accounts.access import scope
from orthoregen.web.consultation.body import bmi_of_patients
from orthoregen.web.consultation.models import Intake
from orthoregen.web.registry.measures import BASELINE, DEFAULT_MEASURES, Measure, measure
from orthoregen.web.registry.models import AdverseEventFact, EpisodeFact, ScoreFact, VisitFact

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode

MONTHS_PER_DAY = 12 / 365.25
VISITS = {6: "month_6", 12: "month_12"}
# A visit with no scheduled row (a joint loaded before schedules existed) counts as closed once
# its protocol window would have closed: the target plus the days after it.
WINDOW_DAYS_AFTER = {v.visit_id: v.days_after for v in DEFAULT_VISITS}


@dataclass(frozen=True)
class PatientsLikeRead:
    """What the consultation panel shows: the result, or why no match could be made."""

    measure: Measure | None
    result: PatientsLikeYou | TooFewToSay | None
    # Why no profile could be built (a missing grade, age or BMI): no number is shown then.
    missing: tuple[str, ...] = ()
    # Earlier joints left out because their own grade, age or BMI is unknown.
    n_unmatchable: int = 0
    cell_source_words: str = ""


def origin_of(cell_source: str) -> str | None:
    """Return "autologous" or "allogeneic" for a product class (None when unknown).

    The consultation plans only the origin of the product (intake.planned_product_source), so
    earlier joints are matched on the origin of the product they received.
    """
    try:
        return PRODUCT_CLASSES[ProductClass(cell_source)].origin.value
    except (ValueError, KeyError):
        return None


def patient_profile(episode: JointEpisode, intake: Intake | None, *, today: dt.date
                    ) -> tuple[Profile | None, tuple[str, ...]]:
    """Return the new patient's Profile, or the names of what is missing to build one."""
    scale, grade = episode.grade_scale, episode.grade
    if intake is not None and intake.radiograph_scale and intake.radiograph_grade is not None:
        scale, grade = intake.radiograph_scale, intake.radiograph_grade
    bmi = intake.bmi_kg_m2 if intake is not None else None
    missing = tuple(name for name, value in (("radiographic grade", grade),
                                             ("BMI from the intake", bmi)) if value is None)
    if missing or not scale or grade is None or bmi is None:  # the last two: in `missing`
        return None, missing or ("radiographic grade",)
    source = (intake.planned_product_source or None) if intake is not None else None
    return Profile(joint=Joint(episode.joint), grade_scale=GradeScale(scale), grade=grade,
                   age_band=age_band(episode.patient.age_on(today)), bmi_band=bmi_band(bmi),
                   cell_source=source), ()


def candidate_facts(profile: Profile, episode: JointEpisode, user: User) -> QuerySet:
    """Return the user's sites' treated joints that the widest match could reach.

    Same joint and scale, grade and age band within one step (the widest widening), treated
    with at least one injection, and not this patient's own joints.
    """
    scale = GRADE_RANGE[GradeScale(profile.grade_scale)]
    bands = list(AgeBand)
    i = bands.index(profile.age_band)
    youngest = max(30 + 10 * (i - 1), 0) if i > 1 else 0
    oldest = 30 + 10 * (i + 2) - 1 if i + 2 < len(bands) else 200
    return (scope(EpisodeFact.objects.all(), user)
            .filter(joint=profile.joint, grade_scale=profile.grade_scale,
                    grade__gte=max(profile.grade - 1, scale.lowest),
                    grade__lte=min(profile.grade + 1, scale.highest),
                    age_at_treatment__gte=youngest, age_at_treatment__lte=oldest,
                    first_treated_on__isnull=False, injections__gte=1)
            .exclude(patient_id=episode.patient_id))


def chosen_measure(facts: QuerySet, joint: str) -> Measure | None:
    """Return the joint's first default measure with counted baseline scores in `facts`."""
    counted = Counter(dict(
        ((row["instrument"], row["subscale"]), row["n"])
        for row in ScoreFact.objects.filter(episode__in=facts, counts=True, timepoint=BASELINE)
        .values("instrument", "subscale").annotate(n=Count("pk")).order_by()))
    for key in DEFAULT_MEASURES.get(joint, []):
        if counted[key]:
            return measure(*key, joint)
    return None


def treated_joints(facts: QuerySet, m: Measure, *, joint: Joint, today: dt.date
                   ) -> tuple[list[TreatedJoint], int]:
    """Return the TreatedJoints of `facts` (all of `joint`) on measure `m`, and how many
    had no grade, age or BMI to match on."""
    rows = list(facts.values_list("episode_id", "grade_scale", "grade", "age_at_treatment",
                                  "cell_source", "first_treated_on", "arthroplasty_on",
                                  "followed_until", "injections"))
    ids = [r[0] for r in rows]
    # Height and weight are the patient's (consultation.body), measured by today.
    owners = dict(facts.values_list("episode_id", "patient_id"))
    by_patient = bmi_of_patients(set(owners.values()), today)
    bmi = {eid: by_patient[pid] for eid, pid in owners.items() if pid in by_patient}
    scores = {(e, t): v for e, t, v in ScoreFact.objects.filter(
        episode_id__in=ids, counts=True, instrument=m.instrument, subscale=m.subscale,
        timepoint__in=(BASELINE, *VISITS.values())).values_list("episode_id", "timepoint",
                                                                 "value")}
    windows = dict(((e, t), closes) for e, t, closes in VisitFact.objects.filter(
        episode_id__in=ids, timepoint__in=VISITS.values())
        .values_list("episode_id", "timepoint", "window_closes"))
    events = Counter(AdverseEventFact.objects.filter(episode_id__in=ids)
                     .values_list("episode_id", flat=True))
    joints, unmatchable = [], 0
    for (eid, scale, grade, age, source, treated_on, replaced_on, followed, injections) in rows:
        patient_bmi = bmi.get(eid)
        if grade is None or age is None or patient_bmi is None:
            unmatchable += 1
            continue
        baseline = scores.get((eid, BASELINE))
        visits = {}
        for months, timepoint in VISITS.items():
            closes = windows.get((eid, timepoint)) or (
                treated_on + dt.timedelta(days=round(months * 30.4375)
                                          + WINDOW_DAYS_AFTER[timepoint]))
            value = scores.get((eid, timepoint))
            change = None if value is None or baseline is None else value - baseline
            visits[months] = FollowUp(change, closes < today)
        end = replaced_on or max(filter(None, (followed, treated_on)))
        joints.append(TreatedJoint(
            profile=Profile(joint=joint, grade_scale=scale, grade=grade,
                            age_band=age_band(age), bmi_band=bmi_band(patient_bmi),
                            cell_source=origin_of(source)),
            baseline=baseline, month_6=visits[6], month_12=visits[12],
            months_to_replacement_or_censoring=max((end - treated_on).days, 0) * MONTHS_PER_DAY,
            replaced=replaced_on is not None, injections=injections,
            adverse_events=events[eid]))
    return joints, unmatchable


def patients_like_read(episode: JointEpisode, *, user: User, today: dt.date) -> PatientsLikeRead:
    """Return what the clinic's earlier patients like this episode's patient experienced."""
    intake = Intake.objects.filter(episode=episode).first()
    profile, missing = patient_profile(episode, intake, today=today)
    if profile is None:
        return PatientsLikeRead(None, None, missing)
    facts = candidate_facts(profile, episode, user)
    m = chosen_measure(facts, profile.joint)
    if m is None:
        return PatientsLikeRead(None, TooFewToSay(profile, 0, FLOOR_N, ()))
    cohort, unmatchable = treated_joints(facts, m, joint=profile.joint, today=today)
    thresholds = thresholds_for(m.instrument, m.subscale, profile.joint)
    result = describe_patients_like(profile, cohort, thresholds)
    return PatientsLikeRead(m, result, n_unmatchable=unmatchable,
                            cell_source_words=profile.cell_source or "")
