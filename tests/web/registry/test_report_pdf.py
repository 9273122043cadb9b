"""The progress report PDF: who it is about on every page, every treated joint, and its text.

The PDF is written by fpdf2 with DejaVu Sans embedded; its text is read back here with pypdf,
the way a PDF reader extracts it, so a name printed with wrong or missing letters fails.
"""

import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse
from pypdf import PdfReader

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry import pdfchart, report, services
from orthoregen.web.registry.measures import measure

pytestmark = pytest.mark.django_db


def page_texts(pdf: bytes) -> list[str]:
    """Return the text of each page as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def one_knee() -> report.JointSection:
    """A left knee with a baseline and one later pain score (NRS 7, then 4)."""
    m = measure("nrs_pain", "pain", "knee")
    scores = pd.DataFrame({"completed_on": [pd.Timestamp("2025-05-26"),
                                            pd.Timestamp("2025-09-01")], "value": [7.0, 4.0]})
    return report.JointSection(1, "left knee", dt.date(2025, 6, 2),
                               [pd.Timestamp("2025-06-02")], [],
                               [report.MeasureSection(m, scores, 7.0, 4.0,
                                                      pd.Timestamp("2025-09-01"), "x")])


@pytest.fixture
def two_joint_patient(patient_a, frames_for):
    """patient_a's left knee and right hip, each with a year of scores and one injection."""
    JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                diagnosis_code="M16.11", grade_scale="kellgren_lawrence",
                                grade=2)
    episodes = JointEpisode.objects.filter(patient=patient_a)
    services.facts_replace(episodes, frames_for(list(episodes)), as_of=dt.date(2026, 11, 1))
    return patient_a


def test_pdf_names_the_patient_on_every_page_and_shows_both_joints(
        as_user, clinician_a, two_joint_patient):
    response = as_user(clinician_a).get(reverse("registry:patient-report-pdf",
                                                args=[two_joint_patient.pk]))
    assert response.status_code == 200
    pages = page_texts(response.content)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Ada Aardvark" in text, number
        assert "MRN A-0001" in text, number
        assert "born 17 May 1960" in text, number
        assert f"page {number} of {len(pages)}" in text
    whole = "\n".join(pages)
    assert "Left knee\n" in whole and "Right hip\n" in whole
    # Each joint has its pain (NRS) and WOMAC pain and function charts.
    assert whole.count("Right hip · ") == 3 and whole.count("Left knee · ") == 3
    assert "cannot show whether the injection caused" in whole
    assert "changes inside the band are often not noticed (MCID)" in whole


def test_a_treated_joint_without_scores_is_still_in_the_report():
    hip = report.JointSection(2, "right hip", dt.date(2026, 10, 1),
                              [pd.Timestamp("2026-10-01")], [], [])
    who = report.ReportPatient(name="Marianne Okafor-Lindqvist", mrn="M-7",
                               date_of_birth=dt.date(1958, 2, 28))
    text = "\n".join(page_texts(report.report_pdf(who, [one_knee(), hip],
                                                 as_of=dt.date(2026, 11, 1))))
    assert "Right hip\nFirst treated 01 Oct 2026; 1 injection recorded." in text
    assert "No scores have been recorded yet for this joint." in text


@pytest.mark.parametrize(("given", "family"), [
    ("Łukasz", "Żółć"),  # Polish: Ł, Ż and ć are outside Latin-1
    ("Σοφία", "Παπαδοπούλου"),  # Greek
    ("Thị Minh", "Nguyễn"),  # Vietnamese: ị and ễ carry two marks each
    ("Ђорђе", "Јовановић"),  # Serbian Cyrillic
])
def test_a_name_outside_latin_1_is_printed_letter_for_letter_on_every_page(
        as_user, clinician_a, two_joint_patient, given, family):
    two_joint_patient.given_name, two_joint_patient.family_name = given, family
    two_joint_patient.save()
    response = as_user(clinician_a).get(reverse("registry:patient-report-pdf",
                                                args=[two_joint_patient.pk]))
    pages = page_texts(response.content)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Progress report: {given} {family}\n" in text, number
        assert f"{given} {family} · MRN A-0001 · born 17 May 1960" in text, number
    title = PdfReader(io.BytesIO(response.content)).metadata.title
    assert title == f"Progress report: {given} {family}"


def test_the_font_is_embedded_as_a_subset_so_the_file_stays_small():
    who = report.ReportPatient(name="Łukasz Żółć", mrn="M-7", date_of_birth=dt.date(1958, 2, 28))
    pdf = report.report_pdf(who, [one_knee()], as_of=dt.date(2026, 11, 1))
    fonts = [font.get_object() for page in PdfReader(io.BytesIO(pdf)).pages
             for font in page["/Resources"]["/Font"].values()]
    # No standard font (Helvetica has no Ł): two embedded TrueType subsets, each named by
    # six capital letters and "+" before the font's own name (ISO 32000-1, 9.6.4).
    assert sorted(str(font["/BaseFont"]).split("+")[1] for font in fonts) == \
        ["DejaVuSansBold", "DejaVuSansBook"]
    for font in fonts:
        assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    # Each bundled face is about 300 kB; only the letters used go into the file.
    assert len(pdf) < 60_000


@pytest.mark.parametrize(("first", "last", "expected"), [
    (dt.date(2025, 5, 20), dt.date(2025, 9, 10),
     [dt.date(2025, 6, 1), dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1)]),
    (dt.date(2025, 5, 20), dt.date(2026, 8, 10),
     [dt.date(2025, 7, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 1), dt.date(2026, 4, 1),
      dt.date(2026, 7, 1)]),
])
def test_date_ticks_fall_on_first_days_of_months(first, last, expected):
    assert pdfchart.month_ticks(first.toordinal(), last.toordinal()) == expected


def test_value_ticks_cover_the_scale():
    assert pdfchart.value_ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert pdfchart.value_ticks(0, 68) == [0, 20, 40, 60]
