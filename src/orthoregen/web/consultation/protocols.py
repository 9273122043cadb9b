"""Units of work on stored protocol versions: load the default, copy, edit a draft, and
take it through validation, a second person's approval of its difference, and publication
(consultation.governance; docs/governance.md).

The shipped default protocol (pathways.DEFAULT_PROTOCOL) is stored lazily, on first use,
rather than by a data migration: a migration must never change once shipped, while the
default gains versions with orthoregen releases. Each new default version is stored the
first time it is asked for; an older stored version is left exactly as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orthoregen.pathways import (
    DEFAULT_PROTOCOL,
    ProtocolError,
    ProtocolStatus,
    copy_as_draft,
    protocol_from_dict,
    protocol_to_dict,
    publish,
)
from orthoregen.web.consultation import governance
from orthoregen.web.consultation.checks import protocol_version_errors
from orthoregen.web.consultation.governance import ProtocolLocked, Review
from orthoregen.web.consultation.models import ProtocolVersion

if TYPE_CHECKING:
    from collections.abc import Iterable

    from orthoregen.web.accounts.models import Site, User


def protocol_default() -> ProtocolVersion:
    """Return the stored shipped default protocol, storing it on first use."""
    lookup = {"name": DEFAULT_PROTOCOL.name, "version": DEFAULT_PROTOCOL.version}
    stored = ProtocolVersion.objects.filter(**lookup).first()
    if stored:
        return stored
    try:
        with transaction.atomic():
            return ProtocolVersion.objects.create(
                **lookup, status=ProtocolVersion.Status.PUBLISHED,
                body=protocol_to_dict(DEFAULT_PROTOCOL), published_at=timezone.now())
    except IntegrityError:  # another request stored it first
        return ProtocolVersion.objects.get(**lookup)


def protocol_current(site: Site) -> ProtocolVersion:
    """Return the protocol a site assesses with: its latest published version, or the default."""
    own = ProtocolVersion.objects.filter(site=site, status=ProtocolVersion.Status.PUBLISHED) \
        .order_by("-published_at", "-id").first()
    return own or protocol_default()


def protocols_visible(site_ids: Iterable[Site] | QuerySet[Site]) -> Any:
    """Return the protocol versions an administrator of ``site_ids`` may see."""
    return ProtocolVersion.objects.filter(Q(site__isnull=True) | Q(site__in=site_ids)) \
        .select_related("site", "created_by", "approved_by", "published_by")


@transaction.atomic
def protocol_copy(source: ProtocolVersion, *, version: str, site: Site | None,
                  by: User) -> ProtocolVersion:
    """Copy ``source`` as an editable draft with a new version for ``site``, written by ``by``.

    Refuses (LifecycleRefused) someone who may not govern ``site``'s protocols (a shared
    one, ``site`` None: the platform operator's), and (ValidationError on ``version``,
    nothing saved) a version that another administrator stored after the copy form checked
    it was free.
    """
    draft = copy_as_draft(source.protocol(), version)
    stored = ProtocolVersion(name=draft.name, version=draft.version,
                             status=ProtocolVersion.Status.DRAFT, site=site,
                             body=protocol_to_dict(draft), copied_from=source, created_by=by)
    governance.refuse_unless_may_govern(stored, by=by, step="draft")
    try:
        with transaction.atomic():
            stored.save()
            return stored
    except IntegrityError:
        taken = ProtocolVersion.objects.filter(name=draft.name, version=draft.version) \
            .select_related("created_by").first()
        if taken is None:
            raise
        raise ValidationError({"version": _taken_meanwhile(taken)}) from None


def _taken_meanwhile(taken: ProtocolVersion) -> str:
    who = _("someone else")
    if taken.created_by is not None:
        who = taken.created_by.get_full_name() or taken.created_by.get_username()
    when = timezone.localtime(taken.created_at)
    return _("%(version)s was created by %(who)s at %(time)s on %(date)s while you were "
             "copying; nothing was saved. Choose another version.") % {
                 "version": taken, "who": who, "time": date_format(when, "H:i"),
                 "date": date_format(when, "d M Y")}


@transaction.atomic
def protocol_draft_update(stored: ProtocolVersion, body: Any, *,
                          by: User | None = None) -> ProtocolVersion:
    """Replace a draft's rules with ``body``'s, validated; ProtocolError names the rule.

    The name, version and status stay the record's own: a draft cannot publish itself or
    take another version's number by an edit. An edit voids any validation or approval
    and makes ``by`` one of its authors, who may then not approve it.
    """
    stored = ProtocolVersion.objects.select_for_update().get(pk=stored.pk)
    if stored.is_published:
        raise ProtocolLocked(_("%(version)s is published and cannot change; copy it as a "
                               "draft.") % {"version": stored})
    if not isinstance(body, dict):
        raise ProtocolError(_("the protocol must be a JSON object"))
    stored.body = {**body, "name": stored.name, "version": stored.version,
                   "status": ProtocolStatus.DRAFT.value}
    _refuse_invalid(stored)
    stored.body = protocol_to_dict(protocol_from_dict(stored.body))
    governance.mark_edited(stored, by=by)
    stored.save()
    return stored


def protocol_review(stored: ProtocolVersion) -> Review:
    """Return the difference between the version in use at ``stored``'s clinic and it."""
    baseline = protocol_current(stored.site) if stored.site else protocol_default()
    return governance.review_of(None if baseline.pk == stored.pk else baseline, stored,
                                body="body")


def _publish_body(stored: ProtocolVersion) -> None:
    # The body says published too: decisions read the protocol from it (checks E001).
    stored.body = protocol_to_dict(publish(stored.protocol()))


# The system's checks are orthoregen.E001's; a version they object to is refused at
# publication with ProtocolError in their words, as an edit is.
STEPS = governance.GovernedKind[ProtocolVersion](
    model=ProtocolVersion, problems=protocol_version_errors, review=protocol_review,
    invalid=lambda stored, problems: ProtocolError("; ".join(problems)),
    on_publish=_publish_body)
protocol_validate, protocol_approve, protocol_publish = STEPS.validate, STEPS.approve, STEPS.publish


def _refuse_invalid(stored: ProtocolVersion) -> None:
    """Raise ProtocolError with the messages orthoregen.E001 would report for ``stored``."""
    errors = protocol_version_errors(stored)
    if errors:
        raise ProtocolError("; ".join(errors))
