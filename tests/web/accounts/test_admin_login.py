"""The admin's login page answers anonymous visitors and staff without the admin role.

It used to raise `'AnonymousUser' object has no attribute 'may'`: Django lists the admin's
apps on the login page too, asking model admins that check the user's role.
"""

from django.urls import reverse


def test_the_admin_login_page_opens_for_an_anonymous_visitor(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert response.context["available_apps"] == []


def test_the_admin_sends_an_anonymous_visitor_to_its_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/")


def test_a_clinician_on_the_admin_login_page_sees_no_apps(as_user, clinician_a):
    response = as_user(clinician_a).get(reverse("admin:login"))
    assert response.status_code == 200
    assert response.context["available_apps"] == []


def test_the_administrator_still_sees_the_apps(as_user, admin_a):
    admin_a.is_superuser = True
    admin_a.save()
    response = as_user(admin_a).get("/admin/")
    assert response.status_code == 200
    assert {app["app_label"] for app in response.context["available_apps"]} >= {"accounts"}
