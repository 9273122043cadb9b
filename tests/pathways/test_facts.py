"""Facts snapshots: a JSON round trip that keeps unknown apart from no, and clear errors."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given

from orthoregen.pathways import CandidacyFacts, SnapshotError, facts_from_dict, facts_to_dict
from orthoregen.pathways.facts import (
    GradeScale,
    InjectionAgent,
    Joint,
    PriorInjection,
    RadiographicGrade,
    Side,
)

from .builders import complete_facts
from .strategies import candidacy_facts


@given(candidacy_facts())
@example(complete_facts())
@example(CandidacyFacts(Joint.HIP, Side.RIGHT))
def test_facts_read_back_unchanged_through_json(facts: CandidacyFacts) -> None:
    assert facts_from_dict(json.loads(json.dumps(facts_to_dict(facts)))) == facts


def test_snapshot_keeps_unknown_apart_from_none_recorded() -> None:
    unknown = facts_to_dict(CandidacyFacts(Joint.KNEE, Side.LEFT))
    recorded = facts_to_dict(CandidacyFacts(Joint.KNEE, Side.LEFT, prior_injections=()))
    assert (unknown["prior_injections"], recorded["prior_injections"]) == (None, [])


def test_snapshot_writes_dates_as_iso_strings() -> None:
    shot = PriorInjection(InjectionAgent.PRP, Joint.KNEE, Side.LEFT, date(2026, 1, 21))
    data = CandidacyFacts(Joint.KNEE, Side.LEFT, prior_injections=(shot,)).to_dict()
    assert data["prior_injections"] == [
        {"agent": "prp", "joint": "knee", "side": "left", "given_on": "2026-01-21"}
    ]


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    data = facts_to_dict(complete_facts())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["age_years"], "55", "age_years: expected a whole number"),
        (["age_years"], True, "age_years: expected a whole number"),
        (["comorbidities", "diabetes"], "no", "comorbidities.diabetes: expected true or false"),
        (["prior_injections"], [{"agent": "steroid", "joint": "knee"}],
         "prior_injections[0].agent: expected one of"),
        (["prior_injections"], [{"agent": "prp", "joint": "knee", "given_on": "21/01/2026"}],
         "prior_injections[0].given_on: expected an ISO date"),
        (["radiograph"], {"scale": "tonnis", "grade": 1}, "a knee is not graded on the tonnis"),
        (["radiograph"], {"scale": "kellgren_lawrence", "grade": 5}, "grade must be 0-4"),
        (["bmi_kg_m2"], -3, "bmi_kg_m2 must be positive"),
        (["baseline_pain"], {"scale": "nrs", "value": 11}, "nrs pain must be 0-10"),
        (["baseline_pain"], {"scale": "vas_mm", "value": 101}, "vas_mm pain must be 0-100"),
        (["weight_kg"], 80, "unknown field(s) ['weight_kg']"),
        (["joint"], "elbow", "joint: expected one of"),
    ],
)
def test_bad_snapshot_is_refused_naming_the_field(path: list[Any], value: Any,
                                                  message: str) -> None:
    with pytest.raises(SnapshotError) as error:
        facts_from_dict(_with(path, value))
    assert message in str(error.value)


def test_snapshot_without_joint_is_refused() -> None:
    data = facts_to_dict(complete_facts())
    del data["joint"]
    with pytest.raises(SnapshotError, match="joint: is required"):
        facts_from_dict(data)


@pytest.mark.parametrize(
    ("joint", "scale"),
    [(Joint.KNEE, GradeScale.KELLGREN_LAWRENCE), (Joint.HIP, GradeScale.KELLGREN_LAWRENCE),
     (Joint.HIP, GradeScale.TONNIS), (Joint.SHOULDER, GradeScale.SAMILSON_PRIETO)],
)
def test_each_joint_accepts_its_grading_scales(joint: Joint, scale: GradeScale) -> None:
    # KL for the knee, KL or Tönnis for the hip, Samilson-Prieto for the shoulder
    # (docs/standards.md#radiographic-grading-scales).
    assert CandidacyFacts(joint, Side.LEFT, radiograph=RadiographicGrade(scale, 2)).radiograph


@pytest.mark.parametrize(("scale", "highest"), [(GradeScale.KELLGREN_LAWRENCE, 4),
                                                (GradeScale.TONNIS, 3),
                                                (GradeScale.SAMILSON_PRIETO, 3)])
def test_grade_above_the_scale_is_refused(scale: GradeScale, highest: int) -> None:
    # Kellgren & Lawrence 1957 (KL 0-4), Tönnis 1987 (0-3), Samilson & Prieto 1983 (I-III;
    # 0 = none, this project's convention).
    assert RadiographicGrade(scale, highest).grade == highest
    with pytest.raises(ValueError, match=f"0-{highest}"):
        RadiographicGrade(scale, highest + 1)


def test_plain_strings_become_enum_members() -> None:
    shot = PriorInjection("corticosteroid", "knee", "left", date(2026, 1, 21))  # type: ignore[arg-type]
    facts = CandidacyFacts("knee", "left", prior_injections=(shot,))  # type: ignore[arg-type]
    assert (facts.joint, facts.side) == (Joint.KNEE, Side.LEFT)
    assert facts.prior_injections is not None
    assert facts.prior_injections[0].agent is InjectionAgent.CORTICOSTEROID


def test_unknown_joint_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="'elbow' is not a valid Joint"):
        CandidacyFacts("elbow", Side.LEFT)  # type: ignore[arg-type]
