"""The follow-up protocol checks the system checks report: visits apart from instrument sets.

Which joints an instrument is for and who completes it come from each instrument's own
definition (`orthoregen instruments show ID`), e.g. the Harris Hip Score is a hip score
the clinician completes, since it includes an examination (Harris WH, J Bone Joint Surg Am
1969;51:737-55).
"""

from dataclasses import replace
from datetime import date

import pytest

from orthoregen.products.episode import Joint
from orthoregen.scheduling.checks import (
    instrument_set_problems,
    protocol_problems,
    visit_problems,
)
from orthoregen.scheduling.protocol import (
    DEFAULT_PROTOCOL,
    InstrumentChoice,
    JointInstruments,
    ReportedBy,
    VisitSpec,
)

P = DEFAULT_PROTOCOL


def with_set(joint, *choices):
    others = tuple(s for s in P.instrument_sets if s.joint != joint)
    return replace(P, instrument_sets=(*others, JointInstruments(joint, choices)))


def test_default_protocol_has_no_visit_or_instrument_set_problem():
    assert visit_problems(P) == [] and instrument_set_problems(P) == []


@pytest.mark.parametrize(
    ("joint", "instrument_id", "fits"),
    [
        (Joint.HIP, "koos", "knee"),
        (Joint.KNEE, "hoos_jr", "hip"),
        (Joint.KNEE, "ases", "shoulder"),
        (Joint.SHOULDER, "womac_lk31", "knee, hip"),
    ],
)
def test_an_instrument_for_another_joint_is_reported(joint, instrument_id, fits):
    protocol = with_set(joint, InstrumentChoice(("nrs_pain", instrument_id)))
    assert instrument_set_problems(protocol) == [
        f"{joint}: {instrument_id} is not an instrument for the {joint} (it is for the {fits})"
    ]


def test_pain_scores_and_sane_fit_every_joint():
    choice = InstrumentChoice(("nrs_pain", "vas_pain", "sane"))
    assert all(instrument_set_problems(with_set(joint, choice)) == [] for joint in Joint)


def test_a_clinician_completed_instrument_must_not_be_sent_to_the_patient():
    protocol = with_set(Joint.HIP, InstrumentChoice(("hhs",), ReportedBy.PATIENT))
    assert instrument_set_problems(protocol) == [
        "hip: hhs is completed by a clinician, but the choice is reported_by patient"
    ]


def test_a_patient_reported_instrument_may_be_entered_by_staff():
    protocol = with_set(Joint.KNEE, InstrumentChoice(("koos",), ReportedBy.CLINICIAN))
    assert instrument_set_problems(protocol) == []


def test_a_choice_without_options_is_reported():
    protocol = with_set(Joint.KNEE, InstrumentChoice(()))
    assert instrument_set_problems(protocol) == ["knee: instrument choice [] has unknown ids []"]


def test_windows_are_checked_even_without_a_knee_instrument_set():
    visits = (
        VisitSpec(visit_id="a", label="a", months=1, days_after=20),
        VisitSpec(visit_id="b", label="b", months=2, days_before=15),
    )
    protocol = replace(P, visits=visits, instrument_sets=P.instrument_sets[1:])
    problems = protocol_problems(protocol)
    assert "protocol orthoregen-followup-2026.1 has 0 instrument sets for the knee; expected " \
        "one" in problems
    assert [p for p in problems if p.startswith("windows")] == [
        f"windows of a and b overlap (e.g. after an administration on {date(2024, 1, 1)})"
    ]


def test_each_overlapping_pair_is_reported_once():
    # a's window (1 month + 20 days) reaches into b's (2 months - 15 days); b and c stay apart.
    visits = (
        VisitSpec(visit_id="a", label="a", months=1, days_after=20),
        VisitSpec(visit_id="b", label="b", months=2, days_before=15),
        VisitSpec(visit_id="c", label="c", months=3),
    )
    assert visit_problems(replace(P, visits=visits)) == [
        "windows of a and b overlap (e.g. after an administration on 2024-01-01)"
    ]
