"""The admin's consent texts and the start-up check of stored protocols."""

from orthoregen.web.consultation.checks import stored_protocols_check
from orthoregen.web.consultation.models import ConsentDocument, ProtocolVersion
from orthoregen.web.consultation.protocols import protocol_default


def test_admin_adds_no_consent_text_around_its_lifecycle(as_user, admin_a, site_a):
    """Consent texts are drafted, approved and published on their own pages
    (consultation.consent_documents); the admin only shows them."""
    response = as_user(admin_a).post("/admin/consultation/consentdocument/add/", {
        "site": site_a.pk, "title": "Consent", "version": "2", "text": "Plain words.",
        "status": "published",
    })
    assert response.status_code == 403
    assert not ConsentDocument.objects.exists()


def test_admin_cannot_change_a_published_consent_text(as_user, admin_a, consent_document_a):
    response = as_user(admin_a).post(
        f"/admin/consultation/consentdocument/{consent_document_a.pk}/change/",
        {"site": consent_document_a.site_id, "title": "x", "version": "9", "text": "changed"})
    assert response.status_code == 403
    consent_document_a.refresh_from_db()
    assert consent_document_a.version == "default-1"


def test_other_sites_consent_texts_are_hidden_in_admin(as_user, admin_a, site_b):
    from orthoregen.web.consultation.consent_text import consent_document_seed

    hidden = consent_document_seed(site_b)
    client = as_user(admin_a)
    change_url = f"/admin/consultation/consentdocument/{hidden.pk}/change/"
    assert client.get(change_url).status_code in (302, 403)  # a row it cannot see
    listing = client.get("/admin/consultation/consentdocument/")
    assert listing.status_code == 200 and change_url not in listing.content.decode()


def test_check_reports_a_broken_stored_protocol_by_rule(db):
    stored = protocol_default()
    body = dict(stored.body, rules=[dict(stored.body["rules"][0], source="")])
    ProtocolVersion.objects.create(name="broken", version="1", body=body)
    problems = stored_protocols_check(databases=["default"])
    assert [p.id for p in problems] == ["orthoregen.E001"]
    assert "rule KNEE-GRADE-01: source is empty" in problems[0].msg


def test_check_warns_when_the_default_changed_without_a_new_version(db):
    stored = protocol_default()
    changed = dict(stored.body, rules=stored.body["rules"][:-1])
    ProtocolVersion.objects.filter(pk=stored.pk).update(body=changed)
    assert [p.id for p in stored_protocols_check(databases=["default"])] == ["orthoregen.W001"]
