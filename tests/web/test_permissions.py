"""Every staff page declares the action it needs (accounts.permissions), or says why it need not.

The walk covers every URL the resolver knows, so a page added without a declaration fails
here rather than in a review. Pages for patients (the portal's private links), Django's
admin (its own permissions), login, logout and the landing page are not staff pages.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orthoregen.web.accounts.permissions import requires, requires_any
from orthoregen.web.accounts.roles import Action

NOT_STAFF_PAGES = {"home", "login", "logout",
                   # Sign-in steps before any role applies (tests/web/accounts).
                   "second-factor-enrol", "second-factor-verify", "password_reset",
                   "password_reset_done", "password_reset_confirm",
                   "password_reset_complete",
                   # The API's OpenAPI document, its docs page and root: no patient data, and
                   # each API operation declares its actions (web/api/urls.py).
                   "openapi-json", "openapi-view", "api-root",
                   # FHIR's CapabilityStatement (fhir:metadata): read before signing in, no
                   # patient data (tests/web/fhir/test_server.py).
                   "metadata"}
NOT_STAFF_NAMESPACES = {"admin", "portal"}

# Open to any logged-in user, each with why: these pages read one patient's record through
# accounts.access.get_visible_or_404, which answers 404 to a role that may not see patients
# (the registry analyst), exactly as for another site's patient, so that the analyst cannot
# tell an existing record from a missing one (tests/web/registry/test_access.py).
OPEN_TO_ANY_LOGGED_IN = {
    "patient-detail": "the patient chart: a 404 through get_visible_or_404 for a role that "
                      "may not view patients",
    "cellbank:investigation-detail": "read by every clinician of the site from the patient "
                                     "chart; a 404 through get_visible_or_404 otherwise; "
                                     "closing it requires MANAGE_PRODUCTS",
    "registry:patient-report": "the patient's progress report: a 404 through "
                               "get_visible_or_404 for a role that may not view patients",
    "registry:patient-report-pdf": "the same report as a PDF, the same 404",
}


def staff_views(patterns=None, namespace=""):
    """Yield (url name, view) for every staff page the resolver knows."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_STAFF_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from staff_views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name not in NOT_STAFF_PAGES:
            yield f"{namespace}{entry.name}", entry.callback


STAFF_VIEWS = sorted(staff_views(), key=lambda pair: pair[0])


def test_the_walk_finds_the_pages_of_every_stage():
    names = {name for name, _ in STAFF_VIEWS}
    assert {"patient-list", "consultation:episode", "cellbank:units", "procedures:detail",
            "followup:worklist", "safety:ae-list", "evidence:library",
            "registry:dashboard"} <= names
    assert not any(name.startswith(("portal:", "admin:")) for name in names)


@pytest.mark.parametrize(("name", "view"), STAFF_VIEWS, ids=[n for n, _ in STAFF_VIEWS])
def test_every_staff_page_declares_its_action_or_why_not(name, view):
    actions = getattr(view, "required_actions", None)
    if name in OPEN_TO_ANY_LOGGED_IN:
        assert actions is None, f"{name} declares {actions}: take it off the open list"
        return
    assert actions, f"{name} declares no action: decorate it with requires(...)"
    assert all(isinstance(action, Action) for action in actions)


@pytest.mark.parametrize("name", sorted(OPEN_TO_ANY_LOGGED_IN))
def test_an_open_page_still_sends_an_anonymous_visitor_to_log_in(client, name):
    url = reverse(name, kwargs={key: 1 for key in _url_arguments(name)})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _url_arguments(name: str) -> list[str]:
    namespace, _, url_name = name.rpartition(":")
    resolver = get_resolver()
    if namespace:
        resolver = next(e for e in resolver.url_patterns
                        if isinstance(e, URLResolver) and e.namespace == namespace)
    pattern = next(e for e in resolver.url_patterns
                   if isinstance(e, URLPattern) and e.name == url_name)
    return list(pattern.pattern.converters)


def test_the_open_list_names_only_pages_that_exist():
    assert set(OPEN_TO_ANY_LOGGED_IN) <= {name for name, _ in STAFF_VIEWS}


def _page(request, **kwargs):
    return HttpResponse("ran")


@pytest.fixture
def get(rf: RequestFactory):
    def request_as(user):
        request = rf.get("/somewhere/")
        request.user = user
        return request
    return request_as


def test_requires_sends_an_anonymous_visitor_to_the_login_page(get):
    response = requires(Action.MANAGE_PRODUCTS)(_page)(get(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/somewhere/")


def test_requires_refuses_a_role_the_table_does_not_allow(get, coordinator_a, lab_a):
    page = requires(Action.MANAGE_PRODUCTS)(_page)
    with pytest.raises(PermissionDenied, match="Your role does not allow this."):
        page(get(coordinator_a))
    assert page(get(lab_a)).content == b"ran"
    assert page.required_action is Action.MANAGE_PRODUCTS
    assert page.required_actions == (Action.MANAGE_PRODUCTS,)


def test_requires_refuses_an_inactive_user(get, lab_a):
    lab_a.is_active = False
    with pytest.raises(PermissionDenied):
        requires(Action.MANAGE_PRODUCTS)(_page)(get(lab_a))


def test_requires_any_lets_either_role_in(get, lab_a, clinician_a, coordinator_a):
    page = requires_any(Action.MANAGE_PRODUCTS, Action.RECORD_PROCEDURE)(_page)
    assert page(get(lab_a)).content == b"ran"
    assert page(get(clinician_a)).content == b"ran"
    with pytest.raises(PermissionDenied):
        page(get(coordinator_a))


def test_requires_any_needs_an_action():
    with pytest.raises(ValueError):
        requires_any()


def test_a_wrong_role_gets_403_and_an_anonymous_visitor_the_login_page(client, as_user,
                                                                      coordinator_a):
    assert client.get("/cellbank/").status_code == 302
    assert client.get("/cellbank/")["Location"].startswith("/login/")
    assert as_user(coordinator_a).get("/cellbank/").status_code == 403


def test_the_role_is_refused_before_any_patient_is_looked_up(as_user, analyst_a, patient_a):
    # 403 whether or not the patient exists: a refused role learns nothing about the records.
    for patient_id in (patient_a.pk, patient_a.pk + 1000):
        response = as_user(analyst_a).get(f"/patients/{patient_id}/edit/")
        assert response.status_code == 403
