"""Follow-up protocol versions: the active one for a clinic, and their governed lifecycle.

A new version is drafted (a copy of a published one), validated by the start-up checks
(web/followup/checks.py), approved by a second person who read its difference from the
version in use, then published (consultation.governance; docs/governance.md). Publishing
makes it the active version of its clinic, or the shared one; schedules already made keep
the version they were built from, since a schedule points at its version and nothing here
touches schedules.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL, protocol_from_json, protocol_to_json
from orthoregen.web.consultation import governance
from orthoregen.web.consultation.governance import Review
from orthoregen.web.followup.checks import schedule_protocol_errors
from orthoregen.web.followup.models import ScheduleProtocolVersion

if TYPE_CHECKING:
    from collections.abc import Iterable

    from orthoregen.web.accounts.models import Site, User

PUBLISHED = ScheduleProtocolVersion.Status.PUBLISHED


def active_protocol(site: Site | None = None) -> ScheduleProtocolVersion:
    """Return the version new schedules at ``site`` use: its own, else the shared one.

    The shared one is the shipped default, stored as published by the system on first use.
    """
    if site is not None:
        own = ScheduleProtocolVersion.objects.filter(site=site, is_active=True).first()
        if own is not None:
            return own
    active = ScheduleProtocolVersion.objects.filter(site__isnull=True, is_active=True).first()
    if active is not None:
        return active
    version, _ = ScheduleProtocolVersion.objects.get_or_create(
        version=DEFAULT_PROTOCOL.version,
        defaults={"definition": protocol_to_json(DEFAULT_PROTOCOL), "is_active": True,
                  "status": PUBLISHED, "published_at": timezone.now()},
    )
    return version


def schedule_protocols_visible(sites: Iterable[Site] | QuerySet[Site]) -> Any:
    """Return the versions an administrator of ``sites`` may see: theirs and the shared."""
    return ScheduleProtocolVersion.objects.filter(Q(site__isnull=True) | Q(site__in=sites)) \
        .select_related("site", "created_by", "approved_by", "published_by")


@transaction.atomic
def schedule_protocol_create(*, version: str, definition: Any,
                             activate: bool = False) -> ScheduleProtocolVersion:
    """Store a shared version as the system, for seeding (demo, tests, the shipped default).

    With ``activate`` it is stored published and new schedules use it from now on; without,
    as a draft. No person is named: a person's change goes through the lifecycle below.
    Refuses (ValidationError on ``definition``, nothing saved) a definition with the errors
    of orthoregen.E002 or E003, in the words the system check uses.
    """
    if activate:
        _deactivate(site=None)
    stored = ScheduleProtocolVersion(
        version=version, definition=definition, is_active=activate,
        status=PUBLISHED if activate else ScheduleProtocolVersion.Status.DRAFT,
        published_at=timezone.now() if activate else None)
    stored.full_clean()
    stored.save()
    return stored


@transaction.atomic
def schedule_protocol_copy(source: ScheduleProtocolVersion, *, version: str,
                           site: Site | None, by: User) -> ScheduleProtocolVersion:
    """Copy ``source`` as a draft named ``version`` for ``site`` (None: shared), by ``by``.

    Refuses (ValidationError on ``version``, nothing saved) a version already taken.
    """
    draft = ScheduleProtocolVersion(version=version, site=site, copied_from=source,
                                    created_by=by,
                                    definition={**copy.deepcopy(source.definition),
                                                "version": version})
    governance.refuse_unless_may_govern(draft, by=by, step="draft")
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        raise ValidationError({"version": _("Version %(version)s already exists; nothing "
                                            "was saved. Choose another version.")
                                          % {"version": version}}) from None
    return draft


@transaction.atomic
def schedule_protocol_draft_update(stored: ScheduleProtocolVersion, *, definition: Any,
                                   by: User) -> ScheduleProtocolVersion:
    """Replace a draft's definition; an edit voids validation and approval.

    The definition's version is kept the record's own. A definition that does not read at
    all is refused (ValidationError, nothing saved), since pages that list every version's
    windows read drafts too; one the checks object to is saved, and validation then lists
    the problems, so an author can keep work in progress.
    """
    stored = ScheduleProtocolVersion.objects.select_for_update().get(pk=stored.pk)
    governance.refuse_unless_may_govern(stored, by=by, step="edit")
    if not isinstance(definition, dict):
        raise ValidationError({"definition": _("The definition must be a JSON object.")})
    definition = {**definition, "version": stored.version}
    try:
        protocol_from_json(definition)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValidationError({"definition": _("The definition does not read: %(error)s")
                                             % {"error": error}}) from None
    governance.mark_edited(stored, by=by)
    stored.definition = definition
    stored.save()
    return stored


def schedule_protocol_review(stored: ScheduleProtocolVersion) -> Review:
    """Return the difference between the version in use at ``stored``'s clinic and it."""
    baseline = active_protocol(stored.site)
    return governance.review_of(None if baseline.pk == stored.pk else baseline, stored,
                                body="definition")


def _activate(stored: ScheduleProtocolVersion) -> None:
    # New schedules of its clinic use it from now on; running schedules keep theirs.
    _deactivate(site=stored.site)
    stored.is_active = True


# The system's checks are the start-up checks orthoregen.E002 and E003.
STEPS = governance.GovernedKind[ScheduleProtocolVersion](
    model=ScheduleProtocolVersion, problems=schedule_protocol_errors,
    review=schedule_protocol_review, on_publish=_activate)
schedule_protocol_validate, schedule_protocol_approve, schedule_protocol_publish = (
    STEPS.validate, STEPS.approve, STEPS.publish)


def _deactivate(*, site: Site | None) -> None:
    """Take the active mark off the version in use at ``site`` (None: the shared one)."""
    in_scope = Q(site=site) if site is not None else Q(site__isnull=True)
    for previous in ScheduleProtocolVersion.objects.select_for_update().filter(
            in_scope, is_active=True):
        previous.is_active = False
        previous.save(update_fields=["is_active"])  # one by one, for the history
