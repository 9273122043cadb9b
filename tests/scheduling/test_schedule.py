import json
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.products.episode import Joint
from orthoregen.scheduling import VisitStatus, Window, build_schedule, visit_on, visit_status
from orthoregen.scheduling.checks import protocol_problems
from orthoregen.scheduling.protocol import (
    DEFAULT_PROTOCOL,
    InstructionSpec,
    InstrumentChoice,
    JointInstruments,
    ReportedBy,
    VisitSpec,
    protocol_from_json,
    protocol_to_json,
)

P = DEFAULT_PROTOCOL


def targets(day, joint=Joint.KNEE):
    return {v.visit_id: v.window.target for v in build_schedule(P, day, joint=joint).visits}


def test_default_visits_are_the_pathway_time_points():
    # docs/follow-up.md#visits-and-windows: 6-8 weeks, 3, 6, 12, 24 and 36 months; MRI at 6
    # and 12 months.
    schedule = build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE)
    assert [v.label for v in schedule.visits] == [
        "6-8 weeks",
        "3 months",
        "6 months",
        "12 months",
        "24 months",
        "36 months",
    ]
    assert {v.visit_id for v in schedule.visits if "mri" in v.imaging} == {"month_6", "month_12"}


def test_six_to_eight_week_window_spans_weeks_six_to_eight():
    visit = build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE).visits[0]
    assert visit.window == Window(date(2026, 2, 26), date(2026, 3, 5), date(2026, 3, 12))


@pytest.mark.parametrize(
    ("administered_on", "visit_id", "target"),
    [
        # python-dateutil relativedelta documentation: date(2003,1,31) + months=+1 is
        # 2003-02-28 (the day is clamped to the end of the shorter month).
        (date(2003, 1, 31), "month_3", date(2003, 4, 30)),
        (date(2003, 11, 30), "month_3", date(2004, 2, 29)),  # lands on a leap day
        (date(2024, 2, 29), "month_12", date(2025, 2, 28)),
        (date(2024, 2, 29), "month_24", date(2026, 2, 28)),
        (date(2024, 2, 29), "month_6", date(2024, 8, 29)),
        (date(2024, 8, 31), "month_6", date(2025, 2, 28)),
        (date(2023, 8, 31), "month_6", date(2024, 2, 29)),
        (date(2025, 12, 31), "month_36", date(2028, 12, 31)),
    ],
)
def test_month_targets_clamp_to_the_last_day_of_shorter_months(administered_on, visit_id, target):
    assert targets(administered_on)[visit_id] == target


@given(st.dates(date(1950, 1, 1), date(2150, 12, 31)))
@example(date(2024, 2, 29))
@example(date(2023, 1, 31))
@example(date(2024, 12, 31))
@example(date(2100, 2, 28))
def test_windows_are_ordered_contain_target_and_visits_never_overlap(day):
    schedule = build_schedule(P, day, joint=Joint.HIP)
    for visit in schedule.visits:
        assert day < visit.window.earliest <= visit.window.target <= visit.window.latest
    for before, after in zip(schedule.visits, schedule.visits[1:], strict=False):
        assert before.window.latest < after.window.earliest


def test_instruments_follow_the_pathway_joint_table():
    # docs/follow-up.md#instruments-per-joint: knee VAS, WOMAC, KOOS; hip VAS, WOMAC, HOOS,
    # Harris Hip Score; shoulder VAS, ASES, range of motion.
    def defaults(joint):
        visit = build_schedule(P, date(2026, 1, 15), joint=joint).visits[1]
        return [c.default for c in visit.instruments]

    assert defaults(Joint.KNEE) == ["nrs_pain", "womac_lk31", "koos"]
    assert defaults(Joint.HIP) == ["nrs_pain", "womac_lk31", "hoos", "hhs"]
    assert defaults(Joint.SHOULDER) == ["nrs_pain", "ases", "rom_shoulder"]


def test_clinician_reported_measures_are_marked():
    hip = build_schedule(P, date(2026, 1, 15), joint=Joint.HIP).visits[0].instruments
    assert {c.default for c in hip if c.reported_by is ReportedBy.CLINICIAN} == {"hhs"}
    assert (
        InstrumentChoice(("koos", "koos_jr"))
        in build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE).visits[0].instruments
    )


def test_reduced_impact_lasts_two_weeks_and_warning_signs_have_no_end():
    # docs/follow-up.md#post-procedure-instructions: reduced impact for 1-2 weeks; warning
    # signs of septic arthritis with no end.
    schedule = build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE)
    by_id = {i.instruction_id: i for i in schedule.instructions}
    assert (by_id["reduced_impact"].starts_on, by_id["reduced_impact"].ends_on) == (
        date(2026, 1, 15),
        date(2026, 1, 29),
    )
    assert by_id["warning_signs"].ends_on is None


def test_an_evening_injection_is_dated_in_the_clinic_zone():
    # 23:30 in Sydney on 15 Jan is 12:30 UTC the same day; 00:30 Sydney on 16 Jan is 13:30 UTC
    # on 15 Jan, which must count as the 16th in the clinic.
    sydney = ZoneInfo("Australia/Sydney")
    at = datetime(2026, 1, 15, 13, 30, tzinfo=UTC)
    assert build_schedule(P, at, joint=Joint.KNEE, clinic_zone=sydney).administered_on == date(
        2026, 1, 16
    )


def test_a_naive_administration_time_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        build_schedule(
            P, datetime(2026, 1, 15, 9, 0), joint=Joint.KNEE, clinic_zone=ZoneInfo("UTC")
        )


def test_two_injections_give_independent_schedules():
    first = build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE)
    second = build_schedule(P, date(2026, 7, 15), joint=Joint.KNEE)
    assert second.visits[0].window.target == date(2026, 9, 2)
    assert first.visits[0].window.target == date(2026, 3, 5)


WINDOW = Window(date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("completed_on", "today", "status"),
    [
        (None, date(2026, 2, 28), VisitStatus.UPCOMING),
        (None, date(2026, 3, 1), VisitStatus.OPEN),
        (None, date(2026, 3, 15), VisitStatus.OPEN),
        (None, date(2026, 3, 16), VisitStatus.OVERDUE),
        (None, date(2026, 3, 31), VisitStatus.OVERDUE),
        (None, date(2026, 4, 1), VisitStatus.MISSED),
        (date(2026, 3, 10), date(2026, 4, 1), VisitStatus.COMPLETED),
    ],
)
def test_visit_status_at_the_window_edges(completed_on, today, status):
    assert visit_status(WINDOW, completed_on, today) is status


def test_window_refuses_a_target_outside_it():
    with pytest.raises(ValueError, match="must contain"):
        Window(date(2026, 3, 2), date(2026, 3, 1), date(2026, 3, 3))


def test_default_protocol_passes_its_start_up_checks():
    assert protocol_problems(P) == []


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        (replace(P, visits=P.visits + (P.visits[0],)), "visit ids repeat"),
        (
            replace(P, visits=(VisitSpec(visit_id="m3", label="3 m", months=3, days_before=-1),)),
            ">= 0",
        ),
        (
            replace(
                P,
                instrument_sets=(
                    JointInstruments(Joint.KNEE, (InstrumentChoice(("koss",)),)),
                    *P.instrument_sets[1:],
                ),
            ),
            "unknown ids",
        ),
        (replace(P, instrument_sets=P.instrument_sets[:1]), "0 instrument sets for the hip"),
        (
            replace(P, instrument_sets=P.instrument_sets + P.instrument_sets[:1]),
            "2 instrument sets for the knee",
        ),
        (
            replace(
                P,
                instructions=(InstructionSpec(instruction_id="x", text="x", from_day=5, to_day=2),),
            ),
            "days out of order",
        ),
        (
            replace(
                P,
                visits=(
                    VisitSpec(visit_id="a", label="a", months=1, days_after=20),
                    VisitSpec(visit_id="b", label="b", months=2, days_before=20),
                ),
            ),
            "windows of a and b overlap",
        ),
    ],
)
def test_broken_protocols_are_reported(protocol, message):
    assert any(message in problem for problem in protocol_problems(protocol))


def test_protocol_reads_back_unchanged_from_its_json_form():
    data = json.loads(json.dumps(protocol_to_json(P)))
    assert protocol_from_json(data) == P
    assert data["instrument_sets"][0] == {
        "joint": "knee",
        "choices": [
            {"options": ["nrs_pain", "vas_pain"], "reported_by": "patient"},
            {"options": ["womac_lk31"], "reported_by": "patient"},
            {"options": ["koos", "koos_jr"], "reported_by": "patient"},
        ],
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["visits"][0].update(weeks=7), r"visits\[0\]: unknown field"),
        (lambda d: d["visits"][1].update(months="3"), r"visits\[1\].months: expected a whole"),
        (lambda d: d["instrument_sets"][2].update(joint="elbow"), r"instrument_sets\[2\].joint"),
        (lambda d: d.pop("version"), "version: is required"),
    ],
)
def test_a_broken_json_protocol_names_the_path_of_the_problem(edit, message):
    data = protocol_to_json(P)
    edit(data)
    with pytest.raises(ValueError, match=message):
        protocol_from_json(data)


def test_a_clinic_may_offer_koos_jr_first_for_the_knee():
    data = protocol_to_json(P)
    data["instrument_sets"][0]["choices"][2]["options"] = ["koos_jr", "koos"]
    protocol = protocol_from_json(data)
    assert protocol_problems(protocol) == []
    visit = build_schedule(protocol, date(2026, 1, 15), joint=Joint.KNEE).visits[0]
    assert [c.default for c in visit.instruments][2] == "koos_jr"


@pytest.mark.parametrize(
    ("day", "visit_id"),
    [
        (date(2026, 2, 25), None),  # day 41: before the 6-8 week window
        (date(2026, 2, 26), "week_6_8"),  # day 42
        (date(2026, 3, 12), "week_6_8"),  # day 56
        (date(2026, 3, 13), None),  # between windows
        (date(2026, 4, 1), "month_3"),  # 15 April target - 14 days
        (date(2026, 7, 15), "month_6"),
        (date(2029, 3, 12), "month_36"),  # 15 Jan 2029 + 56 days
        (date(2029, 3, 13), None),
    ],
)
def test_a_response_counts_for_the_visit_whose_window_holds_its_date(day, visit_id):
    schedule = build_schedule(P, date(2026, 1, 15), joint=Joint.KNEE)
    found = visit_on(schedule, day)
    assert (found.visit_id if found else None) == visit_id
