"""Hypothesis strategies for candidacy facts, each fact possibly unknown."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from orthoregen.pathways.facts import (
    CandidacyFacts,
    Comorbidities,
    ConservativeTreatment,
    Examination,
    InjectionAgent,
    Joint,
    Labs,
    LabValue,
    Malignancy,
    MalignancyStatus,
    Medications,
    MriFindings,
    PainScale,
    PainScore,
    PriorInjection,
    PriorSurgery,
    ProductSource,
    RadiographicGrade,
    Sex,
    Side,
    SurgeryKind,
    TrialParticipation,
)
from orthoregen.vocabulary import GRADE_RANGE, SCALES_BY_JOINT

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31))
flags = st.none() | st.booleans()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def history(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return maybe(st.lists(strategy, max_size=3).map(tuple))


injections = st.builds(PriorInjection, st.sampled_from(InjectionAgent), st.sampled_from(Joint),
                       maybe(st.sampled_from(Side)), maybe(days))
surgeries = st.builds(PriorSurgery, st.sampled_from(SurgeryKind), st.sampled_from(Joint),
                      maybe(st.sampled_from(Side)), maybe(days))
labs = st.builds(LabValue, st.floats(0, 500, allow_nan=False), days)
comorbidities = st.builds(
    Comorbidities, diabetes=flags, inflammatory_arthritis=flags,
    malignancy=maybe(st.builds(Malignancy, st.sampled_from(MalignancyStatus), maybe(days))),
    bleeding_disorder=flags, immunodeficiency=flags, active_infection=flags,
    pregnant_or_lactating=flags, childbearing_potential=flags, effective_contraception=flags,
    current_smoker=flags,
)
medications = st.builds(
    Medications, anticoagulant_or_antiplatelet=flags, systemic_corticosteroid=flags,
    immunosuppressant=flags, nsaid=flags, nsaid_last_dose_on=maybe(days),
)


@st.composite
def radiographs(draw: st.DrawFn, joint: Joint) -> RadiographicGrade | None:
    if draw(st.booleans()):
        return None
    scale = draw(st.sampled_from(sorted(SCALES_BY_JOINT[joint])))
    return RadiographicGrade(scale, draw(st.integers(*GRADE_RANGE[scale])), draw(maybe(days)))


@st.composite
def candidacy_facts(draw: st.DrawFn) -> CandidacyFacts:
    joint = draw(st.sampled_from(Joint))
    return CandidacyFacts(
        joint=joint,
        side=draw(st.sampled_from(Side)),
        sex=draw(maybe(st.sampled_from(Sex))),
        age_years=draw(maybe(st.integers(0, 110))),
        bmi_kg_m2=draw(maybe(st.floats(12, 70, allow_nan=False))),
        radiograph=draw(radiographs(joint)),
        symptom_duration_months=draw(maybe(st.integers(0, 240))),
        post_traumatic_oa=draw(flags),
        baseline_pain=draw(maybe(st.builds(PainScore, st.just(PainScale.NRS),
                                           st.integers(0, 10).map(float), maybe(days)))),
        failed_conservative_care=draw(history(st.sampled_from(ConservativeTreatment))),
        prior_injections=draw(history(injections)),
        prior_surgeries=draw(history(surgeries)),
        comorbidities=draw(comorbidities),
        medications=draw(medications),
        mri=draw(st.builds(MriFindings, flags, flags, flags, flags)),
        examination=draw(st.builds(Examination, maybe(st.floats(0, 40, allow_nan=False)),
                                   flags, flags)),
        labs=draw(st.builds(Labs, maybe(labs), maybe(labs), maybe(labs), maybe(labs))),
        other_trial=draw(maybe(st.builds(TrialParticipation, st.booleans(), maybe(days)))),
        planned_product_source=draw(maybe(st.sampled_from(ProductSource))),
    )


recent_days = st.dates(min_value=date(2025, 9, 1), max_value=date(2026, 3, 2))
recent_injections = st.builds(PriorInjection, st.sampled_from(InjectionAgent),
                              st.sampled_from(Joint), st.sampled_from(Side), recent_days)


@st.composite
def near_complete_facts(draw: st.DrawFn) -> CandidacyFacts:
    """Draw complete facts with recent injections and a few changed facts, so that the
    rarer outcomes (defer, discuss) occur often, not only incomplete and not suitable."""
    from .builders import changed, complete_facts

    joint = draw(st.sampled_from(Joint))
    rarely = st.sampled_from([False] * 8 + [True, None])
    return changed(
        complete_facts(joint, draw(st.sampled_from(Side))),
        radiograph=draw(radiographs(joint)),
        bmi_kg_m2=draw(st.floats(18, 45, allow_nan=False)),
        prior_injections=draw(st.lists(recent_injections, max_size=3).map(tuple)),
        other_trial=TrialParticipation(False, draw(maybe(recent_days))),
        comorbidities__active_infection=draw(rarely),
        medications__systemic_corticosteroid=draw(rarely),
    )


any_facts = candidacy_facts() | near_complete_facts()
