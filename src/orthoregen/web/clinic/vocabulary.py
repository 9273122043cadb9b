"""Clinical vocabularies used by the clinic models: joints, sides, grading scales, ICD-10-CM.

ICD-10-CM codes are the billable leaves listed in shared/standards.md section 2.2
(CMS April 2026 tabular); headers such as M17.1 are not offered.
"""

from django.db import models


class Joint(models.TextChoices):
    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    SHOULDER = "shoulder", "Shoulder"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class GradeScale(models.TextChoices):
    KELLGREN_LAWRENCE = "kl", "Kellgren-Lawrence (0-4)"
    TONNIS = "tonnis", "Tönnis (0-3)"
    SAMILSON_PRIETO = "samilson_prieto", "Samilson-Prieto (I-III)"


# Highest grade on each scale (standards.md 6.1, 6.4, 6.5); Samilson-Prieto runs I-III.
GRADE_RANGE = {
    GradeScale.KELLGREN_LAWRENCE: (0, 4),
    GradeScale.TONNIS: (0, 3),
    GradeScale.SAMILSON_PRIETO: (1, 3),
}

# Which scales apply to which joint (PRODUCT.md stage 1).
SCALES_FOR_JOINT = {
    Joint.KNEE: (GradeScale.KELLGREN_LAWRENCE,),
    Joint.HIP: (GradeScale.KELLGREN_LAWRENCE, GradeScale.TONNIS),
    Joint.SHOULDER: (GradeScale.SAMILSON_PRIETO,),
}


class EncounterKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    PROCEDURE = "procedure", "Procedure"
    FOLLOW_UP = "follow_up", "Follow-up"
    IMAGING = "imaging", "Imaging"


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
        return [f"{code} is not an ICD-10-CM osteoarthritis code for the knee, hip or shoulder."]
    _, code_joint, code_side = ICD10CM_BY_CODE[code]
    problems = []
    if code_joint != joint:
        problems.append(f"{code} is a {code_joint} code, but this episode is the {joint}.")
    if code_side is not None and code_side != side:
        problems.append(f"{code} is for the {code_side} side, but this episode is the {side}.")
    return problems


def grade_problems(joint: str, scale: str, grade: int | None) -> list[str]:
    """List why a radiographic grade does not fit the joint and scale (empty if it fits)."""
    if grade is None:
        return []
    if scale not in SCALES_FOR_JOINT.get(joint, ()):
        allowed = ", ".join(GradeScale(s).label for s in SCALES_FOR_JOINT.get(joint, ()))
        return [f"The {joint} is graded with {allowed}."]
    low, high = GRADE_RANGE[scale]
    if not low <= grade <= high:
        return [f"{GradeScale(scale).label} grades run from {low} to {high}."]
    return []
