"""Each role lands on the first area it may use; navigation lists only permitted areas."""

from django.urls import reverse


def test_clinician_lands_on_the_patient_list(as_user, clinician_a):
    response = as_user(clinician_a).get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("patient-list")


def test_navigation_hides_areas_the_role_may_not_use(as_user, analyst_a):
    page = as_user(analyst_a).get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("patient-list")}"' not in page


def test_anonymous_home_goes_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
