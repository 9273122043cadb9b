"""Who looked at which patient's data, when and from where.

Changes to patient data are kept by django-simple-history on each model; this table keeps
the reads, which history cannot see. Rows are only ever added, each linked to the one
before by a hash (audit/chain.py); on PostgreSQL a trigger refuses UPDATE and DELETE.
"""

from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orthoregen.web.audit.chain import GENESIS, HASHED_FIELDS, link_hash


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an access record."""


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed record")
    SEARCH = "search", _("Searched or listed patients")
    EXPORT = "export", _("Exported data")
    BULK_LOAD = "bulk_load", _("Loaded records in bulk")
    DENIED = "denied", _("Refused or not found")


class AccessChainHead(models.Model):
    """The end of the hash chain, one row: locked while a record is added (chain.py)."""

    length = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)


class AccessRecordQuerySet(models.QuerySet):
    """Refuses the bulk writes that would change or remove records or skip the chain."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Access records are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access records are never deleted.")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        # Each record needs its predecessor's hash: add them one by one through save().
        raise AppendOnlyError("Add access records one at a time, so each joins the chain.")

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("Access records are never changed.")


class AccessRecord(models.Model):
    SITE_PATH = "patient__site"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             related_name="access_records")
    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT, null=True,
                                related_name="access_records")
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    detail = models.CharField(max_length=500, blank=True)
    # The patient's site, kept in the record so that the chain covers it too.
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, default="", editable=False)
    record_hash = models.CharField(max_length=64, default="", editable=False)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Add the record at the end of the chain; an existing record is never saved again.

        Done here rather than in a service so that every writer (views, commands, bulk
        loads) joins the chain: a record outside it would read as tampering.
        """
        if not self._state.adding:
            raise AppendOnlyError("Access records are never changed.")
        using = kwargs.get("using") or "default"
        connection = connections[using]
        # Alone (no transaction around it, as for a page that only reads), the record's
        # transaction commits without waiting for the disk and the disk is waited for after
        # the chain head is free again (durable_commit_deferred, chain_durable_wait).
        alone = connection.vendor == "postgresql" and not connection.in_atomic_block
        # No savepoint of its own: a failed record fails the transaction around it, and the
        # trail costs a page three statements (head, record, head).
        with transaction.atomic(using=using, savepoint=False):
            if alone:
                durable_commit_deferred(connection)
            length, last_hash = _chain_head_advance(using)
            self.at = timezone.now()
            ip_field = self._meta.get_field("ip_address")
            assert isinstance(ip_field, models.Field)  # a column, never a reverse relation
            self.ip_address = ip_field.get_prep_value(self.ip_address)
            self.path, self.detail = self.path[:500], self.detail[:500]
            self.sequence, self.previous_hash = length, last_hash
            self.record_hash = link_hash(self.hashed_fields())
            super().save(*args, **kwargs)
            AccessChainHead.objects.using(using).filter(pk=1).update(last_hash=self.record_hash)
        if alone:
            chain_durable_wait(connection)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access records are never deleted.")

    def hashed_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.patient or ''} at {self.at:%Y-%m-%d %H:%M}"


def durable_commit_deferred(connection: Any) -> None:
    """Let the record's own transaction commit without waiting for the disk (PostgreSQL).

    Why: the chain head stays locked until the transaction ends, and a commit waits for the
    write-ahead log to reach the disk (several milliseconds; tens on a busy machine). Every
    other request that shows patient data queued behind that wait, one disk write at a time.
    Committed this way, the head is free as soon as the commit is in the log's memory; the
    wait for the disk happens afterwards, outside the lock, in chain_durable_wait, where
    PostgreSQL writes the log for all the requests waiting at that moment in one go.
    Only the setting of this transaction changes (SET LOCAL); nothing else commits so.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")


def chain_durable_wait(connection: Any) -> None:
    """Return only once the record just committed is on disk (PostgreSQL; see above).

    A transaction that takes a transaction id commits with the server's normal durability,
    which flushes the log up to its own commit record, so every earlier record with it: the
    log is written in order. No record is lost by deferring its own flush:

    - the page is not answered before this returns: a record not yet on disk belongs to a
      response not yet sent, and if this fails the request fails (500, nothing shown);
    - a crash loses only the unflushed end of the log, so only a tail of the chain, the
      head's row (updated in the same transactions) with it: verify still finds a whole
      chain, and none of the lost records was for a page anyone saw.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()")


def _chain_head_advance(using: str) -> tuple[int, str]:
    """Lock the chain head, count one more record, and return the count and the last hash.

    The UPDATE takes the head's lock before anything is read: a row lock on PostgreSQL (as
    SELECT ... FOR UPDATE would), the database's write lock on SQLite, where SELECT ... FOR
    UPDATE does nothing. A second writer waits here until the first commits, so the chain
    stays linear. RETURNING (PostgreSQL; SQLite 3.35+) reads the head in the same statement.
    """
    connection = connections[using]
    table = connection.ops.quote_name(AccessChainHead._meta.db_table)

    def advanced() -> tuple[Any, ...] | None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET length = length + 1 WHERE id = 1 "
                           "RETURNING length, last_hash")
            return cursor.fetchone()

    row = advanced()
    if row is None:  # a new database, or one emptied by a test's flush
        # Several first records may arrive at once: each inserts the genesis head unless one
        # is there (ON CONFLICT DO NOTHING waits for a concurrent insert to commit, and does
        # not abort the transaction as a duplicate key would), then takes it like any other.
        AccessChainHead.objects.using(using).bulk_create(
            [AccessChainHead(pk=1, length=0, last_hash=GENESIS)], ignore_conflicts=True)
        row = advanced()
    assert row is not None  # the head exists now: inserted above or by a concurrent writer
    return int(row[0]), str(row[1])
