"""How many queries the patient page and the patient list cost, pinned so they cannot grow.

A page whose query count grows with the patient's history (one query per encounter, visit
or score) gets slower with every visit a patient makes; a list page that counts every
patient for its pager reads the whole registry on each page. Both are checked here on the
number of queries, which unlike time does not depend on the machine's load.
"""

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.web.clinic.test_chart_hub import full_pathway

from orthoregen.web.cellbank.models import Procedure, ProcedureJoint
from orthoregen.web.clinic.models import Encounter, Patient
from orthoregen.web.consultation.models import CandidacyDecision
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireResponse,
    ReviewTask,
    ScheduledVisit,
)
from orthoregen.web.safety.models import AdverseEvent

pytestmark = pytest.mark.django_db

# Measured on 2026-12-07 with the full pathway of test_chart_hub (both databases): 28, down
# from 44 once the stage hooks read the chart through one ChartFacts (web/stages.py). They
# are: session, user, the patient (with the site scoping as a subquery), the access record
# (3 statements), the joints; candidacy decisions, intakes, consents, allergies (consultation);
# investigation recipients, harvests, units issued, recalled units (cell lab); injection
# sessions, their joints, administrations (procedures); schedules, visits, questionnaires,
# review tasks, withdrawal (follow-up); adverse and outcome events (safety); MRI studies;
# encounters (the clinic's own timeline page); the user's sites for the page header; and,
# since the chart's content is cached (clinic/chart_cache.py), its data versions, read
# before anything else (29). A chart served from the cache skips the stages' reads.
PATIENT_PAGE_BUDGET = 29
# Session, user, clinician choices, the page of patients, the access record (3 statements),
# the user's sites for the site filter (PostgreSQL reads them through a named cursor: +1).
PATIENT_LIST_BUDGET = 9


# A table a query reads FROM at its top level; subqueries (Django aliases them U0, U1, ...)
# and JOINs are parts of that one read, not reads of their own.
TOP_LEVEL_TABLE = re.compile(r'\bFROM "(\w+)"(?! [A-Z]\d)')
# Tables the patient page may read more than once, each with its reason. None today: every
# stage's hooks share the rows of one ChartFacts.
READ_TWICE: dict[str, str] = {}


def queries(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def add_encounters(patient: Patient, clinician, n: int) -> None:
    knee = patient.episodes.get(joint="knee")
    Encounter.objects.bulk_create([
        Encounter(episode=knee, kind="follow_up", occurred_on=dt.date(2026, 1, 1)
                  + dt.timedelta(days=i), clinician=clinician, notes=f"Review {i}")
        for i in range(n)])


def test_patient_page_stays_within_its_query_budget(as_user, clinician_a, lab_a, patient_a,
                                                    django_assert_max_num_queries):
    full_pathway(patient_a, clinician_a, lab_a)
    client = as_user(clinician_a)
    with django_assert_max_num_queries(PATIENT_PAGE_BUDGET):
        assert client.get(reverse("patient-detail", args=[patient_a.pk])).status_code == 200


def test_patient_page_reads_each_table_once(as_user, clinician_a, lab_a, patient_a):
    full_pathway(patient_a, clinician_a, lab_a)
    client = as_user(clinician_a)
    url = reverse("patient-detail", args=[patient_a.pk])
    for params in ({}, {"joint": patient_a.episodes.get(joint="knee").pk}):
        sql = queries(client, url, params)
        reads = Counter(table for q in sql for table in TOP_LEVEL_TABLE.findall(q))
        # The pattern sees the reads: a decision, a visit, a questionnaire.
        assert {"consultation_candidacydecision", "followup_scheduledvisit",
                "followup_questionnaireresponse"} <= set(reads)
        assert {table: n for table, n in reads.items()
                if n > 1 and table not in READ_TWICE} == {}


def test_patient_page_queries_do_not_grow_with_the_history(as_user, clinician_a, lab_a,
                                                           patient_a):
    full_pathway(patient_a, clinician_a, lab_a)
    client = as_user(clinician_a)
    url = reverse("patient-detail", args=[patient_a.pk])
    before = queries(client, url)
    add_encounters(patient_a, clinician_a, 60)  # more than one timeline page
    after = queries(client, url)
    assert len(after) == len(before)
    # The timeline reads one page (and one row more, to know there is more), never all.
    [encounters] = [q for q in after if q.startswith('SELECT "clinic_encounter"')]
    assert "LIMIT 51" in encounters


def add_history(patient: Patient, clinician, pathway, n: int) -> None:
    """Give the knee n more rows in every table the timeline pages: visits, questionnaires,
    review tasks, decisions, injection sessions, adverse events and encounters."""
    knee = pathway.knee
    schedule = FollowUpSchedule.objects.get(episode=knee)
    protocol = CandidacyDecision.objects.filter(episode=knee).first().protocol
    start = dt.date(2025, 1, 1)
    for i in range(n):
        on = start + dt.timedelta(days=i)
        visit = ScheduledVisit.objects.create(
            schedule=schedule, timepoint=f"extra_{i}", label=f"Extra {i}", earliest=on,
            target=on, latest=on, status="completed", completed_on=on)
        QuestionnaireResponse.objects.create(
            episode=knee, visit=visit, timepoint=f"extra_{i}", instrument_id="nrs_pain",
            instrument_version="1", answers={"NRS": 3}, scores={"pain": 3.0}, completed_on=on,
            submitted_at=timezone.now(), source="staff", idempotency_key=f"qc-{patient.pk}-{i}")
        ReviewTask.objects.create(visit=visit, kind="call_patient", status="closed",
                                  created_at=timezone.now(), detail=f"Call {i}")
        CandidacyDecision.objects.create(
            episode=knee, protocol=protocol, kind="agree", outcome="suitable",
            reason=f"Review {i}", assessed_on=on, decided_on=on, decided_by=clinician)
        procedure = Procedure.objects.create(patient=patient, performed_on=on,
                                             operator=clinician, time_out_completed=True)
        ProcedureJoint.objects.create(procedure=procedure, episode=knee)
        AdverseEvent.objects.create(
            patient=patient, episode=knee, term="post_injection_flare", onset_on=on,
            aware_on=on, ctcae_grade=1, seriousness=[], procedure_relatedness="probable",
            product_relatedness="unlikely", action="none", outcome="recovered",
            recorded_by=clinician, recorded_at=timezone.now())
    add_encounters(patient, clinician, n)


def test_patient_page_queries_do_not_grow_with_any_stage_history(as_user, clinician_a, lab_a,
                                                                 patient_a):
    pathway = full_pathway(patient_a, clinician_a, lab_a)
    client = as_user(clinician_a)
    url = reverse("patient-detail", args=[patient_a.pk])
    before = queries(client, url)
    add_history(patient_a, clinician_a, pathway, 55)  # more than a timeline page of each
    after = queries(client, url)
    assert len(after) == len(before) <= PATIENT_PAGE_BUDGET
    cache.clear()  # drawn afresh: the context holds the content (clinic/chart_cache.py)
    response = client.get(url)
    timeline = response.context["timeline"]
    assert len(timeline.entries) == 50 and timeline.has_more
    assert "Show more" in response.content.decode()
    # The longest timeline (every row added above on one page) costs the same queries.
    assert len(queries(client, url, {"limit": 1000})) == len(before)
    cache.clear()
    shown = {entry.what for entry in client.get(url, {"limit": 1000}).context["timeline"].entries}
    assert {"Visit", "Questionnaire", "Task", "Candidacy decision", "Procedure",
            "Adverse event", "Follow-up"} <= shown


def test_patient_list_never_counts_every_patient(as_user, clinician_a, patient_a,
                                                 django_assert_max_num_queries):
    client = as_user(clinician_a)
    with django_assert_max_num_queries(PATIENT_LIST_BUDGET):
        sql = queries(client, reverse("patient-list"))
    # Django's QuerySet.count() is the only source of this alias.
    assert not [q for q in sql if '"__count"' in q]


def test_patient_list_queries_do_not_grow_with_the_page(as_user, clinician_a, site_a,
                                                        patient_a):
    client = as_user(clinician_a)
    one = len(queries(client, reverse("patient-list")))
    Patient.objects.bulk_create([
        Patient(site=site_a, mrn=f"Q-{i:03d}", family_name=f"Queryson{i:03d}", given_name="Ida",
                date_of_birth=dt.date(1970, 1, 1), sex="female") for i in range(60)])
    first = queries(client, reverse("patient-list"))
    last_shown = Patient.objects.order_by("family_name", "given_name", "id")[24]
    second = queries(client, reverse("patient-list"), {"after": last_shown.pk})
    assert len(first) == one
    # The second page looks up the patient it starts after: one query more, however deep.
    assert len(second) == one + 1
