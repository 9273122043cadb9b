"""Writing the access trail."""

from __future__ import annotations

from orthoregen.web.audit.models import AccessAction, AccessRecord


def client_address(request) -> str | None:
    """Return the client's IP address as the server saw it.

    X-Forwarded-For is not trusted here: behind a proxy, configure the proxy to set
    REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips) so a client cannot forge it.
    """
    return request.META.get("REMOTE_ADDR") or None


def access_record(request, action: str, *, patient=None, detail: str = "") -> AccessRecord:
    """Record that the requesting user read patient data."""
    return AccessRecord.objects.create(
        user=request.user if request.user.is_authenticated else None,
        patient=patient,
        action=action,
        path=request.get_full_path()[:500],
        ip_address=client_address(request),
        detail=detail[:500],
    )


def patient_view_record(request, patient) -> AccessRecord:
    """Record that the requesting user opened a patient's record."""
    return access_record(request, AccessAction.VIEW, patient=patient)
