"""cellbank 0007 run on real rows: stored release specifications become published, with their
storage time as publication time; going back is refused by name while a draft exists (it
would judge units once the status is gone) and works when every version is published.

A transactional test (migrations change the schema, which needs real commits), once per
database; it migrates to the latest state again whatever happened.
"""

import datetime as dt

import pytest
from django.db.migrations.exceptions import IrreversibleError
from tests.web.migrating import back_to_latest, migrate, models_as_applied

BEFORE = [("cellbank", "0006_procedure_joint_image_reference")]
AFTER = [("cellbank", "0007_release_specs_governed")]
STORED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db(transaction=True)


def test_0007_publishes_stored_specifications_and_goes_back_only_without_drafts():
    with back_to_latest() as executor:
        migrate(executor, BEFORE)
        apps = models_as_applied(executor)
        site = apps.get_model("accounts", "Site").objects.create(code="mig", name="Migration")
        specs = apps.get_model("cellbank", "ReleaseSpecVersion")
        stored = specs.objects.create(site=site, spec_id="cultured_msc_default",
                                      version="2026.1", effective_from=dt.date(2026, 1, 1),
                                      specification={"criteria": []})
        specs.objects.filter(pk=stored.pk).update(created_at=STORED_AT)

        migrate(executor, AFTER)
        specs = models_as_applied(executor).get_model("cellbank", "ReleaseSpecVersion")
        migrated = specs.objects.get(pk=stored.pk)
        assert (migrated.status, migrated.published_at, migrated.published_by_id) == (
            "published", STORED_AT, None)

        draft = specs.objects.create(site_id=site.pk, spec_id="cultured_msc_default",
                                     version="2026.2", effective_from=dt.date(2026, 1, 1),
                                     specification={"criteria": []}, status="draft")
        with pytest.raises(IrreversibleError, match="cultured_msc_default 2026.2"):
            migrate(executor, BEFORE)
        specs.objects.filter(pk=draft.pk).delete()
        migrate(executor, BEFORE)  # every version published: nothing is lost going back
        assert models_as_applied(executor).get_model(
            "cellbank", "ReleaseSpecVersion").objects.filter(pk=stored.pk).exists()
