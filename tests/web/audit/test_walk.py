"""Every page of patient data and every refusal leaves an access record, whatever the view does.

The walk visits every URL pattern the resolver knows, and the change list, search, change and
history pages of every model registered in the admin, on a synthetic site A full of records
of every stage. It goes as site A's own staff (clinician; administrator for the admin), as
site B's staff, and as a role that may not see patients (the analyst; a clinician in the
admin). It fails on a page showing patient data (2xx) with no new record, on a refusal (403,
a 404 on a URL naming a record, a redirect away from an admin record page) with no new
record, and on any record naming a site A patient written for site B's user.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.middleware import PATIENT_OF, page_of
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Patient
from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)
# Sign-in steps, before any user or patient: nothing to record.
NOT_WALKED = {"login", "logout", "password_reset", "password_reset_done",
              "password_reset_confirm", "password_reset_complete", "second-factor-enrol",
              "second-factor-verify"}
OTHER_ARGUMENTS = {"rule_id": "R1", "channel": "email", "kind": "medications",
                   "token": "no-such-link", "item_id": 999_999}
SHOWN_AS_FILES = ("application/pdf", "text/csv", "application/vnd.apache.parquet")


def url_patterns(patterns=None, namespace=""):
    """Yield (url name, converters) for every named pattern outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in NOT_WALKED:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


@pytest.fixture
def clinic(db, site_a, site_b, clinician_a, coordinator_a, lab_a):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 40, seed=31, as_of=AS_OF)
    return site_a


def _first_at(label: str, site):
    model = apps.get_model(label)
    return model._default_manager.filter(**{f"{model.SITE_PATH}": site}).order_by("pk").first()


def arguments(converters: list[str], site) -> dict:
    """Real ids of site A's records for a URL's arguments, consistent with each other."""
    values: dict = {}
    for key in converters:
        if key in PATIENT_OF:
            found = _first_at(PATIENT_OF[key][0], site)
            values[key] = found.pk if found else 999_999
        elif key == "protocol_id":
            values[key] = apps.get_model("consultation.ProtocolVersion").objects.first().pk
        else:
            values[key] = OTHER_ARGUMENTS.get(key, 1)
    episode_model = apps.get_model("clinic.JointEpisode")
    if "episode_id" in values and "patient_id" in values:
        values["patient_id"] = episode_model.objects.get(pk=values["episode_id"]).patient_id
    if "pj_id" in values:
        pj = apps.get_model("cellbank.ProcedureJoint").objects.get(pk=values["pj_id"])
        values["procedure_id"] = pj.procedure_id
    if "consent_id" in values and "episode_id" in values:  # the API's consent URL has none
        consent = apps.get_model("consultation.ConsentRecord").objects.get(pk=values["consent_id"])
        values["episode_id"] = consent.episode_id
    if "encounter_id" in values:
        encounter = apps.get_model("clinic.Encounter").objects.get(pk=values["encounter_id"])
        values["episode_id"] = encounter.episode_id
    return values


def identifiers(site) -> list[str]:
    return [mrn for mrn in Patient.objects.filter(site=site).values_list("mrn", flat=True)]


def visit(client, user, url, site, *, refused_when=lambda response: False):
    """GET a page and return what is wrong with its trail, or None."""
    before = AccessRecord.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    response = client.get(url)
    new = AccessRecord.objects.filter(sequence__gt=before or 0, user=user)
    status = response.status_code
    shown = any(mrn.encode() in response.content for mrn in identifiers(site)) \
        or response.get("Content-Type", "").startswith(SHOWN_AS_FILES)
    refused = status == 403 or (status == 404 and _names_record(url)) or refused_when(response)
    if 200 <= status < 300 and shown and not new.exists():
        return f"{url}: {status} shows patient data, no access record"
    if refused and not new.filter(action=AccessAction.DENIED).exists():
        return f"{url}: refused ({status}), no access record"
    if not user.sites.filter(pk=site.pk).exists() and new.filter(patient__site=site).exists():
        return f"{url}: a record names another site's patient"
    return None


def _names_record(url: str) -> bool:
    match = resolve(url.split("?")[0])
    return page_of(match.func, match.kwargs).names_record


def staff_urls(site):
    for name, converters in url_patterns():
        yield reverse(name, kwargs=arguments(converters, site))


@pytest.mark.parametrize("who", ["own clinician", "other site", "wrong role"])
def test_every_staff_page_of_patient_data_and_every_refusal_is_recorded(
        clinic, as_user, who, clinician_a, clinician_b, analyst_a):
    user = {"own clinician": clinician_a, "other site": clinician_b, "wrong role": analyst_a}[who]
    assert walk_staff_pages(as_user(user), user, clinic) == []


def walk_staff_pages(client, user, site) -> list[str]:
    return [problem for url in staff_urls(site) if (problem := visit(client, user, url, site))]


def test_the_walk_finds_the_forms_that_recorded_nothing_before_the_middleware(
        clinic, as_user, clinician_a, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if ".audit." not in m]
    problems = walk_staff_pages(as_user(clinician_a), clinician_a, clinic)
    unrecorded = {problem.split(":")[0] for problem in problems}
    patient = Patient.objects.filter(site=clinic).order_by("pk").first()
    assert reverse("patient-edit", args=[patient.pk]) in unrecorded
    assert reverse("safety:ae-create", args=[patient.pk]) in unrecorded


def admin_urls(site):
    """The change list, a search, and one site A row's change and history pages per model."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist"), False
        yield reverse(f"{prefix}_changelist") + "?q=SYN", False
        original = getattr(model, "instance_type", model)
        if not hasattr(original, "SITE_PATH"):
            continue
        rows = model._default_manager.filter(**{original.SITE_PATH: site})
        row = rows.order_by("pk").first()
        if row is None:
            continue
        yield reverse(f"{prefix}_change", args=[row.pk]), True
        yield reverse(f"{prefix}_history", args=[row.pk]), True


@pytest.mark.parametrize("who", ["own administrator", "other site", "wrong role"])
def test_every_admin_page_of_patient_data_and_every_refusal_is_recorded(
        clinic, as_user, who, admin_a, clinician_a, site_b):
    admin_b = User.objects.create_user("admin_b", role=Role.ADMIN, is_staff=True)
    admin_b.sites.set([site_b])
    user = {"own administrator": admin_a, "other site": admin_b, "wrong role": clinician_a}[who]
    client = as_user(user)
    problems = []
    for url, names_row in admin_urls(clinic):
        def refused(response, names_row=names_row):
            return response.status_code == 302 and (
                "/admin/login/" in response["Location"] or names_row)
        problem = visit(client, user, url, clinic, refused_when=refused)
        if problem:
            problems.append(problem)
    assert problems == []
