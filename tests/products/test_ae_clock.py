from datetime import date

import pytest

from orthoregen.products.ae_clock import (
    CTCAE_GRADE_DEFINITIONS,
    AdverseEventFacts,
    CtcaeGrade,
    Relatedness,
    ReportingPathway,
    Seriousness,
    deviation_report_due,
    reporting_due_dates,
)

R, SER = Relatedness, Seriousness
ALL_PATHWAYS = frozenset(ReportingPathway)
AWARE = date(2026, 3, 2)


def event(seriousness=(), expected=False, product=R.PROBABLY, procedure=R.NOT_RELATED, **kw):
    return AdverseEventFacts(frozenset(seriousness), expected, product, procedure, **kw)


def dues(facts, pathways=ALL_PATHWAYS):
    return [(d.rule_id, d.due_on) for d in reporting_due_dates(facts, AWARE, pathways)]


def test_unexpected_fatal_suspected_reaction_under_ind_is_due_in_7_and_15_days():
    # 21 CFR 312.32(c): 7 calendar days fatal or life-threatening; 15 days.
    facts = event({SER.DEATH})
    assert dues(facts, frozenset({ReportingPathway.US_IND})) == [
        ("us_ind_fatal_or_life_threatening", date(2026, 3, 9)),
        ("us_ind_safety_report", date(2026, 3, 17)),
    ]


def test_serious_unexpected_hospitalisation_under_ind_is_due_in_15_days():
    facts = event({SER.HOSPITALISATION})
    assert dues(facts, frozenset({ReportingPathway.US_IND})) == [
        ("us_ind_safety_report", date(2026, 3, 17)),
    ]


@pytest.mark.parametrize(
    "facts",
    [
        event({SER.HOSPITALISATION}, expected=True),  # expected: not an IND safety report
        event({SER.HOSPITALISATION}, product=R.UNLIKELY),  # not a suspected reaction
        event(()),  # not serious
    ],
)
def test_ind_safety_report_needs_serious_unexpected_and_suspected(facts):
    assert dues(facts, frozenset({ReportingPathway.US_IND})) == []


def test_361_reaction_with_communicable_disease_is_due_in_15_days():
    # 21 CFR 1271.350(a): 15 calendar days, Form FDA 3500A.
    facts = event({SER.HOSPITALISATION}, expected=True, involves_communicable_disease=True)
    due = reporting_due_dates(facts, AWARE, frozenset({ReportingPathway.US_361_HCTP}))
    assert [(d.report, d.due_on) for d in due] == [("Form FDA 3500A", date(2026, 3, 17))]


def test_361_reaction_needing_intervention_but_not_serious_by_ich_is_reportable():
    facts = event(
        (), involves_communicable_disease=True, needed_medical_or_surgical_intervention=True
    )
    assert dues(facts, frozenset({ReportingPathway.US_361_HCTP})) == [
        ("us_361_adverse_reaction", date(2026, 3, 17)),
    ]


def test_361_reaction_without_communicable_disease_is_not_reportable():
    facts = event({SER.HOSPITALISATION})
    assert dues(facts, frozenset({ReportingPathway.US_361_HCTP})) == []


def test_eu_serious_reaction_is_due_without_delay():
    # Directive 2004/23/EC Art 11: notify "without delay"; procedure-related counts too.
    facts = event({SER.HOSPITALISATION}, product=R.NOT_RELATED, procedure=R.DEFINITELY)
    assert dues(facts, frozenset({ReportingPathway.EU_TISSUES_CELLS})) == [
        ("eu_serious_adverse_reaction", AWARE),
    ]


def test_non_serious_event_starts_no_clock():
    assert dues(event((), procedure=R.DEFINITELY)) == []
    assert not event(()).is_serious


def test_deviation_report_is_due_45_days_after_discovery():
    # 21 CFR 1271.350(b); FDA deviation reporting guidance, Sept 2017.
    assert deviation_report_due(date(2026, 1, 20)).due_on == date(2026, 3, 6)


@pytest.mark.parametrize(
    ("relatedness", "suspected"),
    # "Related" = possible + probable + definite (docs/standards.md#relatedness).
    [
        (R.NOT_RELATED, False),
        (R.UNLIKELY, False),
        (R.POSSIBLY, True),
        (R.PROBABLY, True),
        (R.DEFINITELY, True),
    ],
)
def test_suspected_means_possibly_or_more(relatedness, suspected):
    assert relatedness.is_suspected is suspected


def test_ctcae_grades_run_one_to_five_with_definitions():
    # NCI CTCAE v5.0 general grade scale: 1 mild ... 5 death related to AE.
    assert [int(g) for g in CtcaeGrade] == [1, 2, 3, 4, 5]
    assert CTCAE_GRADE_DEFINITIONS[CtcaeGrade.DEATH] == "Death related to AE"
    assert "urgent intervention" in CTCAE_GRADE_DEFINITIONS[CtcaeGrade.LIFE_THREATENING]


def test_ich_e2a_lists_six_seriousness_criteria():
    assert len(Seriousness) == 6


def test_event_facts_given_as_text_are_read_as_enum_members():
    facts = AdverseEventFacts(frozenset({"death"}), False, "probably", "not_related")
    assert dues(facts, frozenset({ReportingPathway.US_IND}))[0][1] == date(2026, 3, 9)
    with pytest.raises(ValueError, match="is not a valid"):
        AdverseEventFacts(frozenset({"fatal"}), False, "probably", "not_related")
