"""The patient chart's cache: every write to a table the chart reads gives a new version, a
serious adverse event shows on the very next chart, and one viewer's chart is never shown to
another whose chart differs.

The coverage test does not take the list of tables from chart_triggers: it renders a chart
with every kind of history, collects the tables the chart's own SQL reads, and writes each
of them (UPDATE, DELETE, INSERT, in raw SQL, so no ORM path is needed for the triggers to
see it), so a stage that starts reading a new table fails it until the table has triggers.
"""

import datetime as dt
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.web.clinic.test_chart_hub import DAY, TODAY, full_pathway
from tests.web.clinic.test_query_counts import add_history

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.cellbank.models import (
    CustodyEvent,
    InvestigationFinding,
    InvestigationRecipient,
    ProductInvestigation,
)
from orthoregen.web.clinic import chart_cache
from orthoregen.web.consultation.models import Allergy, Intake
from orthoregen.web.followup.models import Withdrawal
from orthoregen.web.imaging.models import MriStudy, StructuralMeasure
from orthoregen.web.safety import services as safety

pytestmark = pytest.mark.django_db

READS = re.compile(r'\b(?:FROM|JOIN) "(\w+)"')


def every_kind_of_history(patient, clinician, lab):
    """The full pathway, 55 more rows of each timeline kind, and the rows it leaves out."""
    pathway = full_pathway(patient, clinician, lab)
    add_history(patient, clinician, pathway, 55)
    knee = pathway.knee
    Intake.objects.create(episode=knee, recorded_on=TODAY - 60 * DAY, entered_by=clinician)
    Allergy.objects.create(patient=patient, substance="Penicillin", reaction="anaphylaxis",
                           recorded_by=clinician)
    CustodyEvent.objects.create(unit=pathway.unit, from_status="released", to_status="issued",
                                by=lab, at=timezone.now() - 51 * DAY)
    investigation = ProductInvestigation.objects.create(
        site=patient.site, lot=pathway.unit, opened_at=timezone.now(), opened_by=lab)
    finding = InvestigationFinding.objects.create(
        investigation=investigation, reason="Recall by the manufacturer", at=timezone.now(),
        by=lab)
    InvestigationRecipient.objects.create(investigation=investigation,
                                          administration=pathway.given, finding=finding,
                                          detail="Received the recalled lot")
    visit = pathway.overdue
    study = MriStudy.objects.create(
        patient=patient, episode=knee, visit=visit, study_instance_uid="1.2.826.0.1.3680.1",
        modality="MR", series=[{"uid": "1.2.826.0.1.3680.1.1", "number": 1,
                                "description": "PD FS sag", "instances": 30}],
        study_date=TODAY - 30 * DAY, instances=30, received_via="upload")
    StructuralMeasure.objects.create(study=study, region="mftc", measure="cartilage_thickness_mm",
                                     value="2.10", read_by=clinician, read_at=timezone.now())
    Withdrawal.objects.create(patient=patient, withdrawn_on=TODAY - DAY, reason="Moved away")
    return pathway


def chart_tables(patient, user) -> set[str]:
    """The tables the chart's content reads (the part kept in the cache)."""
    with CaptureQueriesContext(connection) as captured:
        content = chart_cache.compute(patient, user=user, today=timezone.localdate(),
                                      joint=None, limit=1000)
    assert content is not None
    return {table for query in captured.captured_queries
            for table in READS.findall(query["sql"])}


def first_row(table: str) -> tuple[int, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY id LIMIT 1')
        row = cursor.fetchone()
        columns = [column[0] for column in cursor.description]  # DB-API: name first
    assert row is not None, f"the history has no row in {table}: add one above"
    return row[0], columns


def writes(table: str, row_id: int, columns: list[str]) -> list[tuple[str, list[str]]]:
    """Return an UPDATE, a DELETE and an INSERT of one row, each as (what, statements)."""
    # A column set to itself: nothing changes, yet the statement writes the row. For users,
    # a column the chart shows (their name); elsewhere the first column after the id.
    column = "first_name" if table == "accounts_user" else columns[1]
    return [
        ("update", [f'UPDATE "{table}" SET "{column}" = "{column}" WHERE id = {row_id}']),
        ("delete", [f'CREATE TEMP TABLE chart_saved AS SELECT * FROM "{table}" '
                    f"WHERE id = {row_id}",
                    f'DELETE FROM "{table}" WHERE id = {row_id}']),
        ("insert", [f'INSERT INTO "{table}" SELECT * FROM chart_saved',
                    "DROP TABLE chart_saved"]),
    ]


def versions_now(patient) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT patient_id, version FROM clinic_chartversion "
                       "WHERE patient_id IN (%s, 0)", [patient.pk])
        found = dict(cursor.fetchall())
    return found[patient.pk], found[0]


def test_every_table_the_chart_reads_gives_a_new_version_when_written(
        clinician_a, lab_a, patient_a):
    every_kind_of_history(patient_a, clinician_a, lab_a)
    tables = chart_tables(patient_a, clinician_a)
    # The capture sees the chart's reads: one of each stage's tables.
    assert {"consultation_candidacydecision", "cellbank_investigationrecipient",
            "cellbank_procedure", "followup_scheduledvisit", "safety_adverseevent",
            "imaging_structuralmeasure", "clinic_encounter", "accounts_user"} <= tables
    unchanged, refused = [], []
    for table in sorted(tables):
        row_id, columns = first_row(table)
        try:
            # Undone afterwards, so every table's write starts from the same history.
            with transaction.atomic():
                for what, statements in writes(table, row_id, columns):
                    before = versions_now(patient_a)
                    try:
                        with transaction.atomic(), connection.cursor() as cursor:
                            for statement in statements:
                                cursor.execute(statement)
                    except DatabaseError:
                        refused.append(f"{what} {table}")
                        break  # nothing was written, nothing to show
                    if versions_now(patient_a) == before:
                        unchanged.append(f"{what} {table}")
                raise Undo
        except Undo:
            pass
    assert unchanged == []
    # Only an append-only table may refuse, and only the removal of its rows.
    assert all(write.startswith("delete ") for write in refused), refused


class Undo(Exception):
    pass


def chart(client, patient, **params):
    response = client.get(reverse("patient-detail", args=[patient.pk]), params)
    return response, response.content.decode()


def test_a_cached_chart_runs_no_stage_query_and_still_records_each_access(
        as_user, clinician_a, lab_a, patient_a):
    full_pathway(patient_a, clinician_a, lab_a)
    client = as_user(clinician_a)
    first, first_page = chart(client, patient_a)
    with CaptureQueriesContext(connection) as captured:
        second, second_page = chart(client, patient_a)
    read = {table for query in captured.captured_queries
            for table in READS.findall(query["sql"])}
    assert not read & {"consultation_candidacydecision", "followup_scheduledvisit",
                       "safety_adverseevent", "cellbank_administration", "clinic_encounter"}
    # The same page, but for the CSRF token (a new one each response) and nothing else.
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub("", first_page) == token.sub("", second_page)
    assert "Serious adverse event open: Septic arthritis" in second_page
    views = AccessRecord.objects.filter(patient=patient_a, user=clinician_a, action="view")
    assert views.count() == 2


def test_a_serious_event_shows_on_the_very_next_chart(as_user, clinician_a, lab_a, patient_a):
    pathway = full_pathway(patient_a, clinician_a, lab_a, serious_event=False)
    client = as_user(clinician_a)
    for _ in range(2):  # computed, then served from the cache
        _, page = chart(client, patient_a)
        assert "Serious adverse event open" not in page
    safety.adverse_event_record(patient_a, by=clinician_a, report=safety.AdverseEventReport(
        episode=pathway.knee, term="septic_arthritis", onset_on=TODAY - 2 * DAY,
        aware_on=TODAY - DAY, ctcae_grade=3, seriousness=("hospitalisation",),
        procedure_relatedness="probably", product_relatedness="possibly",
        action="hospital_admission", outcome="recovering", responsible_clinician=clinician_a))
    response, page = chart(client, patient_a)
    assert any(alert.text.startswith("Serious adverse event open: Septic arthritis")
               for alert in response.context["alerts"])
    assert 'role="alert"' in page


def test_a_chart_cached_for_one_role_is_not_shown_to_another(
        as_user, clinician_a, lab_a, clinician_b, patient_a):
    pathway = full_pathway(patient_a, clinician_a, lab_a)
    session = reverse("procedures:detail", args=[pathway.procedure.pk])
    schedule = reverse("followup:schedule", args=[pathway.knee.pk])
    # The clinician's chart links the injection session and the overdue visit's schedule.
    _, page = chart(as_user(clinician_a), patient_a)
    assert f'href="{session}"' in page and f'href="{schedule}"' in page
    # The lab's role may open neither: its chart, asked next, must not be the cached one.
    response, page = chart(as_user(lab_a), patient_a)
    assert response.status_code == 200
    assert f'href="{session}"' not in page and f'href="{schedule}"' not in page
    assert "Serious adverse event open" in page  # the same patient's flags all the same
    # Another site's clinician gets no chart at all, cached or not.
    response, page = chart(as_user(clinician_b), patient_a)
    assert response.status_code == 404 and "Septic arthritis" not in page
    # And the clinician's own links are back on the clinician's next chart.
    _, page = chart(as_user(clinician_a), patient_a)
    assert f'href="{session}"' in page


def test_tomorrows_chart_is_not_todays(as_user, clinician_a, lab_a, patient_a, time_machine):
    pathway = full_pathway(patient_a, clinician_a, lab_a)
    time_machine.move_to(dt.datetime.combine(TODAY, dt.time(12)), tick=False)
    response, _ = chart(as_user(clinician_a), patient_a)
    assert any(a.text.startswith("Visit overdue: 6 weeks") for a in response.context["alerts"])
    # The overdue visit's window closes 6 days after today: a week on, no overdue flag.
    # (Signed in again: a session lasts a clinic day.) No row was written in between.
    time_machine.move_to(dt.datetime.combine(TODAY + 7 * DAY, dt.time(12)), tick=False)
    response, _ = chart(as_user(clinician_a), patient_a)
    assert response.status_code == 200
    assert not any(a.text.startswith("Visit overdue") for a in response.context["alerts"])
    assert pathway.overdue.latest == TODAY + 6 * DAY
