from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.products.episode import Joint
from orthoregen.products.procedure_record import (
    APPROACHES,
    DEFAULT_GUIDANCE,
    Approach,
    Guidance,
    GuidancePolicy,
    ImageReference,
    InjectionRecord,
    IssuedVolume,
    ProblemKind,
    procedure_problems,
    uid_problem,
)

P = ProblemKind
A = Approach
# DICOM PS3.6 Table A-1: the UID of MR Image Storage; a UID of PS3.5 9.1's syntax.
STUDY = ImageReference(study_instance_uid="1.2.840.10008.5.1.4.1.1.4")
KNEE = InjectionRecord(
    episode_id="E1",
    joint=Joint.KNEE,
    guidance=Guidance.ULTRASOUND,
    approach=A.SUPEROLATERAL,
    injectate_volume_ml=5.0,
    images=(STUDY,),
)
HIP = replace(KNEE, joint=Joint.HIP, approach=A.HIP_ANTERIOR_OBLIQUE)
ONE_UNIT = (IssuedVolume("u1", "E1", 5.0),)
KNEE_WITH_LANDMARK = GuidancePolicy(
    version="clinic-2026.1",
    allowed={**DEFAULT_GUIDANCE.allowed, Joint.KNEE: frozenset(Guidance)},
)


def kinds(record=KNEE, issued=ONE_UNIT, policy=DEFAULT_GUIDANCE):
    return [p.kind for p in procedure_problems(record, issued, policy=policy)]


@pytest.mark.parametrize(
    "record",
    [
        KNEE,
        HIP,
        replace(HIP, guidance=Guidance.FLUOROSCOPY, approach=A.HIP_FLUORO_ANTERIOR),
        replace(KNEE, joint=Joint.SHOULDER, approach=A.SHOULDER_POSTERIOR),
        replace(KNEE, joint=Joint.SHOULDER, approach=A.SHOULDER_ROTATOR_INTERVAL),
        replace(KNEE, images=(ImageReference(stored_image_id="IMG-2026-0042"),)),
    ],
)
def test_a_consistent_record_has_no_problems(record):
    assert kinds(record) == []


# docs/cell-products.md#image-guidance (project default): knee and shoulder under ultrasound,
# hip under ultrasound or fluoroscopy; landmark at none.
@pytest.mark.parametrize(
    ("joint", "guidance", "approach"),
    [
        (Joint.KNEE, Guidance.FLUOROSCOPY, A.SUPEROLATERAL),
        (Joint.KNEE, Guidance.LANDMARK, A.SUPEROLATERAL),
        (Joint.SHOULDER, Guidance.LANDMARK, A.SHOULDER_POSTERIOR),
        (Joint.HIP, Guidance.LANDMARK, A.HIP_ANTERIOR_OBLIQUE),
    ],
)
def test_guidance_outside_the_joints_default_is_refused(joint, guidance, approach):
    record = replace(KNEE, joint=joint, guidance=guidance, approach=approach, images=())
    problems = procedure_problems(record, ONE_UNIT)
    assert problems[0].kind is P.GUIDANCE_NOT_ALLOWED
    assert f"not {guidance}" in problems[0].message


def test_a_clinic_may_allow_landmark_knee_injection_with_a_reason():
    landmark = replace(KNEE, guidance=Guidance.LANDMARK, images=())
    assert kinds(landmark, policy=KNEE_WITH_LANDMARK) == [P.LANDMARK_WITHOUT_REASON]
    reasoned = replace(landmark, landmark_reason="ultrasound unit out of service")
    assert kinds(reasoned, policy=KNEE_WITH_LANDMARK) == []


def test_no_policy_may_allow_landmark_injection_of_the_hip():
    with pytest.raises(ValueError, match="landmark injection of the hip"):
        GuidancePolicy("bad", {**DEFAULT_GUIDANCE.allowed, Joint.HIP: frozenset(Guidance)})


def test_a_policy_names_guidance_for_every_joint():
    with pytest.raises(ValueError, match="no guidance for"):
        GuidancePolicy("bad", {Joint.KNEE: frozenset({Guidance.ULTRASOUND})})


@pytest.mark.parametrize(
    ("approach", "joint"),
    [
        (A.SUPEROLATERAL, Joint.KNEE),
        (A.LATERAL_MIDPATELLAR, Joint.KNEE),
        (A.ANTEROLATERAL, Joint.KNEE),
        (A.ANTEROMEDIAL, Joint.KNEE),
        (A.HIP_ANTERIOR_OBLIQUE, Joint.HIP),
        (A.HIP_FLUORO_ANTERIOR, Joint.HIP),
        (A.SHOULDER_POSTERIOR, Joint.SHOULDER),
        (A.SHOULDER_ROTATOR_INTERVAL, Joint.SHOULDER),
    ],
)
def test_each_approach_belongs_to_its_joint(approach, joint):
    # docs/cell-products.md#injection-record lists the approaches per joint.
    assert APPROACHES[approach].joint is joint
    for other in set(Joint) - {joint}:
        record = replace(KNEE, joint=other, approach=approach)
        assert P.APPROACH_WRONG_JOINT in kinds(record)


@pytest.mark.parametrize(
    ("guidance", "approach"),
    [
        (Guidance.FLUOROSCOPY, A.HIP_ANTERIOR_OBLIQUE),  # an ultrasound approach
        (Guidance.ULTRASOUND, A.HIP_FLUORO_ANTERIOR),  # a fluoroscopic approach
    ],
)
def test_a_hip_approach_fits_its_guidance(guidance, approach):
    assert kinds(replace(HIP, guidance=guidance, approach=approach)) == [
        P.APPROACH_CONTRADICTS_GUIDANCE
    ]


def test_the_approach_must_be_recorded():
    assert kinds(replace(KNEE, approach=None)) == [P.APPROACH_MISSING]


def test_values_stored_as_text_are_read_as_members():
    record = InjectionRecord(
        episode_id="E1",
        joint="hip",
        guidance="fluoroscopy",
        approach="hip_fluoro_anterior",
        injectate_volume_ml=3,
        images=[STUDY],
    )
    assert kinds(record, (IssuedVolume("u1", "E1", 3.0),)) == []
    with pytest.raises(ValueError):
        replace(record, approach="hip_lateral")


@pytest.mark.parametrize(
    ("volume", "issued", "expected"),
    [
        (5.0, ONE_UNIT, []),  # all of it
        (5.1, ONE_UNIT, [P.VOLUME_EXCEEDS_ISSUED]),
        (0.3 * 3, (IssuedVolume("u1", "E1", 0.9),), []),  # 0.9000000000000001 <= 0.9
        # Several units to one joint episode: their volumes add up.
        (7.5, (IssuedVolume("u1", "E1", 2.5), IssuedVolume("u2", "E1", 5.0)), []),
        (8.0, (IssuedVolume("u1", "E1", 2.5), IssuedVolume("u2", "E1", 5.0)),
         [P.VOLUME_EXCEEDS_ISSUED]),
        (5.0, (), [P.NO_UNIT_ISSUED]),
        (5.0, (IssuedVolume("u1", "E2", 5.0),), [P.UNIT_OF_ANOTHER_EPISODE]),
        (5.0, (IssuedVolume("u1", "E1", None),), [P.UNIT_VOLUME_UNKNOWN]),
        (0.0, ONE_UNIT, [P.VOLUME_INVALID]),
        (-1.0, ONE_UNIT, [P.VOLUME_INVALID]),
        (float("nan"), ONE_UNIT, [P.VOLUME_INVALID]),
    ],
)  # fmt: skip
def test_the_injectate_is_no_more_than_the_units_issued_to_the_episode(volume, issued, expected):
    assert kinds(replace(KNEE, injectate_volume_ml=volume), issued) == expected


@given(
    volumes=st.lists(st.floats(min_value=0.1, max_value=20, allow_nan=False), min_size=1,
                     max_size=5),
    share=st.floats(min_value=0.01, max_value=1.0),
)  # fmt: skip
@example(volumes=[0.1, 0.2], share=1.0)
def test_any_share_of_the_issued_volume_is_accepted_and_more_is_not(volumes, share):
    issued = tuple(IssuedVolume(f"u{i}", "E1", v) for i, v in enumerate(volumes))
    total = sum(volumes)
    assert kinds(replace(KNEE, injectate_volume_ml=total * share), issued) == []
    assert kinds(replace(KNEE, injectate_volume_ml=total + 0.05), issued) == [
        P.VOLUME_EXCEEDS_ISSUED
    ]


@pytest.mark.parametrize("guidance", [Guidance.ULTRASOUND, Guidance.FLUOROSCOPY])
def test_image_guided_injection_needs_a_stored_image(guidance):
    record = replace(HIP, guidance=guidance, images=())
    if guidance is Guidance.FLUOROSCOPY:
        record = replace(record, approach=A.HIP_FLUORO_ANTERIOR)
    assert kinds(record) == [P.IMAGE_MISSING]


def test_a_landmark_injection_needs_no_image():
    record = replace(KNEE, guidance=Guidance.LANDMARK, landmark_reason="probe broken", images=())
    assert kinds(record, policy=KNEE_WITH_LANDMARK) == []


@pytest.mark.parametrize(
    "uid",
    [
        "1.2.840.10008.5.1.4.1.1.4",  # PS3.6: MR Image Storage
        "1.2.840.10008.1.2.1",  # PS3.6: Explicit VR Little Endian
        "1.2.0.4",  # a single-digit 0 component is allowed (PS3.5 9.1)
        "0.0",
        "1.2.840.10008.1.2.1\0",  # odd length padded with one NULL (PS3.5 6.2)
        "1." + "9" * 62,  # 64 characters
    ],
)
def test_uids_of_ps3_5_9_1_syntax_are_accepted(uid):
    assert uid_problem(uid) is None


@pytest.mark.parametrize(
    ("uid", "message"),
    [
        ("1.2.08.4", "no leading zero"),  # PS3.5 9.1: first digit not 0 unless single digit
        ("1..2", "component ''"),
        (".1.2", "component ''"),
        ("1.2.", "component ''"),
        ("12345", "no '.'"),
        ("1.2.840.a", "component 'a'"),
        ("1.2 .3", "component '2 '"),
        ("1." + "9" * 63, "at most 64"),
    ],
)
def test_uids_outside_ps3_5_9_1_syntax_are_refused_saying_why(uid, message):
    assert message in uid_problem(uid)


def test_an_invalid_or_empty_image_reference_is_a_problem():
    bad = replace(KNEE, images=(ImageReference(study_instance_uid="1.2.08"),))
    assert kinds(bad) == [P.IMAGE_REFERENCE_INVALID]
    empty = replace(KNEE, images=(ImageReference(),))
    assert kinds(empty) == [P.IMAGE_REFERENCE_INVALID]


def test_every_problem_is_reported_at_once():
    record = replace(
        KNEE,
        joint=Joint.HIP,
        guidance=Guidance.LANDMARK,
        approach=A.SUPEROLATERAL,
        injectate_volume_ml=6.0,
        images=(ImageReference(study_instance_uid="01.2"),),
    )
    assert kinds(record) == [
        P.GUIDANCE_NOT_ALLOWED,
        P.APPROACH_WRONG_JOINT,
        P.VOLUME_EXCEEDS_ISSUED,
        P.IMAGE_REFERENCE_INVALID,
    ]
