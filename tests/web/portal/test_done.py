"""Closing the results page: only a posted form does it, and only the portal's own keys go.

A GET of /portal/done/ used to flush the whole session, so a link or an image on any other
site could sign a member of staff out (OWASP ASVS 4.0.3 4.2.2: no state change on GET).
"""

import pytest

pytestmark = pytest.mark.django_db


def test_a_get_of_the_portal_done_page_changes_no_session(as_user, clinician_a):
    client = as_user(clinician_a)
    session = client.session
    session["portal_patient"] = 1
    session.save()
    response = client.get("/portal/done/")
    assert response.status_code == 200
    assert "_auth_user_id" in client.session and client.session["portal_patient"] == 1


def test_closing_portal_results_keeps_a_staff_member_signed_in(as_user, clinician_a):
    client = as_user(clinician_a)
    session = client.session
    session.update({"portal_patient": 1, "portal_until": 9e9, "portal_done_tokens": ["t"]})
    session.save()
    response = client.post("/portal/done/")
    assert response["Location"] == "/portal/done/"
    assert "_auth_user_id" in client.session
    assert not {"portal_patient", "portal_until", "portal_done_tokens"} & set(client.session.keys())
    assert client.get("/portal/results/").status_code == 404


def test_the_results_page_closes_with_a_posted_form():
    from pathlib import Path

    import orthoregen.web.portal as portal

    template = Path(portal.__file__).parent / "templates" / "portal" / "results.html"
    assert '<form method="post" action="{{ done_url }}">{% csrf_token %}' in \
        template.read_text()
