"""Site scoping and roles: a user of site A never sees a site B patient, by any URL."""

import pytest
from django.urls import reverse

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import Patient


def patient_urls(patient):
    episode = patient.episodes.get()
    encounter = episode.encounters.get()
    return [
        reverse("patient-detail", args=[patient.pk]),
        reverse("patient-edit", args=[patient.pk]),
        reverse("episode-create", args=[patient.pk]),
        reverse("episode-edit", args=[patient.pk, episode.pk]),
        reverse("encounter-create", args=[episode.pk]),
        reverse("encounter-edit", args=[episode.pk, encounter.pk]),
    ]


def test_every_patient_url_of_another_site_is_404(as_user, clinician_a, patient_a, patient_b):
    client = as_user(clinician_a)
    for url in patient_urls(patient_b):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"family_name": "Changed"}).status_code == 404, url
    patient_b.refresh_from_db()
    assert patient_b.family_name == "Bittern"
    assert not AccessRecord.objects.filter(patient=patient_b).exists()


def test_own_site_patient_urls_open(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    for url in patient_urls(patient_a):
        assert client.get(url).status_code == 200, url


def test_list_and_search_show_only_own_site(as_user, clinician_a, patient_a, patient_b):
    client = as_user(clinician_a)
    listing = client.get(reverse("patient-list")).content.decode()
    assert "AARDVARK" in listing and "BITTERN" not in listing
    search = client.get(reverse("patient-list"), {"q": "B-0001"}).content.decode()
    assert "BITTERN" not in search and "0 patients" in search


def test_anonymous_user_is_sent_to_login(client, patient_a):
    for url in [reverse("patient-list"), *patient_urls(patient_a)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_analyst_cannot_open_identifiable_records(as_user, analyst_a, patient_a):
    client = as_user(analyst_a)
    assert client.get(reverse("patient-list")).status_code == 403
    assert client.get(reverse("patient-detail", args=[patient_a.pk])).status_code == 404


@pytest.mark.parametrize("role_fixture, url_name, allowed", [
    ("lab_a", "patient-edit", False),
    ("lab_a", "episode-create", False),
    ("coordinator_a", "patient-edit", True),
    ("coordinator_a", "episode-create", False),
    ("clinician_a", "episode-create", True),
])
def test_roles_limit_editing(request, as_user, patient_a, role_fixture, url_name, allowed):
    client = as_user(request.getfixturevalue(role_fixture))
    response = client.get(reverse(url_name, args=[patient_a.pk]))
    assert response.status_code == (200 if allowed else 403)


def test_lab_can_read_but_not_change(as_user, lab_a, patient_a):
    client = as_user(lab_a)
    assert client.get(reverse("patient-detail", args=[patient_a.pk])).status_code == 200
    response = client.post(reverse("patient-edit", args=[patient_a.pk]), {"family_name": "X"})
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient_a.pk).family_name == "Aardvark"


def test_admin_site_is_for_admins_and_scoped(as_user, admin_a, clinician_a, patient_a, patient_b):
    assert as_user(clinician_a).get("/admin/").status_code == 302  # to the admin login
    client = as_user(admin_a)
    admin_a.is_superuser = True
    admin_a.save()
    page = client.get("/admin/clinic/patient/").content.decode()
    assert "A-0001" in page and "B-0001" not in page
    assert client.get(f"/admin/clinic/patient/{patient_b.pk}/change/").status_code == 302


def test_patient_page_links_to_each_area_the_role_may_use(as_user, clinician_a, lab_a, patient_a):
    episode = patient_a.episodes.get()
    clinician_page = as_user(clinician_a).get(
        reverse("patient-detail", args=[patient_a.pk])).content.decode()
    for url in [reverse("registry:patient-report", args=[patient_a.pk]),
                reverse("procedures:start", args=[patient_a.pk]),
                reverse("safety:ae-create", args=[patient_a.pk]),
                reverse("consultation:episode", args=[episode.pk]),
                reverse("followup:schedule", args=[episode.pk])]:
        assert f'href="{url}"' in clinician_page, url
    lab_page = as_user(lab_a).get(reverse("patient-detail", args=[patient_a.pk])).content.decode()
    assert reverse("procedures:start", args=[patient_a.pk]) not in lab_page
    assert reverse("cellbank:patient-products", args=[patient_a.pk]) in lab_page
