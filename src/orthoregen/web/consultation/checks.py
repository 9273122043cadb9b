"""System checks: a broken stored protocol shows up at start-up, before a patient is booked."""

from __future__ import annotations

from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from orthoregen.pathways import DEFAULT_PROTOCOL, ProtocolError, protocol_to_dict


@register("database")
def stored_protocols_check(app_configs=None, **kwargs):
    """Report stored protocol versions that no longer read as valid protocols (consultation.E001).

    Also warn (consultation.W002) when the stored copy of the shipped default differs from
    the code's, which means the default changed without a new version number.
    """
    from orthoregen.web.consultation.models import ProtocolVersion

    problems = []
    try:
        versions = list(ProtocolVersion.objects.all())
    except DatabaseError:
        return []  # tables not migrated yet: migrate reports that itself
    for stored in versions:
        try:
            stored.protocol()
        except ProtocolError as error:
            problems.append(Error(f"Stored protocol {stored} is invalid: {error}",
                                  obj=stored, id="consultation.E001"))
        if (stored.name, stored.version) == (DEFAULT_PROTOCOL.name, DEFAULT_PROTOCOL.version) \
                and stored.body != protocol_to_dict(DEFAULT_PROTOCOL):
            problems.append(Warning(
                f"Stored {stored} differs from the shipped default of the same version.",
                hint="Give the changed default protocol a new version in pathways.",
                obj=stored, id="consultation.W002"))
    return problems
