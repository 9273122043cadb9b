"""Writing the access trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orthoregen.web.audit.models import AccessAction, AccessRecord

if TYPE_CHECKING:
    from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address as the server saw it.

    X-Forwarded-For is not trusted here: behind a proxy, configure the proxy to set
    REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips) so a client cannot forge it.
    """
    return request.META.get("REMOTE_ADDR") or None


# `patient` is a clinic Patient, left as Any: the audit app comes before the clinic among
# the stages and may not import it, even for a type (tests/test_stage_order.py).
def access_record(request: HttpRequest, action: str, *, patient: Any = None,
                  detail: str = "") -> AccessRecord:
    """Record that the requesting user read patient data.

    The access-trail middleware records every page of patient data that did not call this
    (audit/middleware.py); a view calls it only to add detail, e.g. the terms of a search.
    """
    user = request.user if request.user.is_authenticated else None
    record = AccessRecord.objects.create(
        user=user,
        patient=patient,
        site_id=patient.site_id if patient is not None else None,
        action=action,
        path=request.get_full_path()[:500],
        ip_address=client_address(request),
        detail=detail[:500],
    )
    # A flag for audit/middleware.py, which reads it with getattr: HttpRequest declares
    # no such attribute.
    request.access_recorded = True  # type: ignore[attr-defined]
    return record


def patient_view_record(request: HttpRequest, patient: Any) -> AccessRecord:
    """Record that the requesting user opened a patient's record."""
    return access_record(request, AccessAction.VIEW, patient=patient)


def patient_access_log(*, patient_id: int, limit: int = 200) -> list[AccessRecord]:
    """Return the latest reads of one patient's record by staff, newest first.

    For the patient's own view of who looked at their record (portal/access_log.py). The
    patient's own portal visits (no user) and refusals (which name no patient) are left out.
    """
    records = AccessRecord.objects.filter(patient_id=patient_id, user__isnull=False) \
        .select_related("user", "site").order_by("-at", "-id")
    return list(records[:limit])
