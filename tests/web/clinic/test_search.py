"""Search that finds people: names in any order, partial, without accents or case; MRN, date
of birth, phone and email; filters; pages without a count; bad input refused, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic import search
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.services import patient_save


@pytest.fixture
def marianne(site_a, coordinator_a):
    return patient_save(None, site=site_a, mrn="RJC-004217", family_name="Okafor-Lindqvist",
                        given_name="Marianne", date_of_birth=dt.date(1961, 12, 6), sex="female",
                        email="m.okafor@example.org", phone="+44 7700 900123",
                        by=coordinator_a)


@pytest.fixture
def others(site_a, site_b):
    made = [
        Patient.objects.create(site=site_a, mrn="RJC-000001", family_name="Lindberg",
                               given_name="Martin", date_of_birth=dt.date(1961, 6, 12),
                               sex="male"),
        Patient.objects.create(site=site_a, mrn="RJC-000002", family_name="Okafor",
                               given_name="Chidi", date_of_birth=dt.date(1970, 1, 2),
                               sex="male"),
        Patient.objects.create(site=site_a, mrn="RJC-000003", family_name="Muñoz Å̊ström",
                               given_name="José", date_of_birth=dt.date(1955, 3, 4), sex="male"),
        # The same name at another site: never shown to site A's staff.
        Patient.objects.create(site=site_b, mrn="NGO-1", family_name="Okafor-Lindqvist",
                               given_name="Marianne", date_of_birth=dt.date(1961, 12, 6),
                               sex="female", email="m.okafor@example.org",
                               phone="+44 7700 900123"),
    ]
    return made


def found(client, query, **filters):
    response = client.get(reverse("patient-list"), {"q": query, **filters})
    assert response.status_code == 200, response.content.decode()[:500]
    return [(p.mrn, p.site.code) for p in response.context["page"].rows]


@pytest.mark.parametrize("query", [
    "okafor lindqvist", "Lindqvist, M", "marianne okafor", "Okafor-Lindqvist, Marianne",
    "OKAFOR-LINDQVIST", "lindq", "Marianne", "mari okaf", "  okafor   lindqvist  ",
    "RJC-004217", "rjc004217", "004217",
    "1961-12-06", "06/12/1961", "6/12/1961", "6 Dec 1961", "6 december 1961",
    "okafor 06/12/1961",
    "07700 900123", "+44 7700 900123", "7700900123",
    "m.okafor@example.org", "M.Okafor@Example.org",
])
def test_the_coordinator_finds_marianne(as_user, coordinator_a, marianne, others, query):
    assert ("RJC-004217", "site-a") in found(as_user(coordinator_a), query)


@pytest.mark.parametrize("query, expected", [
    ("okafor", {"RJC-004217", "RJC-000002"}),
    ("lind", {"RJC-004217", "RJC-000001"}),
    ("okafor chidi", {"RJC-000002"}),
    ("12/06/1961", {"RJC-000001"}),  # day first, as the site's pages write dates
    ("munoz", {"RJC-000003"}), ("MUÑOZ", {"RJC-000003"}), ("astrom", {"RJC-000003"}),
    ("jose munoz", {"RJC-000003"}),
    ("nobody", set()), ("kafor", set()),  # a word's start, not its middle
])
def test_each_query_finds_exactly_these(as_user, coordinator_a, marianne, others, query,
                                        expected):
    assert {mrn for mrn, _ in found(as_user(coordinator_a), query)} == expected


def test_another_sites_patient_never_appears_in_search(as_user, coordinator_a, clinician_b,
                                                       marianne, others):
    for query in ("okafor lindqvist", "NGO-1", "06/12/1961", "m.okafor@example.org"):
        assert all(site == "site-a" for _, site in found(as_user(coordinator_a), query))
    assert found(as_user(clinician_b), "okafor lindqvist") == [("NGO-1", "site-b")]


def test_the_search_line_follows_every_edit(coordinator_a, marianne):
    patient_save(marianne, site=marianne.site, mrn=marianne.mrn, family_name="Ødegård",
                 given_name="Marianne", date_of_birth=marianne.date_of_birth, sex="female",
                 by=coordinator_a)
    marianne.refresh_from_db()
    assert marianne.search_text.startswith(" odegard marianne ")
    # The search line is derived data: the history keeps what staff typed, not it.
    assert not hasattr(marianne.history.first(), "search_text")


def test_normalised_strips_accents_case_and_punctuation():
    # Unicode NFKD decomposes é into e + U+0301 COMBINING ACUTE ACCENT (Unicode 15, UAX #15).
    assert search.normalised("Okafor-Lindqvist, Marianne") == "okafor lindqvist marianne"
    assert search.normalised("  Ærø  Ståhl-Łukasz ") == "aero stahl lukasz"
    assert search.normalised("O'Brien") == "o brien"
    assert search.normalised("Straße") == "strasse"


@pytest.mark.parametrize("query, problem", [
    ("okafor\x00", "Null characters are not allowed"),
    ("oka\x07for", "control character"),
    ("x" * 500, "at most"),
    ("a b c d e f g h i j", "at most 8 words"),
    ("31/02/1961", "is not a date"),
    ("1961-13-45", "is not a date"),
])
def test_bad_input_is_refused_with_the_reason(as_user, coordinator_a, marianne, query,
                                              problem):
    response = as_user(coordinator_a).get(reverse("patient-list"), {"q": query})
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert AccessRecord.objects.filter(action=AccessAction.SEARCH,
                                       detail__startswith="refused search").exists()


@pytest.mark.parametrize("params", [
    {"joint": "elbow"}, {"site": "999999"}, {"site": "x"}, {"clinician": "12345"},
    {"stage": "nonsense"}, {"overdue": "maybe"}, {"after": "-1"}, {"after": "x"},
])
def test_bad_filters_are_a_400_not_a_500(as_user, coordinator_a, marianne, params):
    assert as_user(coordinator_a).get(reverse("patient-list"), params).status_code == 400


def test_filters_by_joint_site_clinician_stage_and_overdue(as_user, coordinator_a,
                                                           clinician_a, marianne, others):
    JointEpisode.objects.create(patient=marianne, joint="hip", side="left",
                                diagnosis_code="M16.12", grade_scale="kellgren_lawrence",
                                grade=2)
    knee = JointEpisode.objects.create(patient=others[0], joint="knee", side="left",
                                       diagnosis_code="M17.12",
                                       grade_scale="kellgren_lawrence", grade=2)
    Encounter.objects.create(episode=knee, kind="consultation", occurred_on=dt.date(2026, 1, 5),
                             clinician=clinician_a)
    client = as_user(coordinator_a)
    assert {m for m, _ in found(client, "", joint="hip")} == {"RJC-004217"}
    assert {m for m, _ in found(client, "", clinician=str(clinician_a.pk))} == {"RJC-000001"}
    assert {m for m, _ in found(client, "", site=str(marianne.site_id))} == {
        "RJC-004217", "RJC-000001", "RJC-000002", "RJC-000003"}
    assert found(client, "", stage="in_follow_up") == []
    assert found(client, "", overdue="yes") == []
    assert found(client, "okafor", joint="hip") == [("RJC-004217", "site-a")]


def test_pages_follow_the_name_order_without_counting(as_user, coordinator_a, site_a):
    Patient.objects.bulk_create([
        Patient(site=site_a, mrn=f"P-{n:03}", family_name=f"Family{n:03}", given_name="Al",
                date_of_birth=dt.date(1950, 1, 1), sex="male",
                search_text=f" family{n:03} al p {n:03} ") for n in range(60)])
    client = as_user(coordinator_a)
    seen, after = [], None
    for _ in range(4):
        response = client.get(reverse("patient-list"), {"after": after} if after else {})
        page = response.context["page"]
        seen += [p.mrn for p in page.rows]
        after = page.next_after
        if after is None:
            break
    assert seen == [f"P-{n:03}" for n in range(60)]
    # Another site's or an unknown id starts again from the first page, revealing nothing.
    response = client.get(reverse("patient-list"), {"after": "999999"})
    assert response.context["page"].rows[0].mrn == "P-000"


def test_a_role_that_may_not_see_patients_cannot_search(as_user, analyst_a, marianne):
    response = as_user(analyst_a).get(reverse("patient-list"), {"q": "okafor"})
    assert response.status_code == 403 and "OKAFOR" not in response.content.decode()


def test_the_migration_fills_the_line_of_patients_stored_before_it(coordinator_a, site_a):
    import importlib
    import types

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module(
        "orthoregen.web.clinic.migrations.0002_patient_search_text")
    Patient.objects.bulk_create([  # as rows stored before the column existed: no line
        Patient(site=site_a, mrn=f"OLD-{n}", family_name="Ångström", given_name="Ola",
                date_of_birth=dt.date(1950, 1, 1), sex="male") for n in range(3)])
    assert set(Patient.objects.values_list("search_text", flat=True)) == {""}
    migration.BATCH = 2  # more than one batch
    migration.backfill(apps, types.SimpleNamespace(connection=connection))
    assert set(Patient.objects.values_list("search_text", flat=True)) == {
        f" angstrom ola old {n} old{n} " for n in range(3)}
