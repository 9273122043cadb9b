"""The patient list pages by keyset and never counts the registry's patients.

A full count of clinic_patient for a pager costs as much as reading the whole table (the
100,000-patient registry's first page was mostly that count); the list follows the name
order from the last patient shown instead (clinic/hub.py, keyset_page).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.web.conftest import make_patient

from orthoregen.web.clinic.hub import PAGE_SIZE
from orthoregen.web.clinic.models import Patient

# A count over the patient table as Django's Paginator or a .count() would send it.
PATIENT_COUNT = re.compile(r'SELECT COUNT\(\*\).*FROM "clinic_patient"', re.IGNORECASE | re.DOTALL)


@pytest.fixture
def thirty(site_a):
    # Family names in the order the list shows them: Patient00 .. Patient29.
    return [make_patient(site_a, f"A-{n:04d}", f"Patient{n:02d}") for n in range(30)]


def patient_counts(queries):
    return [q["sql"] for q in queries if PATIENT_COUNT.search(q["sql"])]


def test_the_pattern_catches_a_count_of_patients(thirty):
    # The check below could fail: a real count of the table is caught by the pattern.
    with CaptureQueriesContext(connection) as counted:
        Patient.objects.count()
    assert len(patient_counts(counted.captured_queries)) == 1


def test_first_and_next_page_without_counting_patients(as_user, clinician_a, thirty):
    client = as_user(clinician_a)
    with CaptureQueriesContext(connection) as first:
        page1 = client.get(reverse("patient-list"))
    assert page1.status_code == 200
    rows = page1.context["page"].rows
    assert [p.family_name for p in rows] == [f"Patient{n:02d}" for n in range(PAGE_SIZE)]
    assert page1.context["page"].next_after == thirty[PAGE_SIZE - 1].pk
    with CaptureQueriesContext(connection) as second:
        page2 = client.get(reverse("patient-list"), {"after": thirty[PAGE_SIZE - 1].pk})
    assert [p.family_name for p in page2.context["page"].rows] == \
        [f"Patient{n:02d}" for n in range(PAGE_SIZE, 30)]
    assert page2.context["page"].next_after is None and not page2.context["page"].is_first
    assert patient_counts(first.captured_queries) == []
    assert patient_counts(second.captured_queries) == []


def test_a_search_pages_without_counting_patients(as_user, clinician_a, thirty):
    client = as_user(clinician_a)
    with CaptureQueriesContext(connection) as searched:
        page = client.get(reverse("patient-list"), {"q": "Patient2"})
    assert [p.family_name for p in page.context["page"].rows] == \
        [f"Patient{n:02d}" for n in range(20, 30)]
    assert patient_counts(searched.captured_queries) == []


def test_a_search_pages_in_the_list_order_across_pages(as_user, clinician_a, site_a, thirty):
    # A search is sorted after its matches are found (keyset_page's `searched`): the same
    # name order, ties by given name then id, and "Next" continues where page one ended.
    twins = [make_patient(site_a, f"T-{n}", "Patient05") for n in range(2)]
    client = as_user(clinician_a)
    page1 = client.get(reverse("patient-list"), {"q": "Patient"}).context["page"]
    page2 = client.get(reverse("patient-list"), {"q": "Patient", "after": page1.next_after}
                       ).context["page"]
    shown = [p.pk for p in page1.rows + page2.rows]
    expected = list(Patient.objects.filter(family_name__startswith="Patient")
                    .order_by("family_name", "given_name", "id").values_list("pk", flat=True))
    assert len(shown) == 32 and shown == expected
    assert {t.pk for t in twins} <= set(shown) and page2.next_after is None
