"""Open an in-clinic tablet session: the patient answers one joint's questionnaires in the clinic.

A member of staff, signed in on the clinic's tablet, opens the session from the visit (the
follow-up schedule) or its worklist row. The view makes a one-time tablet link
(followup.questionnaires, mode `tablet`), writes the access record, then signs the member of
staff out of this browser (the session is flushed and its key replaced) and keeps the link
in the new, anonymous session only. The tablet then shows that patient's questionnaires and
nothing else: no staff page is reachable without signing in again, the link never appears in
an address bar or the browser history, and the session ends itself after submission or
five minutes without a request (docs/follow-up.md#in-clinic-tablet).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.followup.models import InvitationMode, ScheduledVisit
from orthoregen.web.followup.questionnaires import (
    answerable,
    invitation_create,
    is_untreated_baseline,
    patient_instruments,
)

TABLET_SESSION_KEY = "portal_tablet"  # read by portal.views.tablet


def tablet_may_open(visit: ScheduledVisit) -> bool:
    """Say whether a tablet session may be opened for a visit today.

    Its window must be open; a baseline stays answerable until its injection, even after
    its provisional window, since only the injection ends it (scheduling.baseline).
    """
    today = timezone.localdate()
    if not answerable(visit, today) or not patient_instruments(visit):
        return False
    if is_untreated_baseline(visit):
        return visit.earliest <= today
    return visit.earliest <= today <= visit.latest


@requires(Action.MANAGE_FOLLOW_UP)
@require_POST
def tablet_open(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visible_or_404(ScheduledVisit.objects.select_related(
        "schedule__episode__patient__site", "schedule__protocol"), request.user, pk=visit_id)
    episode = visit.schedule.episode
    if not tablet_may_open(visit):
        messages.error(request, _("This visit has no questionnaire the patient can answer now."))
        return redirect("followup:schedule", episode_id=episode.pk)
    invitation, token = invitation_create(visit, mode=InvitationMode.TABLET,
                                          opened_by=request.user)
    access_record(request, AccessAction.VIEW, patient=episode.patient,
                  detail=f"opened a tablet session for visit {visit.pk} ({episode}); "
                         f"invitation={invitation.pk}")
    request.access_recorded = True  # type: ignore[attr-defined]  # the record is written
    logout(request)  # flushes the staff session: the tablet keeps nothing of it
    request.session[TABLET_SESSION_KEY] = token
    return redirect("portal:tablet")
