"""A study dated before the patient's birth or after today is refused, by the ingest (every
way in: the upload page, a folder, the DICOM listener) and on the upload page."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.web.imaging.conftest import mr_images
from tests.web.imaging.test_ingest import ingest_folder
from tests.web.imaging.test_pages import files_of

from orthoregen.web.clinic.models import Patient
from orthoregen.web.imaging.models import MriStudy

pytestmark = pytest.mark.django_db


def test_a_study_before_the_patients_birth_is_refused(tmp_path, site_a, mri_visit_a):
    # The record's birth date (typed after the treatment) and the images' agree; the study of
    # 20 Jul 2026 still cannot be of a patient born on 1 Aug 2026.
    Patient.objects.filter(mrn="A-0001").update(date_of_birth=dt.date(2026, 8, 1))
    [outcome] = ingest_folder(mr_images(tmp_path / "study", PatientBirthDate="20260801"),
                              site=site_a)
    assert outcome.refused == ("The study date 20 Jul 2026 is before the patient was born "
                               "(01 Aug 2026).")
    assert not MriStudy.objects.exists()


def test_a_study_dated_in_the_future_is_refused_as_such(tmp_path, site_a, mri_visit_a):
    [outcome] = ingest_folder(mr_images(tmp_path / "study", StudyDate="20990720"), site=site_a)
    assert outcome.refused.startswith("The study date 20 Jul 2099 is in the future")
    assert not MriStudy.objects.exists()


def test_the_upload_page_says_why_a_future_study_is_refused(as_user, tmp_path, site_a,
                                                            mri_visit_a, coordinator_a):
    page = as_user(coordinator_a).post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": files_of(mr_images(tmp_path / "s", StudyDate="20990720"))})
    assert page.status_code == 200
    assert "Study refused, nothing stored. The study date 20 Jul 2099 is in the future" in \
        page.content.decode()
    assert not MriStudy.objects.exists()
