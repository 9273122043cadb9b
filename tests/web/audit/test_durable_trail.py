"""Access records written outside any transaction: one per page shown, none lost, chain whole.

These tests run without the test's own transaction (transactional_db), as a page that only
reads runs in the server: each record is then its own transaction. On PostgreSQL that
transaction commits without waiting for the disk while it holds the chain head, and the
record is made durable afterwards, before the page is answered (audit/models.py,
durable_commit_deferred and chain_durable_wait); on SQLite it commits as before.
"""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from tests.web.conftest import make_patient

from orthoregen.cli import main
from orthoregen.web.audit.commands import chain_verify
from orthoregen.web.audit.models import AccessAction, AccessChainHead, AccessRecord
from orthoregen.web.audit.services import access_record
from orthoregen.web.urls import urlpatterns as site_urls

DEFERRED = "SET LOCAL synchronous_commit TO off"
FLUSH = "pg_current_xact_id"


def shown_then_broken(request, patient_id):
    """A view that records the patient it read and then fails (a bug after the read)."""
    from orthoregen.web.clinic.models import Patient

    access_record(request, AccessAction.VIEW, patient=Patient.objects.get(pk=patient_id),
                  detail="read, then failed")
    raise ValueError("a bug after the read")


urlpatterns = [*site_urls, path("audit-test/broken/<int:patient_id>/", shown_then_broken)]


def at_once(writers: int, write) -> list[Exception]:
    """Run ``write(n)`` for n in 0..writers-1 on as many threads, released together, each on
    its own connection; return what they raised (a thread's exception is otherwise lost)."""
    start, failures = threading.Barrier(writers), []

    def run(n):
        try:
            start.wait()
            write(n)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.fixture
def records(transactional_db):
    """The access records written by the test, in chain order."""
    return lambda: list(AccessRecord.objects.order_by("sequence"))


def test_each_chart_shown_leaves_one_record_naming_its_patient(records, as_user, clinician_a,
                                                                site_a):
    patients = [make_patient(site_a, f"A-00{n}", f"Family{n}") for n in range(1, 4)]
    client = as_user(clinician_a)
    shown = [p for p in patients * 2
             if client.get(reverse("patient-detail", args=[p.pk])).status_code == 200]
    assert len(shown) == 6
    trail = records()
    assert [r.patient_id for r in trail] == [p.pk for p in shown]
    assert {r.action for r in trail} == {AccessAction.VIEW}
    assert [r.sequence for r in trail] == [1, 2, 3, 4, 5, 6]
    assert chain_verify() is None


@pytest.mark.urls(__name__)
def test_a_record_written_before_the_view_fails_is_kept(records, client, clinician_a,
                                                        patient_a):
    client.raise_request_exception = False
    client.force_login(clinician_a)
    response = client.get(f"/audit-test/broken/{patient_a.pk}/")
    assert response.status_code == 500
    [record] = records()
    assert (record.patient_id, record.detail) == (patient_a.pk, "read, then failed")
    assert chain_verify() is None


def test_refusals_are_still_recorded(records, as_user, clinician_a, analyst_a, patient_b):
    as_user(clinician_a).get(reverse("patient-detail", args=[patient_b.pk]))  # another site
    as_user(analyst_a).get(reverse("patient-list"))  # a role that may not list patients
    trail = records()
    assert [r.action for r in trail] == [AccessAction.DENIED, AccessAction.DENIED]
    assert [r.patient_id for r in trail] == [None, None]  # another site's patient not named
    assert chain_verify() is None


def test_the_commit_waits_for_the_disk_only_after_the_chain_head_is_free(records, rf,
                                                                          clinician_a):
    request = rf.get("/patients/")
    request.user = clinician_a
    with CaptureQueriesContext(connection) as alone:
        access_record(request, AccessAction.SEARCH, detail="alone")
    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        access_record(request, AccessAction.SEARCH, detail="inside a transaction")
    sql_alone = [q["sql"] for q in alone.captured_queries if q["sql"] != "BEGIN"]
    sql_inside = [q["sql"] for q in inside.captured_queries]
    if connection.vendor == "postgresql":
        # deferred first, the head locked and advanced, the flush last, after the commit
        assert sql_alone[0] == DEFERRED and FLUSH in sql_alone[-1]
        assert sum(FLUSH in sql for sql in sql_alone) == 1
    else:
        assert not any(DEFERRED in sql or FLUSH in sql for sql in sql_alone)
    # Inside a transaction the record is part of it and commits with it, durably.
    assert not any(DEFERRED in sql or FLUSH in sql for sql in sql_inside)
    assert [r.detail for r in records()] == ["alone", "inside a transaction"]
    assert chain_verify() is None


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time; concurrent writers are PostgreSQL's")
def test_concurrent_writers_keep_one_linear_chain(records, clinician_a, rf):
    writers, each = 4, 15
    first = rf.get("/patients/")
    first.user = clinician_a
    access_record(first, AccessAction.SEARCH, detail="the chain head exists")

    def write(n):
        request = rf.get(f"/patients/?writer={n}")
        request.user = clinician_a
        for _ in range(each):
            access_record(request, AccessAction.SEARCH, detail=f"writer {n}")

    assert at_once(writers, write) == []
    trail = records()
    assert [r.sequence for r in trail] == list(range(1, writers * each + 2))
    assert AccessChainHead.objects.get().length == writers * each + 1
    assert chain_verify() is None
    assert main(["audit", "verify"]) == 0


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time; concurrent writers are PostgreSQL's")
def test_concurrent_first_records_of_a_new_database_share_one_chain(records, clinician_a, rf):
    """The chain head does not exist yet: every first writer tries to create it at once, and
    none may fail (a duplicate key would have been a server error on a new clinic's first
    morning)."""
    writers = 4
    assert not AccessChainHead.objects.exists()

    def write(n):
        request = rf.get(f"/patients/?writer={n}")
        request.user = clinician_a
        access_record(request, AccessAction.SEARCH, detail=f"first writer {n}")

    assert at_once(writers, write) == []
    assert [r.sequence for r in records()] == [1, 2, 3, 4]
    assert AccessChainHead.objects.get().length == writers
    assert chain_verify() is None
