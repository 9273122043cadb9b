"""Link the access records written before the chain existed, oldest first, and set its head."""

from django.db import migrations

from orthoregen.web.audit.chain import GENESIS, HASHED_FIELDS, link_hash


def chain_existing(apps, schema_editor):
    AccessRecord = apps.get_model("audit", "AccessRecord")
    AccessChainHead = apps.get_model("audit", "AccessChainHead")
    previous, sequence = GENESIS, 0
    for record in AccessRecord.objects.order_by("id").iterator():
        sequence += 1
        record.sequence, record.previous_hash = sequence, previous
        record.record_hash = link_hash({name: getattr(record, name) for name in HASHED_FIELDS})
        record.save(update_fields=["sequence", "previous_hash", "record_hash"])
        previous = record.record_hash
    AccessChainHead.objects.update_or_create(pk=1, defaults={"length": sequence,
                                                             "last_hash": previous})


class Migration(migrations.Migration):

    dependencies = [("audit", "0002_access_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
