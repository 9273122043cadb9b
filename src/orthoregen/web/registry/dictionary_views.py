"""The registry export's data dictionary as a download (registry/dictionary.py says why)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.registry.dictionary import dictionary_csv


@requires(Action.EXPORT_REGISTRY)
@require_GET
def export_dictionary(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Column meanings only, no patient data: nothing for the access trail to record.
    deidentified = request.GET.get("deidentified") == "1"
    kind = "de-identified" if deidentified else "analysis"
    response = HttpResponse(dictionary_csv(deidentified=deidentified),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = \
        f'attachment; filename="orthoregen-registry-{kind}-dictionary.csv"'
    return response
