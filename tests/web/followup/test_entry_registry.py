"""The mode of administration travels from a staff entry to the registry: export and filter."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup import entry
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.registry import cohort, services
from orthoregen.web.registry.export import write_export
from orthoregen.web.registry.models import EpisodeFact, ScoreFact

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def two_knees(schedule_a, coordinator_a, patient_a):
    """Knee A entered on paper at baseline-like 3 and 6 months; knee B answered on the portal.

    NRS pain (0-10): knee A 7 → 4 on paper; knee B 6 → 5 on the portal (fixed by the test).
    """
    visits = {v.timepoint: v for v in schedule_a.visits.filter(kind="visit")}
    entry.entry_record(visit=visits["month_3"], instrument_id="nrs_pain", answers={"NRS": 7},
                       mode="paper", completed_on=visits["month_3"].target, by=coordinator_a,
                       key="1" * 32)
    entry.entry_record(visit=visits["month_6"], instrument_id="nrs_pain", answers={"NRS": 4},
                       mode="paper", completed_on=visits["month_6"].target, by=coordinator_a,
                       key="2" * 32)
    other = JointEpisode.objects.create(patient=patient_a, joint="knee", side="right",
                                        diagnosis_code="M17.11",
                                        grade_scale="kellgren_lawrence", grade=2)
    from orthoregen.web.followup.services import schedule_create

    schedule = schedule_create(other, administered_on=schedule_a.administered_on)
    for timepoint, value in (("month_3", 6), ("month_6", 5)):
        visit = schedule.visits.get(timepoint=timepoint, kind="visit")
        QuestionnaireResponse.objects.create(
            episode=other, visit=visit, timepoint=timepoint, instrument_id="nrs_pain",
            instrument_version="1", answers={"NRS": value}, scores={"pain": float(value)},
            completed_on=visit.target, submitted_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
            source="portal", idempotency_key=f"portal-{timepoint}")
    services.facts_refresh(JointEpisode.objects.all(), as_of=AS_OF)


def test_the_refresh_copies_the_mode(two_knees):
    modes = set(ScoreFact.objects.values_list("mode", flat=True))
    assert modes == {"paper", "portal"}


@pytest.mark.parametrize("deidentified", [False, True])
def test_the_export_has_a_mode_column(two_knees, deidentified):
    out = io.BytesIO()
    rows = write_export(EpisodeFact.objects.all(), "csv", out, deidentified=deidentified)
    table = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert rows == 4 and all("mode" in row for row in table)
    assert sorted(row["mode"] for row in table) == ["paper", "paper", "portal", "portal"]


def test_the_export_page_carries_the_mode(two_knees, as_user, analyst_a, site_a):
    response = as_user(analyst_a).post(reverse("registry:export"),
                                       {"format": "csv", "site": str(site_a.pk)})
    header = response.getvalue().decode().splitlines()[0].split(",")
    assert header[-1] == "mode"


def test_the_mode_filter_narrows_the_scores(two_knees):
    def change(mode):
        summary = cohort.cohort_summary(EpisodeFact.objects.all(), measure_key=None,
                                        joint="knee", as_of=AS_OF, mode=mode)
        scores = cohort._measure_scores(EpisodeFact.objects.all(), summary.measure, mode)
        return sorted(scores["value"].tolist())

    assert change(None) == [4.0, 5.0, 6.0, 7.0]
    assert change("paper") == [4.0, 7.0]
    assert change("portal") == [5.0, 6.0]
    assert change("telephone") == []


def test_the_dashboard_takes_the_mode_filter(two_knees, as_user, clinician_a):
    client = as_user(clinician_a)
    page = client.get(reverse("registry:dashboard"), {"joint": "knee", "mode": "paper"})
    assert page.status_code == 200
    assert 'name="mode"' in page.content.decode()
    assert client.get(reverse("registry:dashboard"), {"mode": "fax"}).status_code == 400
