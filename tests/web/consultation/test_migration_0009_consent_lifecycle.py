"""Consultation 0009 (consent documents join the governed lifecycle) run on real rows.

The test database is at the latest migration. The test goes back to 0008 for real, writes
consent documents with the models of that state (a published flag), runs 0009 forwards and
checks each became what the migration says: published -> status published since it was
stored; unpublished -> draft; the change-history rows alike. Then it runs 0009 backwards and
checks the flag came back, and migrates to the latest state again whatever happened.

A transactional test (migrations change the schema, which needs real commits), once per
database.
"""

import datetime as dt

import pytest
from tests.web.migrating import back_to_latest, migrate, models_as_applied

BEFORE = [("consultation", "0008_governed_protocol_lifecycle")]
AFTER = [("consultation", "0009_consent_document_lifecycle")]
STORED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db(transaction=True)


def _documents_at_0008(apps) -> dict[str, int]:
    site = apps.get_model("accounts", "Site").objects.create(code="mig9", name="Migration site")
    document = apps.get_model("consultation", "ConsentDocument")
    history = apps.get_model("consultation", "HistoricalConsentDocument")
    made = {}
    for version, published in (("1", True), ("2", False)):
        row = document.objects.create(site=site, title="Consent", version=version,
                                      text=f"Text {version}.", sha256="0" * 64,
                                      published=published)
        document.objects.filter(pk=row.pk).update(created_at=STORED_AT)  # auto_now_add
        history.objects.create(id=row.pk, site_id=site.pk, title="Consent", version=version,
                               text=f"Text {version}.", sha256="0" * 64, published=published,
                               created_at=STORED_AT, history_date=STORED_AT,
                               history_type="+")
        made[version] = row.pk
    return made


def test_0009_turns_the_published_flag_into_the_lifecycle_and_back():
    with back_to_latest() as executor:
        migrate(executor, BEFORE)  # unapplies 0009 for real
        made = _documents_at_0008(models_as_applied(executor))
        migrate(executor, AFTER)
        apps = models_as_applied(executor)
        for name in ("ConsentDocument", "HistoricalConsentDocument"):
            rows = apps.get_model("consultation", name).objects
            published, draft = rows.get(id=made["1"]), rows.get(id=made["2"])
            assert (published.status, published.published_at) == ("published", STORED_AT)
            assert (draft.status, draft.published_at) == ("draft", None)
            assert published.approved_by_id is None and published.approval_diff == ""

        migrate(executor, BEFORE)
        apps = models_as_applied(executor)
        for name in ("ConsentDocument", "HistoricalConsentDocument"):
            rows = apps.get_model("consultation", name).objects
            assert rows.get(id=made["1"]).published is True
            assert rows.get(id=made["2"]).published is False
