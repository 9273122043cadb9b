"""Linking a study to the patient's MRI visit, refusing mismatches, storing de-identified."""

import io
import zipfile

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from tests.web.conftest import make_patient
from tests.web.imaging.conftest import mr_images

from orthoregen.web.accounts.models import Site
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import VisitState
from orthoregen.web.imaging import services
from orthoregen.web.imaging.deidentify import RULE_OF, identifying_left, new_uid
from orthoregen.web.imaging.models import MriStudy, SiteImagingSettings

pytestmark = pytest.mark.django_db


def ingest_folder(folder, site=None):
    instances, via = services.read_path(folder)
    return services.ingest(instances, site=site, received_via=via, received_from=folder.name)


def test_a_study_is_linked_to_the_six_month_mri_visit_and_marks_it_done(
        tmp_path, site_a, mri_visit_a):
    [outcome] = ingest_folder(mr_images(tmp_path / "study", series=3), site=site_a)
    assert outcome.created and not outcome.refused
    study = outcome.study
    assert study.visit == mri_visit_a and study.episode == mri_visit_a.schedule.episode
    assert [s["description"] for s in study.series] == ["PD FS SAG", "T1 COR", "T2 AX"]
    assert (study.modality, study.body_part, study.laterality) == ("MR", "KNEE", "L")
    assert str(study.study_date) == "2026-07-20" and study.instances == 3
    mri_visit_a.refresh_from_db()
    # As "Mark MRI done" does (followup.services.visit_complete), dated the day of the MRI.
    assert mri_visit_a.status == VisitState.COMPLETED
    assert str(mri_visit_a.completed_on) == "2026-07-20"
    assert not study.files_stored  # a site without settings keeps no files


def test_receiving_the_same_study_again_changes_nothing(tmp_path, site_a, mri_visit_a):
    folder = mr_images(tmp_path / "study")
    [first] = ingest_folder(folder, site=site_a)
    [again] = ingest_folder(folder, site=site_a)
    assert first.created and not again.created and again.study == first.study
    assert MriStudy.objects.count() == 1
    assert first.study.history.count() == 1


@pytest.mark.parametrize(("attributes", "reason"), [
    ({"PatientID": "NOBODY"}, "Unknown patient: no patient of site-a has the medical record "
                              "number 'NOBODY'."),
    ({"PatientBirthDate": "19610517"}, "Birth date differs: the study says 17 May 1961, the "
                                       "patient's record 17 May 1960."),
    ({"StudyDate": "20260301"}, "No MRI visit in the window: the study is dated 01 Mar 2026"),
    ({"Laterality": "R"}, "Laterality differs from the joint's side: the study is of the "
                          "right side; the patient's treated joints: Left knee."),
    ({"BodyPartExamined": "HIP"}, "Wrong body part: the study shows the hip; the patient's "
                                  "treated joints: Left knee."),
    ({"BodyPartExamined": "LSPINE"}, "Wrong body part: the study shows 'LSPINE'"),
    ({"Modality": "CT"}, "Not an MR study: the modality is CT."),
    ({"StudyDate": None}, "The study carries no study date."),
    ({"StudyDate": "2026-07-20"}, "The study date '2026-07-20' is not a DICOM date"),
])
def test_a_mismatch_is_refused_with_its_reason_and_nothing_is_stored(
        tmp_path, site_a, mri_visit_a, attributes, reason):
    SiteImagingSettings.objects.create(site=site_a, keep_files=True)
    [outcome] = ingest_folder(mr_images(tmp_path / "study", **attributes), site=site_a)
    assert outcome.refused.startswith(reason), outcome.refused
    assert not MriStudy.objects.exists()
    assert not list((tmp_path / "data").rglob("*.dcm"))
    mri_visit_a.refresh_from_db()
    assert mri_visit_a.status == VisitState.PENDING


def test_another_sites_patient_is_refused(tmp_path, site_a, site_b, patient_b, mri_visit_a):
    [outcome] = ingest_folder(mr_images(tmp_path / "study", PatientID="B-0001"), site=site_a)
    assert outcome.refused == ("Another site's patient: Patient ID 'B-0001' is not a patient "
                               "of site-a.")
    assert not MriStudy.objects.exists()


def test_without_a_site_the_mrn_must_name_one_patient(tmp_path, site_a, site_b, mri_visit_a):
    make_patient(site_b, "A-0001", "Twin")  # the same record number at the other clinic
    [outcome] = ingest_folder(mr_images(tmp_path / "study"))
    assert "more than one site" in outcome.refused
    [outcome] = ingest_folder(mr_images(tmp_path / "study2"), site=site_a)
    assert outcome.created


def test_a_study_without_laterality_of_a_patient_with_both_knees_in_window_is_refused(
        tmp_path, site_a, patient_a, mri_visit_a):
    right = JointEpisode.objects.create(patient=patient_a, joint="knee", side="right",
                                        diagnosis_code="M17.11",
                                        grade_scale="kellgren_lawrence", grade=2)
    from tests.web.imaging.conftest import ADMINISTERED

    from orthoregen.web.followup.services import schedule_create
    schedule_create(right, administered_on=ADMINISTERED)
    [outcome] = ingest_folder(mr_images(tmp_path / "a", Laterality=None), site=site_a)
    assert "more than one treated joint" in outcome.refused
    [outcome] = ingest_folder(mr_images(tmp_path / "b", Laterality="R"), site=site_a)
    assert outcome.study.episode == right


def test_kept_files_are_de_identified_with_consistent_uids(tmp_path, site_a, mri_visit_a):
    settings_a = SiteImagingSettings.objects.create(site=site_a, keep_files=True)
    folder = mr_images(tmp_path / "study", series=2, per_series=2)
    originals = {p.name: dcmread(p) for p in folder.iterdir()}
    [outcome] = ingest_folder(folder, site=site_a)
    study = outcome.study
    assert study.files_stored and study.deidentified and not study.retained_full_dates
    stored = [dcmread(p) for p in services.stored_files(study)]
    assert len(stored) == 4
    original_study_uid = next(iter(originals.values())).StudyInstanceUID
    for ds in stored:
        assert identifying_left(ds) == []
        assert ds.PatientName == ds.PatientID and ds.PatientID.startswith("ORG-")
        assert ds.PatientBirthDate == "" and ds.StudyDate == "" and "SeriesDate" not in ds
        assert "InstitutionName" not in ds and "PatientWeight" not in ds
        assert "SeriesDescription" not in ds and "ImageComments" not in ds
        assert not any(element.tag.is_private for element in ds)
        assert ds.PatientIdentityRemoved == "YES"
        assert ds.LongitudinalTemporalInformationModified == "REMOVED"
        assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
        assert ds.StudyInstanceUID == new_uid(settings_a.uid_secret, original_study_uid)
        assert ds.StudyInstanceUID == study.deidentified_study_uid
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.pixel_array.shape == (64, 64)
    # One new series UID per original series, and a new UID for every instance.
    assert len({ds.SeriesInstanceUID for ds in stored}) == 2
    assert not {ds.SOPInstanceUID for ds in stored} & {o.SOPInstanceUID
                                                       for o in originals.values()}
    assert all(str(p).startswith(str(tmp_path / "data" / "dicom" / "site-a"))
               for p in services.stored_files(study))


def test_the_same_uid_gets_the_same_replacement_at_a_site_and_another_elsewhere():
    assert new_uid("key-a", "1.2.3") == new_uid("key-a", "1.2.3")
    assert new_uid("key-a", "1.2.3") != new_uid("key-b", "1.2.3")
    assert new_uid("key-a", "1.2.3") != new_uid("key-a", "1.2.4")
    assert new_uid("key-a", "1.2.3").is_valid and len(new_uid("k", "1")) <= 64


def test_the_full_dates_option_keeps_dates(tmp_path, site_a, mri_visit_a):
    SiteImagingSettings.objects.create(site=site_a, keep_files=True, retain_full_dates=True)
    [outcome] = ingest_folder(mr_images(tmp_path / "study"), site=site_a)
    ds = dcmread(next(services.stored_files(outcome.study)))
    assert ds.StudyDate == "20260720" and ds.PatientBirthDate == ""
    assert ds.LongitudinalTemporalInformationModified == "UNMODIFIED"
    assert [c.CodeValue for c in ds.DeidentificationMethodCodeSequence] == ["113100", "113106"]
    assert outcome.study.retained_full_dates


def test_the_table_holds_the_standards_codes_for_identifying_mr_attributes():
    # DICOM PS3.15 Table E.1-1: the patient's name, ID and birth date are Z; the UIDs U;
    # institution X/Z/D; the full dates option keeps the study date (K).
    assert RULE_OF[0x00100010].table == "Z" and RULE_OF[0x00100020].table == "Z"
    assert RULE_OF[0x00100030].table == "Z" and RULE_OF[0x0020000D].table == "U"
    assert RULE_OF[0x00080018].table == "U" and RULE_OF[0x00080080].table == "X/Z/D"
    assert RULE_OF[0x00080020].full_dates == "K" and RULE_OF[0x00100030].full_dates == ""
    assert {rule.basic for rule in RULE_OF.values()} <= {"X", "Z", "U", "K", "D", "C"}


def zip_of(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_a_zip_is_read_and_a_zip_slip_or_non_dicom_member_refused(tmp_path, site_a,
                                                                  mri_visit_a):
    folder = mr_images(tmp_path / "study")
    files = {f"study/{p.name}": p.read_bytes() for p in folder.iterdir()}
    instances = services.read_zip(zip_of(files))
    [outcome] = services.ingest(instances, site=site_a, received_via="zip")
    assert outcome.created
    with pytest.raises(services.InputRefused, match=r"member '../evil.dcm' has an unsafe path"):
        services.read_zip(zip_of({**files, "../evil.dcm": b"x"}))
    with pytest.raises(services.InputRefused, match=r"member '/etc/passwd' has an unsafe"):
        services.read_zip(zip_of({"/etc/passwd": b"x"}))
    with pytest.raises(services.InputRefused, match=r"upload.zip: notes.txt is not a DICOM"):
        services.read_zip(zip_of({**files, "notes.txt": b"hello"}))
    with pytest.raises(services.InputRefused, match=r"is not a zip file"):
        services.read_zip(io.BytesIO(b"not a zip"))


def test_the_ingest_command_reads_a_zip_and_exits_non_zero_on_refusal(
        tmp_path, site_a, mri_visit_a, capsys):
    from orthoregen.cli import main
    folder = mr_images(tmp_path / "study")
    archive = tmp_path / "study.zip"
    archive.write_bytes(zip_of({p.name: p.read_bytes() for p in folder.iterdir()}).read())
    assert main(["dicom", "ingest", str(archive), "--site", "site-a"]) == 0
    assert "stored 2 images for 6 months MRI of the Left knee" in capsys.readouterr().out
    assert main(["dicom", "ingest", str(archive), "--site", "site-a"]) == 0
    assert "already received; nothing changed" in capsys.readouterr().out
    wrong = mr_images(tmp_path / "wrong", PatientID="NOBODY")
    assert main(["dicom", "ingest", str(wrong), "--site", "site-a"]) == 1
    assert "Unknown patient" in capsys.readouterr().err
    assert main(["dicom", "ingest", str(tmp_path / "nothing-here")]) == 2
    assert MriStudy.objects.count() == 1 and Site.objects.count() == 1


def test_a_ct_file_in_a_folder_is_refused_as_not_mr(tmp_path, site_a, mri_visit_a):
    folder = tmp_path / "ct"
    folder.mkdir()
    ds = dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.PatientID, ds.StudyDate = "A-0001", "20260720"
    ds.save_as(folder / "ct.dcm")
    [outcome] = ingest_folder(folder, site=site_a)
    assert outcome.refused == "Not an MR study: the modality is CT."


def test_an_image_that_cannot_be_de_identified_refuses_the_study_and_leaves_nothing(
        tmp_path, site_a, mri_visit_a):
    SiteImagingSettings.objects.create(site=site_a, keep_files=True)
    folder = mr_images(tmp_path / "study", series=2)
    broken = dcmread(folder / "s1_i0.dcm")
    del broken.SOPClassUID  # a file the de-identifier cannot rewrite as a valid instance
    broken.save_as(folder / "s1_i0.dcm")
    [outcome] = ingest_folder(folder, site=site_a)
    assert outcome.refused.startswith("s1_i0.dcm could not be de-identified and stored")
    assert not MriStudy.objects.exists()
    assert not list((tmp_path / "data").rglob("*.dcm"))
    mri_visit_a.refresh_from_db()
    assert mri_visit_a.status == VisitState.PENDING
