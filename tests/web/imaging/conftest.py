"""Imaging fixtures: patient A's left knee in follow-up, and MR images made for it.

The images are copies of the MR files bundled in the pydicom wheel (no download), with the
Patient ID, birth date, study date, body part and laterality set to match patient A.
"""

import datetime as dt
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from orthoregen.web.followup.services import schedule_create

ADMINISTERED = dt.date(2026, 1, 15)
# The default protocol's 6-month MRI window: target 15 Jul 2026, 28 days either side
# (scheduling.protocol.DEFAULT_VISITS).
IN_SIX_MONTH_WINDOW = "20260720"
BUNDLED_MR = ("MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def episode_a(patient_a):
    return patient_a.episodes.get()


@pytest.fixture
def schedule_a(episode_a):
    return schedule_create(episode_a, administered_on=ADMINISTERED)


@pytest.fixture
def mri_visit_a(schedule_a):
    return schedule_a.visits.get(timepoint="month_6", kind="mri")


def mr_images(folder: Path, *, study_uid: str | None = None, series: int = 2,
              per_series: int = 1, sources: tuple[str, ...] = BUNDLED_MR,
              **attributes: object) -> Path:
    """Write `series` x `per_series` MR images of one study into a folder; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {"PatientID": "A-0001", "PatientBirthDate": "19600517",
              "StudyDate": IN_SIX_MONTH_WINDOW, "BodyPartExamined": "KNEE",
              "Laterality": "L", **attributes}
    study_uid = study_uid or generate_uid()
    for s in range(series):
        series_uid = generate_uid()
        for i in range(per_series):
            name = sources[(s + i) % len(sources)]
            ds = dcmread(get_testdata_file(name, download=False))
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series_uid
            ds.SeriesNumber = s + 1
            ds.SeriesDescription = ["PD FS SAG", "T1 COR", "T2 AX"][s % 3]
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = i + 1
            ds.add_new(0x00091001, "LO", "private vendor note")  # private: must go
            for keyword, value in values.items():
                if value is None:
                    if keyword in ds:
                        delattr(ds, keyword)
                else:
                    setattr(ds, keyword, value)
            ds.save_as(folder / f"s{s}_i{i}.dcm")
    return folder
