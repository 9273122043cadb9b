"""Change control shared by governed configuration (candidacy and follow-up protocols, consent
documents, release specifications).

A version moves draft -> validated -> approved -> published, one step per service call
(each kind's steps are those of a ``GovernedKind``):

- validated: the system's own checks (the start-up checks' words) found nothing wrong;
- approved: a second person, never its author, read the difference from the version then
  in use at its clinic and approved exactly that difference (its text is kept);
- published: in use from now on, and never changed again.

Approval and publication are electronic signatures (21 CFR 11.200(a)(1)): the signer, signed
in, enters their password again, and the signature keeps their printed name, the time and
the meaning of the act (11.50), bound to the version by a hash (accounts.signatures). The
steps take what the signer entered (`Signing`) and sign themselves, so no caller can approve
or publish without the password; a wrong one is refused, nothing changes, and the attempt is
kept (`signing_refusals`).

Any edit sends a version back to draft, so an approval always covers what is published.
The lifecycle is explained, with its sources, in docs/governance.md.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orthoregen.web.accounts.roles import Action
from orthoregen.web.accounts.signatures import (
    Signature,
    SignatureMeaning,
    SigningRefused,
    refusals_kept,
    signature_sign,
    signatures_of,
)

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


class Lifecycle(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    VALIDATED = "validated", gettext_lazy("Validated")
    APPROVED = "approved", gettext_lazy("Approved")
    PUBLISHED = "published", gettext_lazy("Published")


class ProtocolLocked(Exception):
    """A published protocol version was about to change."""


class LifecycleRefused(Exception):
    """A step was asked for out of turn, or by someone who may not take it."""


class SignatureRefused(LifecycleRefused):
    """The signer's password was not correct: nothing was signed or changed."""


class ValidationRefused(LifecycleRefused):
    """The system's checks found problems; ``problems`` lists them in the checks' words."""

    def __init__(self, label: str, problems: list[str]) -> None:
        super().__init__(_("%(version)s cannot be validated: %(problems)s")
                         % {"version": label, "problems": "; ".join(problems)})
        self.problems = problems


def _user_fk() -> models.ForeignKey:
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")


class GovernedVersion(models.Model):
    """Who wrote, validated, approved and published a version, and when."""

    status = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.DRAFT)
    created_by = _user_fk()
    edited_by = _user_fk()
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = _user_fk()
    reviewed_against = models.ForeignKey("self", on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+",
                                         help_text=gettext_lazy("the published version the "
                                                                "approver compared it with"))
    approval_diff = models.TextField(blank=True,
                                     help_text=gettext_lazy("the difference the approver read"))
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = _user_fk()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = _user_fk()

    # Fields a published version may still change: none, unless a model says otherwise.
    mutable_when_published: ClassVar[frozenset[str]] = frozenset()
    # What the signer's approval and publication mean, kept with each signature (21 CFR
    # 11.50(a)(3)): a kind other than a protocol names its own.
    approval_meaning: ClassVar[str] = SignatureMeaning.PROTOCOL_APPROVAL
    publication_meaning: ClassVar[str] = SignatureMeaning.PROTOCOL_PUBLICATION

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Lifecycle.PUBLISHED

    def signatures(self) -> models.QuerySet[Signature]:
        """Return the electronic signatures of this version's approval and publication."""
        return signatures_of(self)

    def author_ids(self) -> set[int]:
        """Return the ids of everyone who wrote this version's content."""
        return {pk for pk in (self.created_by_id, self.edited_by_id) if pk is not None}

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The last guard, for any code path that forgets the services' refusal.
        if self.pk is not None:
            rows: Any = type(self)._default_manager  # Any: the stubs' plugin fails on abstract
            before = rows.filter(pk=self.pk).values().first()
            if before and before["status"] == Lifecycle.PUBLISHED:
                changed = {field.attname for field in self._meta.concrete_fields
                           if getattr(self, field.attname) != before[field.attname]}
                if changed - self.mutable_when_published:
                    raise ProtocolLocked(_("%(version)s is published and cannot change; "
                                           "copy it as a new draft.") % {"version": self})
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_published:
            raise ProtocolLocked(_("%(version)s is published and cannot be deleted.")
                                 % {"version": self})
        return super().delete(*args, **kwargs)


@dataclass(frozen=True)
class Review:
    """The difference an approver reads: from the published version in use to this one."""

    baseline: Any  # the published version of the same kind, or None for a first version
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def digest(self) -> str:
        """Return a fingerprint of what was shown, so an approval covers exactly that."""
        seen = f"{getattr(self.baseline, 'pk', None)}\n{self.text}"
        return hashlib.sha256(seen.encode()).hexdigest()


def review_of(baseline: Any, version: Any, *, body: str) -> Review:
    """Return the line-by-line difference of two versions' ``body`` field, pretty-printed."""
    def lines(stored: Any) -> list[str]:
        if stored is None:
            return []
        return json.dumps(getattr(stored, body), indent=2, sort_keys=True,
                          ensure_ascii=False).splitlines()

    diff = difflib.unified_diff(lines(baseline), lines(version),
                                fromfile=str(baseline) if baseline else "(nothing published)",
                                tofile=str(version), lineterm="", n=3)
    return Review(baseline=baseline, lines=tuple(diff))


@dataclass(frozen=True)
class Signing:
    """What a signer entered to sign a step: their password again (21 CFR 11.200(a)(1)), and
    whether their session passed the second factor, kept with the signature."""

    password: str = field(repr=False)
    second_factor: bool = False


@contextmanager
def signing_refusals() -> Iterator[None]:
    """Keep a row of a signing refused in the block and pass it on as a SignatureRefused.

    Use it outside the step's transaction, which the refusal rolls back.
    """
    try:
        with refusals_kept():
            yield
    except SigningRefused as refused:
        raise SignatureRefused(str(refused)) from None


def _signed(version: GovernedVersion, *, by: User, signing: Signing, meaning: str,
            content: dict) -> Signature:
    return signature_sign(signer=by, password=signing.password, meaning=meaning,
                          record=version, content=content,
                          second_factor=signing.second_factor)


def refuse_unless_may_govern(version: GovernedVersion, *, by: User, step: str,
                             action: Action = Action.MANAGE_PROTOCOLS,
                             kind: str = "protocols") -> None:
    """Refuse ``by`` unless their role may take ``action`` and the version is theirs to govern.

    A clinic's version is governed by that clinic's administrators; a version shared by
    every clinic (no site) by the platform operator alone.
    """
    # Imported here: accounts.admin registers admin pages as it loads.
    from orthoregen.web.accounts.admin import is_platform_operator

    if not by.is_authenticated or not by.may(action):
        raise LifecycleRefused(_("Your role may not %(step)s %(kind)s.")
                               % {"step": step, "kind": kind})
    site_id = getattr(version, "site_id", None)
    if site_id is None:
        if not is_platform_operator(by):
            raise LifecycleRefused(_("%(version)s is shared by every clinic: only the "
                                     "platform operator may %(step)s it.")
                                   % {"version": version, "step": step})
    elif not by.sites.filter(pk=site_id).exists():
        raise LifecycleRefused(_("%(version)s belongs to another clinic.")
                               % {"version": version})


def mark_edited(version: GovernedVersion, *, by: User | None) -> None:
    """Send ``version`` back to draft: an edit voids its validation and approval."""
    if version.is_published:
        raise ProtocolLocked(_("%(version)s is published and cannot change; copy it as a new "
                               "draft.") % {"version": version})
    version.status = Lifecycle.DRAFT
    version.edited_by = by if by is not None else version.edited_by
    version.validated_at = version.validated_by = None
    version.approved_at = version.approved_by = version.reviewed_against = None
    version.approval_diff = ""


def mark_validated(version: GovernedVersion, *, problems: list[str], by: User) -> None:
    """Record that the system's checks passed, or refuse with what they found."""
    if version.is_published:
        raise ProtocolLocked(_("%(version)s is already published.") % {"version": version})
    if problems:
        raise ValidationRefused(str(version), problems)
    # Validating again (e.g. after another version was published) voids an approval.
    version.approved_at = version.approved_by = version.reviewed_against = None
    version.approval_diff = ""
    version.status = Lifecycle.VALIDATED
    version.validated_at, version.validated_by = timezone.now(), by


def mark_approved(version: GovernedVersion, *, review: Review, seen_digest: str, by: User,
                  signing: Signing) -> Signature:
    """Record a second person's signed approval of exactly the difference they read.

    Refused steps are refused before the password is checked; a wrong password raises
    SigningRefused (keep it with ``signing_refusals``) and changes nothing.
    """
    if version.is_published:
        raise ProtocolLocked(_("%(version)s is already published.") % {"version": version})
    if version.status != Lifecycle.VALIDATED:
        raise LifecycleRefused((_("%(version)s must be validated by the system's checks "
                                  "before it is approved.") if version.status == Lifecycle.DRAFT
                                else _("%(version)s is already approved."))
                               % {"version": version})
    if by.pk in version.author_ids():
        raise LifecycleRefused(_("You wrote %(version)s; a second person must approve it.")
                               % {"version": version})
    if seen_digest != review.digest:
        raise LifecycleRefused(_("The difference has changed since you opened it; read it "
                                 "again before approving."))
    signature = _signed(version, by=by, signing=signing,
                        meaning=version.approval_meaning,
                        content={"version": str(version),
                                 "against": getattr(review.baseline, "pk", None),
                                 "against_version": str(review.baseline or ""),
                                 "difference": review.text,
                                 "difference_sha256": review.digest})
    version.status = Lifecycle.APPROVED
    version.approved_at, version.approved_by = signature.signed_at, by
    version.reviewed_against, version.approval_diff = review.baseline, review.text
    return signature


def mark_published(version: GovernedVersion, *, review: Review, by: User,
                   signing: Signing) -> Signature:
    """Record the signed publication of an approved version whose approved difference still
    holds; a wrong password raises SigningRefused and changes nothing."""
    if version.is_published:
        raise ProtocolLocked(_("%(version)s is already published.") % {"version": version})
    if version.status != Lifecycle.APPROVED:
        raise LifecycleRefused(_("%(version)s has not been approved by a second person, so "
                                 "it cannot be published.") % {"version": version})
    if (getattr(version, "reviewed_against_id", None) != getattr(review.baseline, "pk", None)
            or version.approval_diff != review.text):
        raise LifecycleRefused(_("Another version was published after %(version)s was "
                                 "approved; validate it and have it approved again.")
                               % {"version": version})
    signature = _signed(version, by=by, signing=signing,
                        meaning=version.publication_meaning,
                        content={"version": str(version),
                                 "against": getattr(review.baseline, "pk", None),
                                 "difference_sha256": review.digest,
                                 "approved_by": version.approved_by_id})
    version.status = Lifecycle.PUBLISHED
    version.published_at, version.published_by = signature.signed_at, by
    return signature


V = TypeVar("V", bound=GovernedVersion)


def _nothing_more(stored: Any, *, step: str) -> None:
    """Refuse nothing beyond the shared rules."""


def _after_nothing(stored: Any) -> None:
    """Change nothing beyond the lifecycle's own fields."""


def _validation_refused(stored: GovernedVersion, problems: list[str]) -> Exception:
    return ValidationRefused(str(stored), problems)


@dataclass(frozen=True)
class GovernedKind(Generic[V]):
    """The validate, approve and publish steps of one kind of governed version, each a unit
    of work: lock the stored row, refuse what the kind and the shared rules refuse, record
    the step (signed where it is a signature), save.

    A kind says only what is its own: its model, its system's checks (``problems``), the
    difference an approver reads (``review``), who may take the steps (``action``, named in
    refusals as ``kind``), a refusal of its own before any step (``refuse_locked``, given the
    step's participle: "validated", "approved", "published"), how a publication the checks
    object to is refused (``invalid``) and what else publication changes (``on_publish``).
    """

    model: type[V]
    problems: Callable[[V], list[str]]
    review: Callable[[V], Review]
    action: Action = Action.MANAGE_PROTOCOLS
    kind: str = "protocols"
    refuse_locked: Callable[..., None] = _nothing_more
    invalid: Callable[[V, list[str]], Exception] = _validation_refused
    on_publish: Callable[[V], None] = _after_nothing

    def _locked(self, stored: V, *, step: str, participle: str, by: User) -> V:
        rows: Any = self.model._default_manager  # Any: the stubs' plugin fails on generics
        stored = rows.select_for_update().get(pk=stored.pk)
        self.refuse_locked(stored, step=participle)
        if step == "publish" and stored.is_published:
            raise ProtocolLocked(_("%(version)s is already published.") % {"version": stored})
        refuse_unless_may_govern(stored, by=by, step=step, action=self.action, kind=self.kind)
        return stored

    @transaction.atomic
    def validate(self, stored: V, *, by: User) -> V:
        """Run the system's checks on a draft and record that it passed.

        Refuses with ValidationRefused, listing the checks' messages, and changes nothing.
        """
        stored = self._locked(stored, step="validate", participle="validated", by=by)
        mark_validated(stored, problems=self.problems(stored), by=by)
        stored.save()
        return stored

    def approve(self, stored: V, *, seen_digest: str, by: User, signing: Signing) -> V:
        """Record ``by``'s signed approval of the difference they read (``seen_digest``).

        Refuses the version's own author, a draft not yet validated, a difference that
        changed after it was shown (another version published meanwhile), and a wrong
        password (SignatureRefused, the attempt kept; nothing changes).
        """
        with signing_refusals():
            return self._approve(stored, seen_digest=seen_digest, by=by, signing=signing)

    @transaction.atomic
    def _approve(self, stored: V, *, seen_digest: str, by: User, signing: Signing) -> V:
        stored = self._locked(stored, step="approve", participle="approved", by=by)
        mark_approved(stored, review=self.review(stored), seen_digest=seen_digest, by=by,
                      signing=signing)
        stored.save()
        return stored

    def publish(self, stored: V, *, by: User, signing: Signing) -> V:
        """Publish an approved version, signed by ``by``; from then on it never changes.

        The system's checks run again first (``invalid``), then the approval must still
        cover the difference from the version in use (LifecycleRefused if another was
        published meanwhile); a wrong password is refused (SignatureRefused, the attempt
        kept).
        """
        with signing_refusals():
            return self._publish(stored, by=by, signing=signing)

    @transaction.atomic
    def _publish(self, stored: V, *, by: User, signing: Signing) -> V:
        stored = self._locked(stored, step="publish", participle="published", by=by)
        problems = self.problems(stored)
        if problems:
            raise self.invalid(stored, problems)
        mark_published(stored, review=self.review(stored), by=by, signing=signing)
        self.on_publish(stored)
        # save() checks the stored row, which is still approved; after this it refuses changes.
        stored.save()
        return stored


def diff_rows(review: Review) -> list[tuple[str, str]]:
    """Return each line of a review with its kind (added, removed, hunk, file, same)."""
    def kind(line: str) -> str:
        if line.startswith(("+++", "---")):
            return "file"
        return {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")

    return [(kind(line), line) for line in review.lines]
