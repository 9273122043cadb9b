"""Clinical vocabularies used by the clinic models: joints, sides, grading scales, ICD-10-CM.

Joints, sides, sex and grading scales are Django choices built from the core vocabulary
(``orthoregen.vocabulary``), which holds every value, label and grade range once.
ICD-10-CM codes are the billable leaves of the CMS ICD-10-CM tabular list (April 2026
update); headers such as M17.1 are not offered.
"""

import functools
from typing import Any

from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orthoregen import vocabulary
from orthoregen.vocabulary import GRADE_RANGE, SCALES_BY_JOINT


def _choices(core: type[vocabulary.LabelledEnum], labels: dict[str, Any] | None = None) -> Any:
    """Return Django text choices with the core enum's members, values and labels.

    The core's labels are English marked with gettext_noop (orthoregen.words); translated
    here, lazily, they follow the language active when a page shows them.
    """
    # Any, not type[TextChoices]: the members are made at run time, so mypy cannot list them.
    labels = labels or {m.value: _(m.label) for m in core}
    members = [(m.name, (m.value, labels[m.value])) for m in core]
    # django-stubs types Enum's functional form without (value, label) members or module=.
    return models.TextChoices(core.__name__, members, module=__name__)  # type: ignore[call-overload]


def label(choices: type[models.Choices], value: object) -> str:
    """Return ``value``'s label in the active language, or the value itself if it is none
    of the choices: what ``get_FOO_display()`` shows.

    For long tables: ``get_FOO_display()`` hashes every label of the field at each call,
    and hashing a lazy label translates it; the worklist spent a quarter of its time
    there. This translates the one label shown.
    """
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


Joint = _choices(vocabulary.Joint)
Side = _choices(vocabulary.Side)
Sex = _choices(vocabulary.Sex)
# The range in the label tells the clinician which grades the field takes.
GradeScale = _choices(vocabulary.GradeScale, {
    scale.value: format_lazy("{} ({}-{})", _(scale.label), grades.lowest, grades.highest)
    for scale, grades in GRADE_RANGE.items()})


def _grade_help() -> str:
    def with_range(scale: vocabulary.GradeScale) -> str:
        return f"{scale.label} {GRADE_RANGE[scale].lowest}-{GRADE_RANGE[scale].highest}"

    def either(first: str, second: str) -> str:
        return gettext("%(first)s or %(second)s") % {"first": first, "second": second}

    per_joint = [gettext("%(joint)s: %(scales)s.") % {
                     "joint": joint.label,
                     "scales": functools.reduce(either, map(with_range, scales))}
                 for joint, scales in SCALES_BY_JOINT.items()]
    return " ".join([*per_joint, gettext(
        "Samilson-Prieto I-III are entered as 1-3; 0 = no arthropathy.")])


# Help text for a grade field, from the same table that validates the grade; lazy, so that it
# is worded in the language active when a form shows it, not the one active at import.
GRADE_HELP = lazy(_grade_help, str)()


class EncounterKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    PROCEDURE = "procedure", _("Procedure")
    FOLLOW_UP = "follow_up", _("Follow-up")
    IMAGING = "imaging", _("Imaging")


# (code, description, joint, side or None for bilateral/unspecified)
ICD10CM_OA = [
    ("M17.0", "Bilateral primary osteoarthritis of knee", Joint.KNEE, None),
    ("M17.10", "Unilateral primary osteoarthritis, unspecified knee", Joint.KNEE, None),
    ("M17.11", "Unilateral primary osteoarthritis, right knee", Joint.KNEE, Side.RIGHT),
    ("M17.12", "Unilateral primary osteoarthritis, left knee", Joint.KNEE, Side.LEFT),
    ("M17.2", "Bilateral post-traumatic osteoarthritis of knee", Joint.KNEE, None),
    ("M17.30", "Unilateral post-traumatic osteoarthritis, unspecified knee", Joint.KNEE, None),
    ("M17.31", "Unilateral post-traumatic osteoarthritis, right knee", Joint.KNEE, Side.RIGHT),
    ("M17.32", "Unilateral post-traumatic osteoarthritis, left knee", Joint.KNEE, Side.LEFT),
    ("M17.4", "Other bilateral secondary osteoarthritis of knee", Joint.KNEE, None),
    ("M17.5", "Other unilateral secondary osteoarthritis of knee", Joint.KNEE, None),
    ("M17.9", "Osteoarthritis of knee, unspecified", Joint.KNEE, None),
    ("M16.0", "Bilateral primary osteoarthritis of hip", Joint.HIP, None),
    ("M16.10", "Unilateral primary osteoarthritis, unspecified hip", Joint.HIP, None),
    ("M16.11", "Unilateral primary osteoarthritis, right hip", Joint.HIP, Side.RIGHT),
    ("M16.12", "Unilateral primary osteoarthritis, left hip", Joint.HIP, Side.LEFT),
    ("M16.2", "Bilateral osteoarthritis resulting from hip dysplasia", Joint.HIP, None),
    ("M16.30", "Unilateral osteoarthritis resulting from hip dysplasia, unspecified hip",
     Joint.HIP, None),
    ("M16.31", "Unilateral osteoarthritis resulting from hip dysplasia, right hip",
     Joint.HIP, Side.RIGHT),
    ("M16.32", "Unilateral osteoarthritis resulting from hip dysplasia, left hip",
     Joint.HIP, Side.LEFT),
    ("M16.4", "Bilateral post-traumatic osteoarthritis of hip", Joint.HIP, None),
    ("M16.50", "Unilateral post-traumatic osteoarthritis, unspecified hip", Joint.HIP, None),
    ("M16.51", "Unilateral post-traumatic osteoarthritis, right hip", Joint.HIP, Side.RIGHT),
    ("M16.52", "Unilateral post-traumatic osteoarthritis, left hip", Joint.HIP, Side.LEFT),
    ("M16.6", "Other bilateral secondary osteoarthritis of hip", Joint.HIP, None),
    ("M16.7", "Other unilateral secondary osteoarthritis of hip", Joint.HIP, None),
    ("M16.9", "Osteoarthritis of hip, unspecified", Joint.HIP, None),
    ("M19.011", "Primary osteoarthritis, right shoulder", Joint.SHOULDER, Side.RIGHT),
    ("M19.012", "Primary osteoarthritis, left shoulder", Joint.SHOULDER, Side.LEFT),
    ("M19.019", "Primary osteoarthritis, unspecified shoulder", Joint.SHOULDER, None),
    ("M19.111", "Post-traumatic osteoarthritis, right shoulder", Joint.SHOULDER, Side.RIGHT),
    ("M19.112", "Post-traumatic osteoarthritis, left shoulder", Joint.SHOULDER, Side.LEFT),
    ("M19.119", "Post-traumatic osteoarthritis, unspecified shoulder", Joint.SHOULDER, None),
    ("M19.211", "Secondary osteoarthritis, right shoulder", Joint.SHOULDER, Side.RIGHT),
    ("M19.212", "Secondary osteoarthritis, left shoulder", Joint.SHOULDER, Side.LEFT),
    ("M19.219", "Secondary osteoarthritis, unspecified shoulder", Joint.SHOULDER, None),
]
ICD10CM_BY_CODE = {code: (description, joint, side)
                   for code, description, joint, side in ICD10CM_OA}
ICD10CM_CHOICES = [(code, f"{code} {description}") for code, description, _, _ in ICD10CM_OA]


def diagnosis_problems(code: str, joint: str, side: str) -> list[str]:
    """List why an ICD-10-CM code does not fit the episode's joint and side (empty if it fits)."""
    if code not in ICD10CM_BY_CODE:
        return [gettext("%(code)s is not an ICD-10-CM osteoarthritis code for the knee, hip or "
                        "shoulder.") % {"code": code}]
    _, code_joint, code_side = ICD10CM_BY_CODE[code]
    problems = []
    if code_joint != joint:
        problems.append(gettext("%(code)s is a %(code_joint)s code, but this episode is the "
                                "%(joint)s.") % {"code": code, "code_joint": code_joint,
                                                 "joint": joint})
    if code_side is not None and code_side != side:
        problems.append(gettext("%(code)s is for the %(code_side)s side, but this episode is the "
                                "%(side)s.") % {"code": code, "code_side": code_side,
                                                "side": side})
    return problems


def grade_problems(joint: str, scale: str, grade: int | None) -> list[str]:
    """List why a radiographic grade does not fit the joint and scale (empty if it fits)."""
    if grade is None:
        return []
    scales = _scales_for(joint)
    if scale not in scales:
        allowed = ", ".join(str(GradeScale(s).label) for s in scales)
        return [gettext("The %(joint)s is graded with %(allowed)s.") % {"joint": joint,
                                                                         "allowed": allowed}]
    low, high = GRADE_RANGE[vocabulary.GradeScale(scale)]
    if not low <= grade <= high:
        return [gettext("%(scale)s grades run from %(low)s to %(high)s.") % {
            "scale": GradeScale(scale).label, "low": low, "high": high}]
    return []


def _scales_for(joint: str) -> tuple[vocabulary.GradeScale, ...]:
    # Model.clean runs even when the joint failed its own choices check.
    try:
        return SCALES_BY_JOINT[vocabulary.Joint(joint)]
    except ValueError:
        return ()
