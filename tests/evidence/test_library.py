"""The seed evidence library against the rows it holds (docs/evidence.md#seed-library)."""

from collections import Counter

import pytest

from orthoregen.evidence.library import Arm, load_library, study_from_dict


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_library_holds_every_row_of_the_section_4_table(library):
    # docs/evidence.md#seed-library lists 29 rows: 21 knee, 1 knee benchmark (RESTORE), 3 hip,
    # 3 shoulder and 1 shoulder + knee.
    assert len(library) == 29
    assert Counter(s.joint_text for s in library) == {
        "knee": 21,
        "knee (benchmark)": 1,
        "hip": 3,
        "shoulder": 3,
        "shoulder + knee": 1,
    }


def test_every_study_has_a_citation_and_a_unique_id(library):
    assert all(s.citation.strip() for s in library)
    assert len({s.id for s in library}) == len(library)


def test_verification_tags_are_kept_exactly_as_the_note_marks_them(library):
    # Tags of docs/evidence.md#verification-tags: 14 rows plain "V", 4 plain "R", the rest
    # qualified.
    tags = Counter(s.verification for s in library)
    assert tags["V"] == 14
    assert tags["R"] == 4
    assert tags["V (citation) / R (results)"] == 1
    assert tags["V (volume number R)"] == 1


def test_only_results_seen_in_a_source_count_as_verified(library):
    by_id = {s.id: s for s in library}
    assert by_id["adipoa2-2025"].is_verified
    assert not by_id["kim-jointstem-2023"].is_verified  # tag R: show as unverified
    assert not by_id["emadedin-2018"].is_verified  # V-design / R (result)
    assert by_id["centeno-2018"].is_verified  # V (volume number R): the result is V
    assert sum(s.is_verified for s in library) == 17


def test_placebo_controlled_rows_match_the_comparator_column(library):
    # Comparator saline / placebo in the seed library (docs/evidence.md#seed-library): ADIPOA2,
    # JointStem, Lee, Emadedin, Gupta, Kuah, Shapiro (contralateral saline), Garza, Bennell.
    placebo = {s.id for s in library if s.comparator_class == "placebo"}
    assert len(placebo) == 9


def test_adipoa2_carries_its_published_numbers(library):
    adipoa2 = next(s for s in library if s.id == "adipoa2-2025")
    rr = next(r for r in adipoa2.results if r.arm is Arm.BETWEEN_ARMS)
    # Ann Rheum Dis 2025: strict responders 47.3 % vs 54.8 %, RR 0.86 (0.58-1.28).
    assert (rr.estimate, rr.ci_low, rr.ci_high, rr.timepoint_months) == (0.86, 0.58, 1.28, 6)
    arms = {r.arm: r.estimate for r in adipoa2.results if r.arm is not Arm.BETWEEN_ARMS}
    assert arms == {Arm.MSC: 0.473, Arm.PLACEBO: 0.548}


def test_hip_has_no_randomised_trial_of_cell_therapy(library):
    # docs/evidence.md#seed-library (hip): every review found no RCT of cell therapy for hip OA.
    assert not any(s.is_randomised for s in library if "hip" in s.joints)


def _staff_row(library):
    return {
        **{f: getattr(library[0], f) for f in ("id", "study", "design", "design_class")},
        "joints": ["knee"],
        "blinding": "open",
        "n_text": "10",
        "n_randomised": 10,
        "cell_source": "x",
        "product_class": "not stated",
        "dose": "x",
        "comparator": "none",
        "comparator_class": "none",
        "outcome": "x",
        "effect": "x",
        "ci": "n/q",
        "follow_up": "x",
        "citation": " ",
        "verification": "R",
        "result_verification": "R",
    }


def test_a_staff_study_without_citation_is_refused(library):
    with pytest.raises(ValueError, match="no citation"):
        study_from_dict(_staff_row(library))


def test_a_staff_study_with_an_unknown_verification_tag_is_refused(library):
    row = {**_staff_row(library), "citation": "Doe J. Knee 2026;1:1", "result_verification": "yes"}
    with pytest.raises(ValueError, match="result verification"):
        study_from_dict(row)
