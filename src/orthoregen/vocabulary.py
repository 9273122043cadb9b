"""Name the clinic's words once: joints, sides, sex and radiographic grading scales.

Every layer stores and compares these values (the core's rules, the database, forms,
exports and synthetic data), so each is spelled here and nowhere else. A member is a
``str``, so it compares equal to the text a form or a database row holds.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Self

from orthoregen.words import gettext_noop


class LabelledEnum(StrEnum):
    """Pair each stored value with the words a clinician reads (``member.label``).

    A label is English, marked with ``gettext_noop`` for the catalogue (orthoregen.words);
    a page shows it translated through the web's choices (web/clinic/vocabulary.py).
    """

    _label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    if TYPE_CHECKING:
        # Calling the class looks a member up by its stored value, as for any enum; this
        # tells mypy, which would otherwise want __new__'s arguments (python/mypy#10573).
        def __init__(self, value: str) -> None: ...

    @property
    def label(self) -> str:
        """Return the human name of this value, as a form or a page shows it."""
        return self._label


class Joint(LabelledEnum):
    KNEE = "knee", gettext_noop("Knee")
    HIP = "hip", gettext_noop("Hip")
    SHOULDER = "shoulder", gettext_noop("Shoulder")


class Side(LabelledEnum):
    LEFT = "left", gettext_noop("Left")
    RIGHT = "right", gettext_noop("Right")


class Sex(LabelledEnum):
    """Name the sex recorded on the patient's chart; "other" and "unknown" are recorded answers.

    Rules that depend on sex must say what they do with every member: the candidacy engine
    exempts only ``MALE`` from pregnancy questions (see ``pathways.conditions``).
    """

    FEMALE = "female", gettext_noop("Female")
    MALE = "male", gettext_noop("Male")
    OTHER = "other", gettext_noop("Other")
    UNKNOWN = "unknown", gettext_noop("Unknown")


class GradeScale(LabelledEnum):
    """Name a radiographic grading scale of osteoarthritis, by its primary source."""

    # Kellgren JH, Lawrence JS. Ann Rheum Dis 1957;16(4):494-502, doi:10.1136/ard.16.4.494.
    KELLGREN_LAWRENCE = "kellgren_lawrence", gettext_noop("Kellgren-Lawrence")
    # Tönnis grade as summarised by Kovalenko B, Bremjit P, Fernando N. Clin Orthop Relat Res
    # 2018;476:1680-1684, doi:10.1097/01.blo.0000534679.75870.5f.
    TONNIS = "tonnis", gettext_noop("Tönnis")
    # Samilson RL, Prieto V. Dislocation arthropathy of the shoulder. J Bone Joint Surg Am
    # 1983;65(4):456-460.
    SAMILSON_PRIETO = "samilson_prieto", gettext_noop("Samilson-Prieto")


class GradeRange(NamedTuple):
    """Hold the lowest and highest grade of a scale, both included."""

    lowest: int
    highest: int

    def includes(self, grade: int) -> bool:
        """Say whether ``grade`` is a grade of this scale."""
        return self.lowest <= grade <= self.highest


GRADE_RANGE: dict[GradeScale, GradeRange] = {
    # Grades 0 (none) to 4 (severe), Kellgren & Lawrence 1957.
    GradeScale.KELLGREN_LAWRENCE: GradeRange(0, 4),
    # Grades 0 (no signs of osteoarthritis) to 3 (severe), Kovalenko et al. 2018.
    GradeScale.TONNIS: GradeRange(0, 3),
    # Samilson & Prieto grade only shoulders with arthropathy: I (mild) to III (severe), by
    # osteophyte height. Grade 0 records a radiograph without arthropathy, as KL 0 and
    # Tönnis 0 do, so a shoulder graded "no osteoarthritis" is a recorded fact that the
    # candidacy rules can refuse, not a blank they would ask for again.
    GradeScale.SAMILSON_PRIETO: GradeRange(0, 3),
}

# Scales a clinic may record for each joint, the usual scale first. The hip also takes KL,
# which many radiology reports use; the shoulder takes Samilson-Prieto only.
SCALES_BY_JOINT: dict[Joint, tuple[GradeScale, ...]] = {
    Joint.KNEE: (GradeScale.KELLGREN_LAWRENCE,),
    Joint.HIP: (GradeScale.KELLGREN_LAWRENCE, GradeScale.TONNIS),
    Joint.SHOULDER: (GradeScale.SAMILSON_PRIETO,),
}
