"""No form submission makes a page fail or leaves half a record: every POST form, fuzzed.

The walk opens every staff page of a synthetic site A (the URL patterns, with real ids of
its records, as in tests/web/audit/test_walk.py) as a user whose role may open it, and
reads the POST forms each page renders. Each distinct form (its target URL pattern and its
field names) is then submitted by hypothesis, as a user whose role may post to its target,
with each field kept as the page filled it, left out, or replaced by a hostile value: huge,
negative, Unicode-digit, NaN and empty numbers, impossible dates, 10,000 characters, NUL
bytes, choices that do not exist; and with a field the form does not know. The portal's
questionnaire link gets the same treatment.

Two properties ("zero 500s and zero partial writes"):
- no answer is a server error (5xx);
- a refused submission (4xx, or the form shown again with errors) changes no row of any
  clinical app (one COUNT per table, read in one statement before and after).
"""

from __future__ import annotations

import datetime as dt
import string

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.audit.test_walk import arguments, url_patterns
from tests.web.conftest import make_user
from tests.web.forms_found import Form, post_forms

from orthoregen.web.accounts.roles import Role, role_may
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.synthetic.clinic import synth_load

settings.register_profile(
    "form-fuzz", max_examples=4, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large])
FUZZ = settings.get_profile("form-fuzz")

AS_OF = dt.date(2026, 6, 30)
ROLES = [Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR, Role.LAB, Role.ANALYST]
# Posting these would end the signed-in session the walk runs in, not test a form.
NOT_POSTED = {"logout"}
# Every app that keeps clinical records; audit is left out (a refusal is recorded there).
CLINICAL_APPS = ["clinic", "consultation", "cellbank", "procedures", "followup", "safety",
                 "portal", "evidence", "registry", "imaging", "imports"]

HOSTILE = ["", " ", "-1", "-0.5", "0", "1e308", "-1e308", "NaN", "nan", "inf", "-inf",
           "9" * 23, "1" * 19, "²", "٣", "１２", "1,5", "0x10", "\x00", "a\x00b", "2026-02-30",
           "1800-01-01", "2300-01-01", "0000-00-00", "31/12/2026", "not a date",
           "x" * 10_000, "☃" * 300, "<script>alert(1)</script>", "' OR 1=1 --",
           "no-such-choice", "999999999", "true", "on"]
# Values that broke pages before, each also sent in every field of every form.
PINNED = ["²", "\x00", "9" * 23, "1e308", "NaN", "x" * 10_000, ""]
HOSTILE_VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
EXTRA_NAMES = st.text(alphabet=string.ascii_lowercase + "_-", min_size=1, max_size=12)


def _field_value(kept: str, options: list[str]) -> st.SearchStrategy[str | None]:
    """Kept as the page filled it, another of its options, left out (None), or hostile."""
    others = [o for o in options if o != kept]
    choices = [st.just(kept), st.none(), HOSTILE_VALUES]
    return st.one_of(*choices, *([st.sampled_from(others)] if others else []))


def submissions(form: Form) -> st.SearchStrategy[dict[str, str]]:
    fields = {name: _field_value(f.value, f.options) for name, f in form.fields.items()}
    extra = st.dictionaries(EXTRA_NAMES, HOSTILE_VALUES, max_size=1)
    return st.tuples(st.fixed_dictionaries(fields), extra).map(
        lambda pair: {**{k: v for k, v in pair[0].items() if v is not None}, **pair[1]})


def row_counts(app_labels: tuple[str, ...] | list[str] = CLINICAL_APPS) -> tuple[int, ...]:
    """Count the rows of every table of these apps in one statement (cheap on both databases)."""
    tables = [m._meta.db_table for label in app_labels for m in apps.get_app_config(
        label).get_models() if m._meta.managed and not m._meta.proxy]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def refused(response) -> bool:
    """A 4xx, or the form shown again with its errors."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code != 200 or response.context is None:
        return False
    forms = [value for context in response.context for value in context.flatten().values()
             if hasattr(value, "errors") and hasattr(value, "is_bound")]
    return any(form.is_bound and form.errors for form in forms)


def role_for(url: str) -> str | None:
    """A role that may post to the URL's view, or None for the portal (no sign-in)."""
    match = resolve(url.split("?")[0])
    if match.namespace == "portal":
        return None
    actions = getattr(match.func, "required_actions", None) or ()
    return next((r for r in ROLES if all(role_may(r, a) for a in actions)), Role.CLINICIAN)


def fuzz_form(client, form: Form, *, user=None, examples: int | None = None,
              data: st.SearchStrategy[dict[str, str]] | None = None) -> list[str]:
    """Submit hypothesis' variations of one form; return what went wrong, if anything."""
    problems: list[str] = []

    @settings(FUZZ, max_examples=examples or FUZZ.max_examples)
    @given(data=submissions(form) if data is None else data)
    def submit(data):
        if user is not None:  # opening a tablet session signs staff out; the walk goes on
            client.force_login(user)
        before = row_counts()
        response = client.post(form.action, data)
        if response.status_code >= 500:
            problems.append(f"{form.action}: {response.status_code} for {data!r}"[:600])
            raise AssertionError(problems[-1])
        if refused(response) and row_counts() != before:
            problems.append(f"{form.action}: refused ({response.status_code}) but rows "
                            f"changed for {data!r}"[:600])
            raise AssertionError(problems[-1])

    try:
        for value in PINNED if form.fields else []:  # in every field: never left to a rare draw
            submit.hypothesis.inner_test({name: value for name in form.fields})
        submit()
    except AssertionError:
        pass  # the first problem is listed (hypothesis has shrunk it)
    return problems[:1]


def _form_key(form: Form) -> tuple[str, frozenset[str]] | None:
    try:
        match = resolve(form.action.split("?")[0])
    except Resolver404:
        return None
    if match.url_name in NOT_POSTED or match.namespace == "admin":
        return None
    return match.view_name, frozenset(form.fields)


@pytest.fixture
def clinic(db, site_a, site_b):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 16, seed=31, as_of=AS_OF)
    return site_a


def staff_forms(client, users, site) -> tuple[dict[tuple, tuple[Form, str]], list[str]]:
    """Every distinct POST form on the staff pages with a role that may post it, and every
    staff URL (with real ids), for the forms no page renders as a whole (posted buttons)."""
    found: dict[tuple, tuple[Form, str]] = {}
    urls = []
    for name, converters in url_patterns():
        if name.startswith("portal:") or name in NOT_POSTED:
            continue
        url = reverse(name, kwargs=arguments(converters, site))
        urls.append(url)
        client.force_login(users[role_for(url)])
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in post_forms(response.content.decode(), url):
            key = _form_key(form)
            if key is not None and key not in found:
                found[key] = (form, role_for(form.action))
    return found, urls


def blind_submissions(forms: list[Form]) -> st.SearchStrategy[dict[str, str]]:
    """For a URL no page showed whole: a few of the field names any page's form has."""
    names = sorted({name for form in forms for name in form.fields})
    return st.dictionaries(st.sampled_from(names), HOSTILE_VALUES, max_size=6)


def test_no_staff_form_fails_or_half_saves(clinic, client):
    client.raise_request_exception = False
    users = {role: make_user(f"fuzz-{role}", role, clinic) for role in ROLES}
    forms, urls = staff_forms(client, users, clinic)
    targets = {view_name for view_name, _ in forms}
    # The walk must reach the forms of every stage, or it proves nothing.
    assert {"patient-edit", "episode-create", "consultation:intake-edit",
            "cellbank:harvest-create", "procedures:joint-update", "followup:visit-done",
            "safety:ae-create"} <= targets, sorted(targets)
    problems = [problem for form, role in forms.values()
                for problem in fuzz_form(client, form, user=users[role])]
    shown = [form for form, _ in forms.values()]
    blind = blind_submissions(shown)
    problems += [problem for url in urls
                 for problem in fuzz_form(client, Form(url), user=users[role_for(url)],
                                          examples=2, data=blind)]
    assert problems == []


PORTAL_TODAY = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)  # inside the month-3 window


def test_no_portal_form_fails_or_half_saves(client, patient_a, settings):
    settings.ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS = 0  # the fuzz is not a patient hammering
    settings.ORTHOREGEN_PORTAL_LIMIT_PER_LINK = 0
    client.raise_request_exception = False
    with time_machine.travel(PORTAL_TODAY, tick=False):
        schedule = schedule_create(patient_a.episodes.get(), administered_on=dt.date(2026, 1, 15))
        _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))
        link = reverse("portal:questionnaire", args=[token])
        forms = []
        for url in [link, f"{link}?step=1"]:  # an instrument, and the closing page
            forms += post_forms(client.get(url).content.decode(), url)
        assert len(forms) == 2
        forms.append(Form(reverse("portal:done")))  # the results page's "Finish and close"
        problems = [p for form in forms for p in fuzz_form(client, form, examples=40)]
    assert problems == []
