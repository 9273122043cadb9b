"""Administrators' pages for candidacy protocols: list, read, copy, edit a draft, then
validate it, read its difference, approve it (a second person) and publish it.

The lifecycle pages (list, copy, edit, validate, read the changes, approve, publish) are the
ones every governed configuration shares (governance_views); this module keeps what is
particular to candidacy protocols: how a version is read, and its rules edited one by one.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from orthoregen.pathways import ProtocolError, protocol_to_dict
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation import protocols
from orthoregen.web.consultation.forms import ProtocolCopyForm, ProtocolEditForm, RuleEditForm
from orthoregen.web.consultation.governance import ProtocolLocked
from orthoregen.web.consultation.governance_views import REFUSAL, GovernedPages, lifecycle_views
from orthoregen.web.consultation.models import ProtocolVersion
from orthoregen.web.consultation.presenters import SEVERITY_LABELS, severity_words

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


def _copy(stored: ProtocolVersion, *, version: str, by: User) -> ProtocolVersion:
    # A copy is its author's clinic's; one who works at none may copy only as the platform
    # operator, a version shared by every clinic (the service refuses anyone else).
    return protocols.protocol_copy(stored, version=version, site=by.sites.first(), by=by)


def _update(stored: ProtocolVersion, *, body: Any, by: User) -> ProtocolVersion:
    return protocols.protocol_draft_update(stored, body, by=by)


PAGES = GovernedPages[ProtocolVersion](
    app="consultation", missing=gettext_lazy("No such protocol."),
    stored_default=protocols.protocol_default,
    visible=protocols.protocols_visible, in_use=protocols.protocol_current,
    validate=protocols.protocol_validate, review=protocols.protocol_review,
    approve=protocols.protocol_approve, publish=protocols.protocol_publish,
    refusals=(*REFUSAL, ProtocolError),
    published=lambda stored: _("Published %(version)s. It can no longer change.")
    % {"version": stored},
    copy_form=lambda data, stored: ProtocolCopyForm(data, source=stored), copy=_copy,
    edit_form=lambda data, stored: ProtocolEditForm(data, stored=stored), update=_update)
(protocol_list, protocol_copy, protocol_edit, protocol_validate, protocol_review,
 protocol_approve, protocol_publish) = lifecycle_views(PAGES)
_visible = PAGES.version


@requires(Action.MANAGE_PROTOCOLS)
def protocol_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    rules = [
        {**rule, "check_text": ", ".join(f"{key.replace('_', ' ')} {value}"
                                         for key, value in rule["check"].items() if key != "kind"),
         "severity_label": SEVERITY_LABELS.get(rule["severity"], rule["severity"]),
         "source": severity_words(rule["source"])}
        for rule in stored.body["rules"]
    ]
    return render(request, "consultation/protocol_detail.html", {
        "stored": stored, "rules": rules, "copy_form": ProtocolCopyForm(source=stored)})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_rule_edit(request: AuthenticatedHttpRequest, protocol_id: int,
                       rule_id: str) -> HttpResponse:
    stored = _visible(request, protocol_id)
    if rule_id not in {rule["id"] for rule in stored.body["rules"]}:
        raise Http404(_("No such rule."))
    form = RuleEditForm(request.POST or None, stored=stored, rule_id=rule_id)
    if request.method == "POST" and form.is_valid():
        try:
            protocols.protocol_draft_update(stored, protocol_to_dict(form.cleaned_data["protocol"]),
                                            by=request.user)
        except (ProtocolLocked, ProtocolError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Changed rule %(rule)s of draft %(version)s.")
                             % {"rule": rule_id, "version": stored})
            return redirect("consultation:protocol-detail", protocol_id=stored.pk)
    return render(request, "consultation/protocol_rule_edit.html",
                  {"stored": stored, "rule_id": rule_id, "form": form})
