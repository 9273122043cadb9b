"""The access records are append-only and hash-chained; `orthoregen audit verify` finds a break.

On PostgreSQL the trigger of audit migration 0004 refuses UPDATE and DELETE; a row edited
with the trigger disabled (as the database's owner could) is still found by verify. On
SQLite, which has no trigger, verify finds an edit made in raw SQL.
"""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from orthoregen.cli import main
from orthoregen.web.audit.chain import GENESIS, link_hash
from orthoregen.web.audit.commands import chain_verify
from orthoregen.web.audit.models import (
    AccessAction,
    AccessChainHead,
    AccessRecord,
    AppendOnlyError,
)

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the append-only trigger is PostgreSQL's")


@pytest.fixture
def trail(db, as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    for _ in range(3):
        client.get(reverse("patient-detail", args=[patient_a.pk]))
    return list(AccessRecord.objects.order_by("sequence"))


def test_each_record_links_to_the_one_before(trail):
    assert [r.sequence for r in trail] == [1, 2, 3]
    assert trail[0].previous_hash == GENESIS
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.previous_hash == before.record_hash
    assert all(r.record_hash == link_hash(r.hashed_fields()) for r in trail)
    head = AccessChainHead.objects.get()
    assert (head.length, head.last_hash) == (3, trail[-1].record_hash)


def test_an_intact_chain_verifies(trail, capsys):
    assert chain_verify() is None
    assert main(["audit", "verify"]) == 0
    assert "3 access records, chain intact" in capsys.readouterr().out


def test_the_orm_refuses_to_change_or_delete_a_record(trail):
    record = trail[0]
    record.detail = "nothing to see"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(detail="x")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _disable_trigger():
    """Do what the database's owner could: switch the append-only trigger off."""
    if connection.vendor == "postgresql":
        # Run the deferred foreign-key checks first: ALTER TABLE refuses while any is pending.
        _raw("SET CONSTRAINTS ALL IMMEDIATE")
        _raw("ALTER TABLE audit_accessrecord DISABLE TRIGGER audit_accessrecord_append_only")


def test_verify_finds_a_record_edited_behind_the_orms_back(trail, capsys):
    _disable_trigger()
    _raw("UPDATE audit_accessrecord SET detail = %s WHERE id = %s", ["edited", trail[1].pk])
    broken = chain_verify()
    assert (broken.sequence, broken.record_id) == (2, trail[1].pk)
    assert "edited" in broken.reason
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at record 2" in capsys.readouterr().err


def test_verify_finds_a_deleted_record_and_a_cut_tail(trail):
    _disable_trigger()
    _raw("DELETE FROM audit_accessrecord WHERE id = %s", [trail[1].pk])
    broken = chain_verify()
    assert broken.sequence == 3 and "missing" in broken.reason
    _raw("DELETE FROM audit_accessrecord WHERE id = %s", [trail[2].pk])
    assert "head says 3 records but 1 remain" in chain_verify().reason


@postgresql_only
def test_postgresql_refuses_update_and_delete(trail):
    for sql in ("UPDATE audit_accessrecord SET detail = 'x'", "DELETE FROM audit_accessrecord"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql)
    assert AccessRecord.objects.count() == 3
    assert chain_verify() is None


def test_records_written_outside_the_web_join_the_chain(trail):
    AccessRecord.objects.create(action=AccessAction.EXPORT, path="orthoregen export",
                                detail="registry export")
    assert AccessRecord.objects.order_by("-sequence").first().sequence == 4
    assert chain_verify() is None
