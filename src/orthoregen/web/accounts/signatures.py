"""Electronic signatures: a signed-in member of staff enters their password again to sign.

21 CFR Part 11: a signed record shows the signer's printed name, the date and time of signing
and its meaning (11.50(a)); a signature is linked to its record so that it cannot be excised,
copied or otherwise transferred to falsify another (11.70), here by a hash over the record's
identity and the content signed; a signature not based on biometrics has two components, an
identification code and a password (11.200(a)(1)): the signed-in session and the password
entered again at the moment of signing. Whether the session also passed the second factor is
kept with each signature.

Signatures and refused signings are both rows only ever added. A refusal (wrong password,
the same person signing twice, verifying one's own entry) is raised as SigningRefused; the
caller keeps it with `refusals_kept()` outside the transaction the refusal rolled back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest

    from orthoregen.web.accounts.models import User


class SignatureMeaning(models.TextChoices):
    RELEASE = "release", _("Release")
    CONDITIONAL_RELEASE = "conditional_release", _("Conditional release (pending sterility)")
    ELIGIBILITY_DETERMINATION = "eligibility_determination", _("Eligibility determination")
    QC_VERIFICATION = "qc_verification", _("QC verification")
    SECOND_PERSON_RELEASE = "second_person_release", _("Second-person release")
    PROTOCOL_APPROVAL = "protocol_approval", _("Approval of a protocol's changes")
    PROTOCOL_PUBLICATION = "protocol_publication", _("Publication of a protocol")
    CONSENT_DOCUMENT_APPROVAL = ("consent_document_approval",
                                 _("Approval of a consent document's changes"))
    CONSENT_DOCUMENT_PUBLICATION = ("consent_document_publication",
                                    _("Publication of a consent document"))
    RELEASE_SPEC_APPROVAL = ("release_spec_approval",
                             _("Approval of a release specification's changes"))
    RELEASE_SPEC_PUBLICATION = (
        "release_spec_publication", _("Publication of a release specification")
    )


class RefusalReason(models.TextChoices):
    WRONG_PASSWORD = "wrong_password", _("Wrong password")
    SAME_PERSON = "same_person", _("Same person signing twice")
    SELF_VERIFICATION = "self_verification", _("Verifying one's own entry")


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} rows are never deleted")


class Signature(AppendOnly):
    """One electronic signature of one record, with its meaning (21 CFR 11.50, 11.70)."""

    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="signatures")
    # As the record showed the signer at signing; a later change of name leaves it.
    printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=30, choices=SignatureMeaning.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    content = models.JSONField(help_text=_("What was signed, as the signer saw it."))
    content_hash = models.CharField(max_length=64)
    second_factor_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["signed_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_record")]
        constraints = [models.UniqueConstraint(
            fields=["content_type", "object_id"], condition=Q(meaning="qc_verification"),
            name="one_qc_verification_per_record")]

    def __str__(self) -> str:
        return f"{self.printed_name}, {self.get_meaning_display()}, {self.signed_at:%Y-%m-%d %H:%M}"

    def is_bound_to(self, record: models.Model) -> bool:
        """Say whether this signature was made on `record` and its content is unchanged."""
        return self.content_hash == content_hash(
            record=record, meaning=self.meaning, signer_id=self.signer_id,
            printed_name=self.printed_name, signed_at=self.signed_at, content=self.content)


class SigningRefusal(AppendOnly):
    """A signing refused: who tried, when, on which record, with which meaning and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="signing_refusals")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    meaning = models.CharField(max_length=30, choices=SignatureMeaning.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(max_length=30, choices=RefusalReason.choices)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} refused ({self.get_reason_display()}) at {self.at:%Y-%m-%d %H:%M}"


class SigningRefused(Exception):
    """A signing refused, with what `refusals_kept()` needs to keep a row of it."""

    def __init__(self, message: str, *, reason: str, signer: User, meaning: str,
                 record: models.Model) -> None:
        super().__init__(message)
        self.reason, self.signer, self.meaning, self.record = reason, signer, meaning, record


def printed_name(user: User) -> str:
    """Return the name a signature shows: the full name, else the user name."""
    return user.get_full_name() or user.username


def record_label(record: models.Model) -> str:
    """Return a record's identity as hashed: `app.model:pk`."""
    return f"{record._meta.label_lower}:{record.pk}"


def content_hash(*, record: models.Model, meaning: str, signer_id: int, printed_name: str,
                 signed_at: datetime, content: dict) -> str:
    """Return the SHA-256 of a signature's record, meaning, signer, time and content."""
    signed = {"record": record_label(record), "meaning": meaning, "signer": signer_id,
              "printed_name": printed_name,
              "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
              "content": content}
    text = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def signatures_of(record: models.Model) -> models.QuerySet[Signature]:
    """Return the signatures made on a record, oldest first."""
    return Signature.objects.filter(content_type=ContentType.objects.get_for_model(record),
                                    object_id=record.pk).select_related("signer")


def signature_sign(*, signer: User, password: str, meaning: str, record: models.Model,
                   content: dict, second_factor: bool = False,
                   at: datetime | None = None) -> Signature:
    """Sign one record as `signer`, who re-entered `password`; refuse a wrong password."""
    return signatures_sign(signer=signer, password=password, meaning=meaning,
                           records=[(record, content)], second_factor=second_factor, at=at)[0]


@transaction.atomic
def signatures_sign(*, signer: User, password: str, meaning: str,
                    records: Sequence[tuple[models.Model, dict]], second_factor: bool = False,
                    at: datetime | None = None) -> list[Signature]:
    """Sign several records with one re-entry of the password (a QC panel, say)."""
    if not records:
        raise ValueError("nothing to sign")
    if not (signer.is_active and signer.check_password(password)):
        raise SigningRefused(gettext("The password is not correct: nothing was signed."),
                             reason=RefusalReason.WRONG_PASSWORD, signer=signer,
                             meaning=meaning, record=records[0][0])
    at = at or timezone.now()
    name = printed_name(signer)
    return [Signature.objects.create(
        signer=signer, printed_name=name, signed_at=at, meaning=meaning,
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk,
        content=content, second_factor_verified=second_factor,
        content_hash=content_hash(record=record, meaning=meaning, signer_id=signer.pk,
                                  printed_name=name, signed_at=at, content=content))
        for record, content in records]


def signing_refusal_record(refused: SigningRefused) -> SigningRefusal:
    """Keep a row of a refused signing."""
    return SigningRefusal.objects.create(
        user=refused.signer, meaning=refused.meaning, reason=refused.reason,
        content_type=ContentType.objects.get_for_model(refused.record),
        object_id=refused.record.pk, detail=str(refused)[:500])


@contextmanager
def refusals_kept() -> Iterator[None]:
    """Keep a row of a signing refused in the block, then let the refusal go on.

    Use it outside the unit of work's transaction: the refusal rolled that back, and the
    row of it must not go with it.
    """
    try:
        yield
    except SigningRefused as refused:
        signing_refusal_record(refused)
        raise


def second_factor_verified(request: HttpRequest) -> bool:
    """Say whether the signed-in session passed the second factor (django-otp's is_verified)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())
