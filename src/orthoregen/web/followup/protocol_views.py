"""Administrators' pages for follow-up schedule protocols: list, read, copy as a draft, edit,
validate, read the changes and approve (a second person), publish.

The lifecycle pages (list, copy, edit, validate, read the changes, approve, publish) are the
ones every governed configuration shares (governance_views); this module keeps what is
particular to follow-up protocols: how a version is read, its form and its words.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history. Every refusal of the services comes back as a message on the page.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation.governance_forms import CopyForm, DocumentForm
from orthoregen.web.consultation.governance_views import GovernedPages, lifecycle_views
from orthoregen.web.followup import protocols
from orthoregen.web.followup.checks import schedule_protocol_messages
from orthoregen.web.followup.models import ScheduleProtocolVersion

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


def _published(stored: ScheduleProtocolVersion) -> str:
    return _("Published %(version)s. New schedules at %(where)s use it from now on; schedules "
             "already made keep theirs.") % {
                 "version": stored,
                 "where": stored.site.name if stored.site else _("every clinic without its own")}


def _copy(stored: ScheduleProtocolVersion, *, version: str,
          by: User) -> ScheduleProtocolVersion:
    # A copy is its author's clinic's; the platform operator's, working at none, is shared.
    return protocols.schedule_protocol_copy(stored, version=version.strip(),
                                            site=by.sites.first(), by=by)


PAGES = GovernedPages[ScheduleProtocolVersion](
    app="followup", missing=gettext_lazy("No such follow-up protocol."),
    stored_default=protocols.active_protocol, visible=protocols.schedule_protocols_visible,
    in_use=protocols.active_protocol, validate=protocols.schedule_protocol_validate,
    review=protocols.schedule_protocol_review, approve=protocols.schedule_protocol_approve,
    publish=protocols.schedule_protocol_publish, published=_published,
    copy_form=lambda data, stored: CopyForm(
        data, max_length=64, help_text=_("For example clinic-a-2026.2.")),
    copy=_copy, update=protocols.schedule_protocol_draft_update,
    edit_form=lambda data, stored: DocumentForm(data, stored=stored, field="definition",
                                                label=_("Definition (JSON)")))
(protocol_list, protocol_copy, protocol_edit, protocol_validate, protocol_review,
 protocol_approve, protocol_publish) = lifecycle_views(PAGES)


@requires(Action.MANAGE_PROTOCOLS)
def protocol_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    """Show a version with what the start-up checks say of it (its next step is on it)."""
    stored = PAGES.version(request, protocol_id)
    return render(request, "followup/protocol_detail.html", {
        "stored": stored, "checks": schedule_protocol_messages(stored),
        "definition": json.dumps(stored.definition, indent=2, ensure_ascii=False)})
