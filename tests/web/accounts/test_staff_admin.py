"""The staff admin opens a site's patients to no one its administrators could not already see.

A clinic administrator here is a Django superuser who works at sites A and C, as the demo's
administrator is, so Django's per-model permissions never do the confining; the platform
operator is a superuser who works at no site (accounts.admin module docstring).
"""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.accounts.models import InstrumentLicence, Site, User
from orthoregen.web.accounts.roles import Role

PASSWORD = "correct-horse-battery"


@pytest.fixture
def site_c(db):
    return Site.objects.create(code="site-c", name="Clinic C")


def superuser(username: str, *sites: Site) -> User:
    user = User.objects.create_user(username, password=PASSWORD, role=Role.ADMIN,
                                    first_name=username.title(), last_name="Tester",
                                    is_staff=True, is_superuser=True)
    user.sites.set(sites)
    return user


@pytest.fixture
def clinic_admin(site_a, site_c):
    return superuser("clinic_admin", site_a, site_c)


@pytest.fixture
def operator(db):
    return superuser("operator")


@pytest.fixture
def clinician_ab(site_a, site_b):
    """A clinician who works at both A and B."""
    user = User.objects.create_user("clinician_ab", password=PASSWORD, role=Role.CLINICIAN)
    user.sites.set([site_a, site_b])
    return user


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def as_browser_posts(form) -> dict:
    """Return what a browser posts for an admin form as rendered: read-only fields absent."""
    data = {}
    for field in form:
        value = field.value()
        if field.field.disabled or value is None:
            continue
        if isinstance(field.field.widget, forms.SplitDateTimeWidget):
            moment = timezone.localtime(value)
            data[f"{field.html_name}_0"] = moment.date().isoformat()
            data[f"{field.html_name}_1"] = moment.time().isoformat(timespec="seconds")
        elif isinstance(field.field, forms.BooleanField):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list):
            data[field.html_name] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[field.html_name] = str(value)
    return data


def post_change(client, user, **changes):
    """Open ``user``'s change page as the client's user and save it with ``changes``."""
    page = client.get(change_url(user))
    assert page.status_code == 200
    data = {**as_browser_posts(page.context["adminform"].form), **changes}
    return client.post(change_url(user), data)


def site_codes(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).sites.values_list("code", flat=True))


def form_errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_staff_list_shows_only_staff_working_only_at_the_admins_sites(
        as_user, clinic_admin, clinician_a, coordinator_a, clinician_b, clinician_ab, operator):
    response = as_user(clinic_admin).get(reverse("admin:accounts_user_changelist"))
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"clinic_admin", "clinician_a", "coordinator_a"}
    page = response.content.decode()
    assert "Clinic B" not in page and "clinician_ab" not in page and "operator" not in page


def test_the_operator_sees_every_member_of_staff(as_user, operator, clinic_admin, clinician_b,
                                                 clinician_ab):
    response = as_user(operator).get(reverse("admin:accounts_user_changelist"))
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"operator", "clinic_admin", "clinician_b", "clinician_ab"}


@pytest.mark.parametrize("other", ["clinician_b", "clinician_ab", "operator"])
def test_staff_beyond_the_admins_sites_cannot_be_opened_changed_or_given_a_password(
        request, as_user, clinic_admin, site_a, other):
    other = request.getfixturevalue(other)
    before = site_codes(other)
    client = as_user(clinic_admin)
    assert client.get(change_url(other)).status_code == 302  # "does not exist" to the index
    client.post(change_url(other), {"username": "renamed", "sites": [site_a.pk],
                                    "role": Role.ADMIN})
    password = reverse("admin:auth_user_password_change", args=[other.pk])
    assert client.get(password).status_code == 404
    client.post(password, {"password1": "stolen-access-1", "password2": "stolen-access-1"})
    other.refresh_from_db()
    assert other.username != "renamed" and site_codes(other) == before
    assert other.check_password(PASSWORD)


def test_an_administrator_cannot_grant_a_site_they_do_not_have(as_user, clinic_admin,
                                                               clinician_a, site_a, site_b):
    response = post_change(as_user(clinic_admin), clinician_a, sites=[site_a.pk, site_b.pk])
    assert form_errors(response) == {
        "sites": ["You can grant only the sites you work at yourself."]}
    assert site_codes(clinician_a) == {"site-a"}


def test_an_administrator_grants_a_site_they_have_and_changes_a_role(
        as_user, clinic_admin, clinician_a, site_a, site_c):
    response = post_change(as_user(clinic_admin), clinician_a, sites=[site_a.pk, site_c.pk],
                           role=Role.COORDINATOR)
    assert response.status_code == 302
    assert site_codes(clinician_a) == {"site-a", "site-c"}
    assert User.objects.get(pk=clinician_a.pk).role == Role.COORDINATOR


def test_a_member_of_staff_keeps_at_least_one_site(as_user, clinic_admin, clinician_a):
    data = as_browser_posts(as_user(clinic_admin).get(change_url(clinician_a))
                            .context["adminform"].form)
    del data["sites"]
    errors = form_errors(as_user(clinic_admin).post(change_url(clinician_a), data))
    assert errors["sites"] == ["Give at least one of your sites. To end someone's access, "
                               "untick “Active” instead."]
    assert site_codes(clinician_a) == {"site-a"}


@pytest.mark.parametrize("who", ["clinic_admin", "operator"])
@pytest.mark.parametrize("change", [
    {"sites": "site_b"}, {"role": Role.CLINICIAN}, {"is_superuser": "on"},
    {"is_active": ""}, {"user_permissions": "perm"},
], ids=["sites", "role", "superuser", "active", "permissions"])
def test_nobody_changes_their_own_access(request, as_user, site_b, who, change):
    me = request.getfixturevalue(who)
    client = as_user(me)
    form = client.get(change_url(me)).context["adminform"].form
    assert not {"sites", "role", "is_superuser", "is_active", "groups"} & set(form.fields)
    name, value = next(iter(change.items()))
    value = {"site_b": site_b.pk, "perm": "1"}.get(value, value)
    response = client.post(change_url(me), {**as_browser_posts(form), name: value,
                                            "first_name": "Changed"})
    assert response.status_code == 403
    me_now = User.objects.get(pk=me.pk)
    assert (me_now.first_name, me_now.role, me_now.is_superuser, me_now.is_active) == \
        (me.first_name, Role.ADMIN, True, True)
    assert "site-b" not in site_codes(me)


def test_an_administrator_may_still_change_their_own_name(as_user, clinic_admin):
    response = post_change(as_user(clinic_admin), clinic_admin, first_name="Helen")
    assert response.status_code == 302
    assert User.objects.get(pk=clinic_admin.pk).first_name == "Helen"
    assert site_codes(clinic_admin) == {"site-a", "site-c"}


def test_another_administrator_changes_an_administrators_sites(as_user, clinic_admin, site_a,
                                                               site_c):
    colleague = superuser("colleague", site_a, site_c)
    response = post_change(as_user(colleague), clinic_admin, sites=[site_a.pk])
    assert response.status_code == 302 and site_codes(clinic_admin) == {"site-a"}


def test_only_the_operator_makes_a_superuser(as_user, clinic_admin, operator, clinician_a):
    client = as_user(clinic_admin)
    assert "is_superuser" not in client.get(change_url(clinician_a)) \
        .context["adminform"].form.fields
    assert post_change(client, clinician_a, is_superuser="on").status_code == 403
    assert not User.objects.get(pk=clinician_a.pk).is_superuser
    assert post_change(as_user(operator), clinician_a, is_superuser="on").status_code == 302
    assert User.objects.get(pk=clinician_a.pk).is_superuser


def test_the_operator_grants_any_site(as_user, operator, clinician_a, site_a, site_b):
    response = post_change(as_user(operator), clinician_a, sites=[site_a.pk, site_b.pk])
    assert response.status_code == 302
    assert site_codes(clinician_a) == {"site-a", "site-b"}


def new_staff(client, **fields):
    return client.post(reverse("admin:accounts_user_add"), {
        "username": "new_nurse", "usable_password": "true", "password1": "a-Long-pass-2026",
        "password2": "a-Long-pass-2026", "role": Role.COORDINATOR, **fields})


def test_new_staff_get_only_the_administrators_sites(as_user, clinic_admin, site_a, site_b):
    client = as_user(clinic_admin)
    assert form_errors(new_staff(client, sites=[site_b.pk]))["sites"] == [
        "You can grant only the sites you work at yourself."]
    assert "sites" in form_errors(new_staff(client))
    assert not User.objects.filter(username="new_nurse").exists()
    assert new_staff(client, sites=[site_a.pk]).status_code == 302
    assert site_codes(User.objects.get(username="new_nurse")) == {"site-a"}


def test_only_the_operator_creates_or_deletes_sites(as_user, clinic_admin, operator, site_b):
    client = as_user(clinic_admin)
    add = reverse("admin:accounts_site_add")
    assert client.get(add).status_code == 403
    assert client.post(add, {"code": "site-d", "name": "Clinic D",
                             "time_zone": "Europe/London"}).status_code == 403
    own = clinic_admin.sites.get(code="site-a")
    assert client.post(reverse("admin:accounts_site_delete", args=[own.pk]),
                       {"post": "yes"}).status_code == 403
    listed = client.get(reverse("admin:accounts_site_changelist")).context["cl"].result_list
    assert {site.code for site in listed} == {"site-a", "site-c"}
    assert as_user(operator).post(add, {"code": "site-d", "name": "Clinic D",
                                        "time_zone": "Europe/London"}).status_code == 302
    assert set(Site.objects.values_list("code", flat=True)) == {
        "site-a", "site-b", "site-c", "site-d"}


def test_licences_are_recorded_for_the_administrators_sites_only(as_user, clinic_admin,
                                                                 site_a, site_b):
    InstrumentLicence.objects.create(site=site_b, instrument_id="koos", licence_reference="B-1",
                                     valid_from=dt.date(2026, 1, 1))
    client = as_user(clinic_admin)
    listed = client.get(reverse("admin:accounts_instrumentlicence_changelist"))
    assert not listed.context["cl"].result_list and "B-1" not in listed.content.decode()
    response = client.post(reverse("admin:accounts_instrumentlicence_add"), {
        "site": site_b.pk, "instrument_id": "hoos", "licence_reference": "B-2",
        "valid_from": "2026-01-01"})
    assert "site" in response.context["adminform"].form.errors
    assert not InstrumentLicence.objects.filter(licence_reference="B-2").exists()
