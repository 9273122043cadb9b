"""The clinic vocabulary: grade ranges from each scale's source, scales per joint, labels."""

from __future__ import annotations

import pytest

from orthoregen.vocabulary import (
    GRADE_RANGE,
    SCALES_BY_JOINT,
    GradeRange,
    GradeScale,
    Joint,
    Sex,
    Side,
)


@pytest.mark.parametrize(("scale", "lowest", "highest"), [
    # Kellgren & Lawrence, Ann Rheum Dis 1957;16(4):494-502: grades 0 (none) to 4 (severe).
    (GradeScale.KELLGREN_LAWRENCE, 0, 4),
    # Kovalenko et al., Clin Orthop Relat Res 2018;476:1680-1684: Tönnis 0 (no signs) to 3.
    (GradeScale.TONNIS, 0, 3),
    # Samilson & Prieto, J Bone Joint Surg Am 1983;65(4):456-460: I-III; 0 = no arthropathy
    # is our addition (see vocabulary.GRADE_RANGE), not a grade of the paper.
    (GradeScale.SAMILSON_PRIETO, 0, 3),
])
def test_each_scale_runs_over_its_published_grades(scale, lowest, highest):
    assert GRADE_RANGE[scale] == GradeRange(lowest, highest)
    assert GRADE_RANGE[scale].includes(lowest) and GRADE_RANGE[scale].includes(highest)
    assert not GRADE_RANGE[scale].includes(lowest - 1)
    assert not GRADE_RANGE[scale].includes(highest + 1)


def test_every_scale_has_a_range():
    assert set(GRADE_RANGE) == set(GradeScale)


@pytest.mark.parametrize(("joint", "scales"), [
    (Joint.KNEE, (GradeScale.KELLGREN_LAWRENCE,)),
    (Joint.HIP, (GradeScale.KELLGREN_LAWRENCE, GradeScale.TONNIS)),
    (Joint.SHOULDER, (GradeScale.SAMILSON_PRIETO,)),
])
def test_each_joint_is_graded_on_its_scales_usual_one_first(joint, scales):
    assert SCALES_BY_JOINT[joint] == scales


def test_every_joint_has_a_scale_and_every_scale_a_joint():
    assert set(SCALES_BY_JOINT) == set(Joint)
    assert {scale for scales in SCALES_BY_JOINT.values() for scale in scales} == set(GradeScale)


def test_grading_scale_is_stored_under_one_spelling():
    assert [scale.value for scale in GradeScale] == [
        "kellgren_lawrence", "tonnis", "samilson_prieto"]


@pytest.mark.parametrize(("member", "label"), [
    (Joint.KNEE, "Knee"), (Joint.HIP, "Hip"), (Joint.SHOULDER, "Shoulder"),
    (Side.LEFT, "Left"), (Side.RIGHT, "Right"),
    (Sex.FEMALE, "Female"), (Sex.MALE, "Male"), (Sex.OTHER, "Other"), (Sex.UNKNOWN, "Unknown"),
    (GradeScale.KELLGREN_LAWRENCE, "Kellgren-Lawrence"), (GradeScale.TONNIS, "Tönnis"),
    (GradeScale.SAMILSON_PRIETO, "Samilson-Prieto"),
])
def test_each_value_has_a_human_label(member, label):
    assert member.label == label


def test_a_member_compares_equal_to_the_stored_text_and_reads_back_from_it():
    assert Joint.KNEE == "knee" and f"{Side.LEFT} {Joint.HIP}" == "left hip"
    assert GradeScale("tonnis") is GradeScale.TONNIS
    with pytest.raises(ValueError):
        GradeScale("kl")
