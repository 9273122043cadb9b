"""No admin add or change form makes the admin fail or leaves half a record.

tests/web/test_form_fuzz.py fuzzes the staff pages' forms and leaves the admin out. Here every
model admin registered on the project's one admin site (admin_site.OrthoregenAdminSite) is
opened, as the clinic administrator of a synthetic site A or, for the configuration shared
by every clinic, as the platform operator (accounts.admin.is_platform_operator): its add page
when that user may add, and the change page of one of its rows when they may change it. The
form the page renders is then posted by hypothesis with each field kept, left out, or given a
hostile value (NUL bytes, 10,000 characters, Unicode digits, huge and negative numbers,
impossible dates, broken JSON, inline formset counts that do not add up).

Two properties:
- no answer is a server error (5xx);
- a submission the admin does not accept (anything but its redirect after saving) writes
  nothing: no row of any table the admin can write is added or removed (one COUNT per table,
  before and after), and on a change page the row being changed keeps every stored value (a
  refused form that had saved half its fields would show here).

Each page gets the pinned hostile values and EXAMPLES drawn submissions (ADMIN_FUZZ_EXAMPLES
in the environment overrides it, for a longer run by hand). Measured on SQLite on a loaded
2-core machine, the walk took 79 s at 2 examples, 131 s at 12 and 152 s at 20: the 20 kept
add about a minute and a quarter to the CI.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.web.conftest import PASSWORD, make_user
from tests.web.forms_found import Form, post_forms
from tests.web.test_form_fuzz import FUZZ, HOSTILE, _field_value, row_counts

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)
# Apps whose rows the admin writes; audit (access records, admin log) and sessions left out.
WRITTEN_APPS = ["accounts", "clinic", "consultation", "cellbank", "procedures", "followup",
                "safety", "portal", "evidence", "registry", "imaging", "imports"]
BAD_JSON = ["{", "[1,", '{"rules": NaN}', "null", '"\\u0000"', '{"a": 1e999}', "[]" * 500]
VALUES = st.one_of(st.sampled_from(HOSTILE + BAD_JSON), st.text(max_size=12))
# Sent in every field of every form before hypothesis draws: never left to a rare draw.
PINNED = ["\x00", "9" * 23, "x" * 10_000, "²", '{"rules": NaN}']
# Drawn submissions per page (besides PINNED): what the CI's time allows (see the docstring).
EXAMPLES = int(os.environ.get("ADMIN_FUZZ_EXAMPLES", "20"))


def submissions(form: Form) -> st.SearchStrategy[dict[str, str]]:
    fields = {name: st.one_of(_field_value(f.value, f.options), VALUES)
              for name, f in form.fields.items()}
    return st.fixed_dictionaries(fields).map(
        lambda drawn: {k: v for k, v in drawn.items() if v is not None})


def admin_form(client, url: str) -> Form | None:
    """The model's form on an admin page (the page's own POST form, not the sign-out's)."""
    page = client.get(url)
    if page.status_code != 200:
        return None
    return next((f for f in post_forms(page.content.decode(), url) if f.action == url), None)


def stored(url: str) -> list[dict]:
    """The stored values of the row a change page edits (none for an add page)."""
    parts = url.strip("/").split("/")  # admin, app, model, pk, change
    if parts[-1] != "change":
        return []
    model = apps.get_model(parts[1], parts[2])
    return list(model._default_manager.filter(pk=parts[3]).values())


def fuzz(client, user, url: str, form: Form) -> list[str]:
    """Post hypothesis' variations of one admin form; return the first problem, if any."""
    problems: list[str] = []

    @settings(FUZZ, max_examples=EXAMPLES)
    @given(data=submissions(form))
    def submit(data):
        client.force_login(user)  # a fuzzed change may sign the session out; go on
        before = row_counts(WRITTEN_APPS), stored(url)
        response = client.post(url, data)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code} for {data!r}"[:600])
        elif response.status_code != 302 and (row_counts(WRITTEN_APPS), stored(url)) != before:
            problems.append(f"{url}: refused ({response.status_code}) but rows changed "
                            f"for {data!r}"[:600])
        assert not problems, problems[-1]

    try:
        for value in PINNED:
            submit.hypothesis.inner_test({name: value for name in form.fields})
        submit()
    except AssertionError:
        pass  # the first problem is listed (hypothesis has shrunk it)
    return problems[:1]


def permitted(user: User):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def targets(users: list[User]) -> list[tuple[User, str]]:
    """(user, URL) of every add page, and one row's change page, that a user may post."""
    found = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        for user in users:
            request = permitted(user)
            if model_admin.has_add_permission(request):
                found.append((user, f"/admin/{meta.app_label}/{meta.model_name}/add/"))
            rows = model_admin.get_queryset(request)
            if model is User:
                rows = rows.exclude(pk__in=[u.pk for u in users])  # never the fuzzing user
            row = rows.order_by("pk").last()
            if row is not None and model_admin.has_change_permission(request, row):
                found.append((user, f"/admin/{meta.app_label}/{meta.model_name}/{row.pk}/"
                                    "change/"))
            if any(url.startswith(f"/admin/{meta.app_label}/{meta.model_name}/")
                   for _, url in found):
                break  # the first user who may post this model's forms is enough
    return found


@pytest.fixture
def clinic(db, site_a, site_b):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 6, seed=31, as_of=AS_OF)
    return site_a


def test_no_admin_form_fails_or_half_saves(clinic, client):
    client.raise_request_exception = False
    administrator = make_user("fuzz-admin", Role.ADMIN, clinic)
    operator = User.objects.create_superuser("fuzz-operator", password=PASSWORD,
                                             role=Role.ADMIN)
    make_user("fuzz-colleague", Role.CLINICIAN, clinic)  # a staff row to change
    found = targets([administrator, operator])
    # The walk must reach the clinic's records, its settings and the shared configuration.
    urls = {url for _, url in found}
    assert {"/admin/clinic/patient/add/", "/admin/followup/sitefollowupsettings/add/",
            "/admin/followup/scheduleprotocolversion/add/", "/admin/accounts/user/add/"} <= urls, \
        sorted(urls)
    problems = []
    for user, url in found:
        client.force_login(user)
        form = admin_form(client, url)
        if form is not None and form.fields:
            problems += fuzz(client, user, url, form)
    assert problems == []


@pytest.mark.parametrize("url", ["/admin/accounts/user/add/", "/admin/auth/group/add/"])
def test_an_id_too_large_for_any_integer_is_refused_not_a_500(db, site_a, client, url):
    """Found by the fuzz above: SQLite raised OverflowError looking such ids up."""
    operator = User.objects.create_superuser("operator", password=PASSWORD, role=Role.ADMIN)
    client.force_login(operator)
    before = row_counts(WRITTEN_APPS)
    huge = "9" * 23
    response = client.post(url, {"username": "new", "name": "new", "password1": PASSWORD,
                                 "password2": PASSWORD, "role": Role.CLINICIAN,
                                 "sites": huge, "permissions": huge})
    assert response.status_code == 200
    form = response.context["adminform"].form
    field = "sites" if "user" in url else "permissions"
    # SQLite cannot look the id up (our message); PostgreSQL finds no such row (Django's).
    assert form.errors[field] in (["No record has an id that large."], [
        f"Select a valid choice. {huge} is not one of the available choices."])
    assert row_counts(WRITTEN_APPS) == before
