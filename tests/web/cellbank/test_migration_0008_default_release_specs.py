"""cellbank 0008 run on real rows: a site without release specifications gets the defaults,
published and with their history row; a site with its own keeps them, and nothing is added.

A transactional test (migrations change the schema, which needs real commits), once per
database; it migrates to the latest state again whatever happened.
"""

import datetime as dt

import pytest
from tests.web.migrating import back_to_latest, migrate, models_as_applied

from orthoregen.products.release import CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC, spec_to_json

BEFORE = [("cellbank", "0007_release_specs_governed")]
AFTER = [("cellbank", "0008_default_release_specs_for_every_site")]
pytestmark = pytest.mark.django_db(transaction=True)


def test_0008_stores_the_defaults_for_sites_without_specifications_only():
    with back_to_latest() as executor:
        migrate(executor, BEFORE)
        apps = models_as_applied(executor)
        sites = apps.get_model("accounts", "Site")
        bare = sites.objects.create(code="bare", name="No specifications")
        own = sites.objects.create(code="own", name="Its own specification")
        kept = apps.get_model("cellbank", "ReleaseSpecVersion").objects.create(
            site=own, spec_id="cultured_msc_default", version="2026.7",
            effective_from=dt.date(2026, 1, 1), specification={"criteria": []},
            status="published")

        migrate(executor, AFTER)
        apps = models_as_applied(executor)
        specs = apps.get_model("cellbank", "ReleaseSpecVersion")
        stored = {(s.spec_id, s.version): s for s in specs.objects.filter(site_id=bare.pk)}
        assert set(stored) == {(spec.spec_id, spec.version)
                               for spec in (CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC)}
        for spec in (CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC):
            row = stored[(spec.spec_id, spec.version)]
            assert (row.status, row.specification, row.effective_from) == (
                "published", spec_to_json(spec), spec.effective_from)
            assert row.published_at is not None and row.published_by_id is None
        history = apps.get_model("cellbank", "HistoricalReleaseSpecVersion").objects
        assert sorted(history.filter(site_id=bare.pk).values_list("id", "history_type")) == \
            sorted((row.pk, "+") for row in stored.values())
        assert list(specs.objects.filter(site_id=own.pk).values_list("pk", flat=True)) == [
            kept.pk]
