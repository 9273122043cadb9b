# Written by hand on 2026-12-07: a data migration only.
"""Every site without release specifications gets the defaults, published by the system.

From now on a site receives them when it is created (cellbank.services.release.site_created),
so that judging a unit only reads instead of asking first whether the site has any. The
defaults are the core's (products.release), as release_specs_ensure stores them; each stored
row gets its "+" history row, as bulk_create_with_history writes for a new site.
"""

from django.db import migrations
from django.utils import timezone

from orthoregen.products.release import CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC, spec_to_json

REASON = "cellbank 0008: the default release specifications of a site that had none"


def store_default_specifications(apps, schema_editor):
    sites = apps.get_model("accounts", "Site")
    specs = apps.get_model("cellbank", "ReleaseSpecVersion")
    history = apps.get_model("cellbank", "HistoricalReleaseSpecVersion")
    now = timezone.now()
    missing = list(sites.objects.exclude(pk__in=specs.objects.values("site")).order_by("pk"))
    stored = specs.objects.bulk_create([
        specs(site=site, spec_id=spec.spec_id, version=spec.version,
              effective_from=spec.effective_from, specification=spec_to_json(spec),
              status="published", published_at=now)
        for site in missing for spec in (CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC)])
    if stored and stored[0].pk is None:  # a database that returns no keys from bulk inserts
        stored = list(specs.objects.filter(published_at=now, site__in=missing))
    fields = [field.attname for field in specs._meta.concrete_fields]
    history.objects.bulk_create([
        history(**{name: getattr(row, name) for name in fields}, history_date=now,
                history_type="+", history_change_reason=REASON)
        for row in stored])


class Migration(migrations.Migration):

    dependencies = [
        ('cellbank', '0007_release_specs_governed'),
    ]

    # Going back keeps the rows: units may have been judged, and released, against them.
    operations = [
        migrations.RunPython(store_default_specifications, migrations.RunPython.noop),
    ]
