"""Consistency of the injection record of one joint: approach, guidance, volume and images.

Sources (docs/cell-products.md#procedure-record-consistency):
- approaches per joint, docs/cell-products.md#injection-record: knee superolateral
  (suprapatellar recess; accurate under ultrasound for experienced and less-experienced
  injectors, Curtiss HM et al., PM R 2011), lateral midpatellar, anterolateral, anteromedial;
  hip anterior oblique-sagittal to the femoral head-neck junction under ultrasound (97 %
  accurate against contrast fluoroscopy, Smith J et al., J Ultrasound Med 2009) or anterior
  under fluoroscopy; shoulder posterior glenohumeral or rotator interval;
- guidance per joint, docs/cell-products.md#image-guidance (project default, CFG): the knee
  and the shoulder under ultrasound, the hip under ultrasound or fluoroscopy; guided injection
  reaches the joint far more often than palpation (Berkoff DJ et al., 2012, PMC3324992). A
  clinic's policy may allow landmark injection of the knee or shoulder with a recorded
  reason, never of the hip (project rule);
- the injectate cannot exceed the volume of the units issued to the joint episode: each unit
  is tracked to its recipient (21 CFR 1271.290(b)), so what was given must be accounted for
  by them (project rule);
- an image of guided placement is stored (AIUM Practice Parameter for the Performance of
  Selected Ultrasound-Guided Procedures, 2014), referenced by a DICOM Study Instance UID
  (syntax of DICOM PS3.5 section 9.1) or the id of an image stored by the clinic.

Every check returns problems as values, all at once, so the form can show them together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from orthoregen.products.episode import Joint

# Injectate and unit volumes are read to 0.1 mL or better; a sum of floats may differ from the
# exact sum by far less than this, and no clinic measures to it.
VOLUME_TOLERANCE_ML = 1e-6
UID_MAX_LENGTH = 64


class Guidance(StrEnum):
    ULTRASOUND = "ultrasound"
    FLUOROSCOPY = "fluoroscopy"
    LANDMARK = "landmark"


IMAGE_GUIDED = frozenset({Guidance.ULTRASOUND, Guidance.FLUOROSCOPY})


class Approach(StrEnum):
    # Values are those the procedure room stores.
    SUPEROLATERAL = "superolateral"
    LATERAL_MIDPATELLAR = "lateral_midpatellar"
    ANTEROLATERAL = "anterolateral"
    ANTEROMEDIAL = "anteromedial"
    HIP_ANTERIOR_OBLIQUE = "hip_anterior_oblique"
    HIP_FLUORO_ANTERIOR = "hip_fluoro_anterior"
    SHOULDER_POSTERIOR = "shoulder_posterior"
    SHOULDER_ROTATOR_INTERVAL = "shoulder_rotator_interval"


@dataclass(frozen=True)
class ApproachRule:
    """The joint an approach reaches and, where it is defined by one, its guidance."""

    joint: Joint
    guidance: frozenset[Guidance] | None = None


A, G = Approach, Guidance
APPROACHES: Mapping[Approach, ApproachRule] = {
    A.SUPEROLATERAL: ApproachRule(Joint.KNEE),
    A.LATERAL_MIDPATELLAR: ApproachRule(Joint.KNEE),
    A.ANTEROLATERAL: ApproachRule(Joint.KNEE),
    A.ANTEROMEDIAL: ApproachRule(Joint.KNEE),
    # The oblique-sagittal approach is an ultrasound approach; the anterior a fluoroscopic one.
    A.HIP_ANTERIOR_OBLIQUE: ApproachRule(Joint.HIP, frozenset({G.ULTRASOUND})),
    A.HIP_FLUORO_ANTERIOR: ApproachRule(Joint.HIP, frozenset({G.FLUOROSCOPY})),
    A.SHOULDER_POSTERIOR: ApproachRule(Joint.SHOULDER),
    A.SHOULDER_ROTATOR_INTERVAL: ApproachRule(Joint.SHOULDER),
}


@dataclass(frozen=True)
class GuidancePolicy:
    """Which guidance each joint may be injected under: versioned clinic data (CFG)."""

    version: str
    allowed: Mapping[Joint, frozenset[Guidance]]

    def __post_init__(self) -> None:
        missing = set(Joint) - set(self.allowed)
        if missing:
            raise ValueError(f"guidance policy {self.version} names no guidance for {missing}")
        if Guidance.LANDMARK in self.allowed[Joint.HIP]:
            raise ValueError(
                f"guidance policy {self.version} allows landmark injection of the hip; the hip "
                "is injected under ultrasound or fluoroscopy only"
            )


DEFAULT_GUIDANCE = GuidancePolicy(
    version="2026.1",
    allowed={
        Joint.KNEE: frozenset({G.ULTRASOUND}),
        Joint.HIP: frozenset({G.ULTRASOUND, G.FLUOROSCOPY}),
        Joint.SHOULDER: frozenset({G.ULTRASOUND}),
    },
)


@dataclass(frozen=True)
class ImageReference:
    """A stored image of the injection: a DICOM Study Instance UID or a clinic image id."""

    study_instance_uid: str = ""
    stored_image_id: str = ""


@dataclass(frozen=True)
class IssuedVolume:
    """A unit issued for a joint episode and the volume it holds (None if not recorded)."""

    unit_id: str
    episode_id: str
    volume_ml: float | None


@dataclass(frozen=True, kw_only=True)
class InjectionRecord:
    """What the procedure room recorded for one joint episode in one session."""

    episode_id: str
    joint: Joint
    guidance: Guidance
    approach: Approach | None
    # Volume of cell product injected; co-injectates (hyaluronic acid, contrast) are recorded
    # apart and do not count here.
    injectate_volume_ml: float
    landmark_reason: str = ""
    images: tuple[ImageReference, ...] = field(default=())

    def __post_init__(self) -> None:
        # Values from forms and the database arrive as text; unknown ones fail here.
        object.__setattr__(self, "joint", Joint(self.joint))
        object.__setattr__(self, "guidance", Guidance(self.guidance))
        if self.approach is not None:
            object.__setattr__(self, "approach", Approach(self.approach))
        object.__setattr__(self, "images", tuple(self.images))


class ProblemKind(StrEnum):
    GUIDANCE_NOT_ALLOWED = "guidance_not_allowed"
    LANDMARK_WITHOUT_REASON = "landmark_without_reason"
    APPROACH_MISSING = "approach_missing"
    APPROACH_WRONG_JOINT = "approach_wrong_joint"
    APPROACH_CONTRADICTS_GUIDANCE = "approach_contradicts_guidance"
    VOLUME_INVALID = "volume_invalid"
    NO_UNIT_ISSUED = "no_unit_issued"
    UNIT_OF_ANOTHER_EPISODE = "unit_of_another_episode"
    UNIT_VOLUME_UNKNOWN = "unit_volume_unknown"
    VOLUME_EXCEEDS_ISSUED = "volume_exceeds_issued"
    IMAGE_MISSING = "image_missing"
    IMAGE_REFERENCE_INVALID = "image_reference_invalid"


@dataclass(frozen=True)
class ProcedureProblem:
    kind: ProblemKind
    message: str


def procedure_problems(
    record: InjectionRecord,
    issued: Sequence[IssuedVolume],
    *,
    policy: GuidancePolicy = DEFAULT_GUIDANCE,
) -> tuple[ProcedureProblem, ...]:
    """Return every contradiction in one joint's injection record; () if it is consistent."""
    return (
        *guidance_problems(record, policy),
        *approach_problems(record),
        *volume_problems(record, issued),
        *image_problems(record),
    )


def guidance_problems(record: InjectionRecord, policy: GuidancePolicy) -> list[ProcedureProblem]:
    """Return the problems of the guidance chosen for the joint under `policy`."""
    allowed = policy.allowed[record.joint]
    if record.guidance not in allowed:
        choices = " or ".join(sorted(allowed))
        said = (
            f"the {record.joint} is injected under {choices} (guidance policy "
            f"{policy.version}), not {record.guidance}"
        )
        return [ProcedureProblem(ProblemKind.GUIDANCE_NOT_ALLOWED, said)]
    if record.guidance is Guidance.LANDMARK and not record.landmark_reason.strip():
        said = "a landmark injection needs the reason image guidance was not used"
        return [ProcedureProblem(ProblemKind.LANDMARK_WITHOUT_REASON, said)]
    return []


def approach_problems(record: InjectionRecord) -> list[ProcedureProblem]:
    """Return the problems of the approach: recorded, of this joint, and fit for the guidance."""
    if record.approach is None:
        said = f"the approach to the {record.joint} is not recorded"
        return [ProcedureProblem(ProblemKind.APPROACH_MISSING, said)]
    rule = APPROACHES[record.approach]
    if rule.joint is not record.joint:
        said = f"the {record.approach} approach reaches the {rule.joint}, not the {record.joint}"
        return [ProcedureProblem(ProblemKind.APPROACH_WRONG_JOINT, said)]
    if rule.guidance is not None and record.guidance not in rule.guidance:
        needed = " or ".join(sorted(rule.guidance))
        said = f"the {record.approach} approach is made under {needed}, not {record.guidance}"
        return [ProcedureProblem(ProblemKind.APPROACH_CONTRADICTS_GUIDANCE, said)]
    return []


def volume_problems(
    record: InjectionRecord, issued: Sequence[IssuedVolume]
) -> list[ProcedureProblem]:
    """Return the problems of the injectate volume against the units issued to the episode."""
    volume = record.injectate_volume_ml
    if not (math.isfinite(volume) and volume > 0):
        said = f"the injectate volume must be a positive number of mL, not {volume}"
        return [ProcedureProblem(ProblemKind.VOLUME_INVALID, said)]
    if not issued:
        said = f"no unit is issued to episode {record.episode_id}: nothing can be injected"
        return [ProcedureProblem(ProblemKind.NO_UNIT_ISSUED, said)]
    problems = [
        ProcedureProblem(
            ProblemKind.UNIT_OF_ANOTHER_EPISODE,
            f"unit {unit.unit_id} is issued to episode {unit.episode_id}, not {record.episode_id}",
        )
        for unit in issued
        if unit.episode_id != record.episode_id
    ]
    problems += [
        ProcedureProblem(
            ProblemKind.UNIT_VOLUME_UNKNOWN,
            f"unit {unit.unit_id} has no recorded volume, so the injectate cannot be checked "
            "against it",
        )
        for unit in issued
        if unit.volume_ml is None
    ]
    if problems:
        return problems
    total = math.fsum(unit.volume_ml or 0.0 for unit in issued)
    if volume > total + VOLUME_TOLERANCE_ML:
        said = (
            f"{volume:g} mL injected is more than the {total:g} mL of the "
            f"{len(issued)} unit(s) issued to episode {record.episode_id}"
        )
        problems.append(ProcedureProblem(ProblemKind.VOLUME_EXCEEDS_ISSUED, said))
    return problems


def image_problems(record: InjectionRecord) -> list[ProcedureProblem]:
    """Return the problems of the stored images: one is needed under image guidance."""
    problems = [
        ProcedureProblem(ProblemKind.IMAGE_REFERENCE_INVALID, message)
        for image in record.images
        for message in _image_reference_problems(image)
    ]
    if record.guidance in IMAGE_GUIDED and not record.images:
        said = (
            f"an injection under {record.guidance} needs a stored image: a DICOM Study "
            "Instance UID or the id of an image stored here"
        )
        problems.append(ProcedureProblem(ProblemKind.IMAGE_MISSING, said))
    return problems


def _image_reference_problems(image: ImageReference) -> list[str]:
    uid, stored = image.study_instance_uid.strip(), image.stored_image_id.strip()
    if not uid and not stored:
        return ["an image reference needs a Study Instance UID or a stored image id"]
    if uid:
        problem = uid_problem(uid)
        return [] if problem is None else [problem]
    return []


_COMPONENT = re.compile(r"^(0|[1-9][0-9]*)$")


def uid_problem(uid: str) -> str | None:
    """Return why `uid` is not a DICOM UID (DICOM PS3.5 section 9.1), or None if it is one.

    PS3.5 9.1: `<org root>.<suffix>`, numeric components separated by ".", each one or more
    digits with no leading zero unless the component is a single digit, at most 64
    characters. A single trailing NULL pads an odd length to even on the wire (PS3.5 6.2, VR
    UI), and counts in the 64.
    """
    if len(uid) > UID_MAX_LENGTH:
        return f"UID {uid!r} has {len(uid)} characters; a DICOM UID has at most 64"
    value = uid.removesuffix("\0")
    components = value.split(".")
    if len(components) < 2:
        return f"UID {value!r} is not <org root>.<suffix>: it has no '.'"
    for component in components:
        if not _COMPONENT.match(component):
            return (
                f"UID {value!r} has the component {component!r}; each is one or more digits, "
                "with no leading zero unless it is 0"
            )
    return None
