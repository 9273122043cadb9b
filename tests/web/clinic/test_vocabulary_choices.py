"""The clinic's Django choices are the core vocabulary's values and labels, not a copy."""

import pytest

from orthoregen import vocabulary
from orthoregen.web.clinic import vocabulary as clinic


@pytest.mark.parametrize("core, choices", [
    (vocabulary.Joint, clinic.Joint), (vocabulary.Side, clinic.Side),
    (vocabulary.Sex, clinic.Sex), (vocabulary.GradeScale, clinic.GradeScale),
])
def test_choices_hold_the_core_values_in_the_core_order(core, choices):
    assert choices.values == [member.value for member in core]
    assert choices.names == [member.name for member in core]


def test_choice_labels_are_the_core_labels():
    assert clinic.Sex.choices == [("female", "Female"), ("male", "Male"),
                                  ("other", "Other"), ("unknown", "Unknown")]


def test_scale_labels_show_the_core_range():
    assert clinic.GradeScale.choices == [("kellgren_lawrence", "Kellgren-Lawrence (0-4)"),
                                         ("tonnis", "Tönnis (0-3)"),
                                         ("samilson_prieto", "Samilson-Prieto (0-3)")]


@pytest.mark.parametrize("joint, scale, grade, problems", [
    ("shoulder", "samilson_prieto", 0, []),
    ("shoulder", "samilson_prieto", 3, []),
    ("shoulder", "samilson_prieto", 4, ["Samilson-Prieto (0-3) grades run from 0 to 3."]),
    ("hip", "tonnis", 0, []),
    ("hip", "samilson_prieto", 1,
     ["The hip is graded with Kellgren-Lawrence (0-4), Tönnis (0-3)."]),
    ("knee", "kl", 2, ["The knee is graded with Kellgren-Lawrence (0-4)."]),
    ("knee", "kellgren_lawrence", None, []),
])
def test_grade_problems_read_the_core_ranges_and_scales(joint, scale, grade, problems):
    assert clinic.grade_problems(joint, scale, grade) == problems
