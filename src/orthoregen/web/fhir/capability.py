"""The server's CapabilityStatement (FHIR R4 `GET [base]/metadata`)."""

from __future__ import annotations

from typing import Any

from orthoregen.web.fhir.catalogue import KINDS, QUESTIONNAIRE
from orthoregen.web.fhir.resources import validated

SEARCH = [
    ("_id", "token", "The resource id"),
    ("_lastUpdated", "date", "When the record last changed (eq, ge, gt, le, lt)"),
    ("identifier", "token", "system|value or value"),
    ("_count", "number", "Entries per page (at most 500)"),
    ("_offset", "number", "Where the page starts (the next and previous links carry it)"),
]
PATIENT_SEARCH = [("patient", "reference", "The patient"),
                  ("subject", "reference", "The patient (alias of patient)")]
IMPORTED = ("Patient", "Condition", "Observation", "QuestionnaireResponse", "Encounter",
            "Consent", "AdverseEvent", "Procedure")


def capability_statement(base: str) -> dict[str, Any]:
    """Return what the server reads, searches and accepts, validated with its R4B model."""
    resources = []
    for name in sorted([*KINDS, QUESTIONNAIRE]):
        params = SEARCH if name == "Patient" or name == QUESTIONNAIRE \
            else SEARCH + PATIENT_SEARCH
        resources.append({
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": n, "type": t, "documentation": d} for n, t, d in params],
        })
    return validated({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-06",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "implementation": {"description": "orthoregen FHIR R4 server", "url": base},
        "software": {"name": "orthoregen"},
        "rest": [{
            "mode": "server",
            "documentation": "Staff sessions or API bearer tokens; site scoping as in the pages. "
                             f"Transactions accept {', '.join(IMPORTED)}.",
            "security": {"cors": False, "description": "Authorization: Bearer <API token>, "
                                                       "or a signed-in staff session; this "
                                                       "statement alone is open to anyone"},
            "resource": resources,
            "interaction": [{"code": "transaction"}],
            "operation": [{"name": "export",
                           "definition": "http://hl7.org/fhir/uv/bulkdata/"
                                         "OperationDefinition/export"}],
        }],
    })
