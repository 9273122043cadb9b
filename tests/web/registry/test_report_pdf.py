"""The progress report PDF: who it is about on every page, every treated joint, and its text.

The PDF is written operator by operator (registry.pdfcanvas); its text is read back here from
the page content streams, the way a PDF reader extracts it.
"""

import datetime as dt
import re
import zlib

import pandas as pd
import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry import pdfcanvas, pdfchart, report, services
from orthoregen.web.registry.measures import measure

pytestmark = pytest.mark.django_db

STRING = re.compile(rb"\((.*?)(?<!\\)\) Tj", re.S)


def page_texts(pdf: bytes) -> list[str]:
    """Return the text of each page: every string shown, in drawing order."""
    streams = re.findall(rb"/Filter /FlateDecode >>\nstream\n(.*?)\nendstream", pdf, re.S)
    pages = []
    for stream in streams:
        shown = STRING.findall(zlib.decompress(stream))
        pages.append("\n".join(s.replace(b"\\(", b"(").replace(b"\\)", b")")
                               .replace(b"\\\\", b"\\").decode("cp1252") for s in shown))
    return pages


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


def test_a_treated_joint_without_scores_is_still_in_the_report():
    m = measure("nrs_pain", "pain", "knee")
    scores = pd.DataFrame({"completed_on": [pd.Timestamp("2025-05-26"),
                                            pd.Timestamp("2025-09-01")], "value": [7.0, 4.0]})
    knee = report.JointSection(1, "left knee", dt.date(2025, 6, 2), [pd.Timestamp("2025-06-02")],
                               [], [report.MeasureSection(m, scores, 7.0, 4.0,
                                                          pd.Timestamp("2025-09-01"), "x")])
    hip = report.JointSection(2, "right hip", dt.date(2026, 10, 1),
                              [pd.Timestamp("2026-10-01")], [], [])
    who = report.ReportPatient(name="Marianne Okafor-Lindqvist", mrn="M-7",
                               date_of_birth=dt.date(1958, 2, 28))
    text = "\n".join(page_texts(report.report_pdf(who, [knee, hip], as_of=dt.date(2026, 11, 1))))
    assert "Right hip\nFirst treated 01 Oct 2026; 1 injection recorded." in text
    assert "No scores have been recorded yet for this joint." in text


def test_names_outside_the_standard_fonts_are_printed_by_their_base_letters():
    # Helvetica's WinAnsi encoding has ó and ö but not Ł, Ż or ć.
    assert pdfcanvas.winansi("Łucja Żółć-Öberg") == "Lucja Zólc-Öberg".encode("cp1252")
    assert pdfcanvas.winansi("王") == b"?"


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
