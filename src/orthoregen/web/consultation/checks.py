"""System checks of candidacy protocols; the protocol services run the same checks on save.

orthoregen.E001  a candidacy protocol does not read, or its body disagrees with its record
orthoregen.W001  the stored copy of the shipped default differs from the code's
orthoregen.W002  a published version has no rules, so every patient passes it

Each id is explained, with its fix, in docs/system-checks.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from orthoregen.pathways import DEFAULT_PROTOCOL, Protocol, protocol_from_dict, protocol_to_dict
from orthoregen.web.accounts.checks import stored_rows
from orthoregen.web.consultation.models import ProtocolVersion

EDIT_HINT = ("Correct the draft on the protocol pages; a published version cannot change, so "
             "copy it as a new draft, correct and publish that.")


@register("orthoregen")
def builtin_protocol_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Report a shipped default that does not read back unchanged from its stored form."""
    label = f"Built-in candidacy protocol {DEFAULT_PROTOCOL.name} {DEFAULT_PROTOCOL.version}"
    try:
        read_back = protocol_from_dict(protocol_to_dict(DEFAULT_PROTOCOL))
    except ValueError as error:
        return [Error(f"{label}: {error}", id="orthoregen.E001")]
    if read_back != DEFAULT_PROTOCOL:
        return [Error(f"{label}: does not read back unchanged from its stored form",
                      id="orthoregen.E001")]
    return []


@register("orthoregen", Tags.database)
def stored_protocols_check(app_configs: object = None,
                           databases: Iterable[str] | None = None,
                           **kwargs: object) -> list[CheckMessage]:
    """Report every stored candidacy protocol version, published or draft, that is unusable."""
    return [message for alias in databases or ()
            for stored in stored_rows(ProtocolVersion.objects.select_related("site"), alias)
            for message in protocol_version_messages(stored)]


def protocol_version_errors(stored: ProtocolVersion) -> list[str]:
    """Return why saving ``stored`` must be refused: the messages of its check errors."""
    return [message.msg for message in protocol_version_messages(stored) if message.is_serious()]


def protocol_version_messages(stored: ProtocolVersion) -> list[CheckMessage]:
    """Return the check errors and warnings of one stored candidacy protocol version."""
    where = stored.site.name if stored.site is not None else "shipped with orthoregen"
    label = f"Candidacy protocol {stored.name} {stored.version} ({where}, {stored.status})"
    try:
        protocol = stored.protocol()
    except ValueError as error:  # ProtocolError, naming the rule at fault
        return [Error(f"{label}: {error}", hint=EDIT_HINT, obj=stored, id="orthoregen.E001")]
    messages: list[CheckMessage] = [
        Error(f"{label}: {problem}", hint=EDIT_HINT, obj=stored, id="orthoregen.E001")
        for problem in _record_problems(stored, protocol)
    ]
    if stored.is_published and not protocol.rules:
        messages.append(Warning(
            f"{label}: has no rules, so every patient it assesses is suitable",
            hint="Publish a version with rules; the site then assesses with that one.",
            obj=stored, id="orthoregen.W002"))
    if (stored.name, stored.version) == (DEFAULT_PROTOCOL.name, DEFAULT_PROTOCOL.version) \
            and stored.body != protocol_to_dict(DEFAULT_PROTOCOL):
        messages.append(Warning(
            f"{label}: differs from the shipped default of the same version",
            hint="Give the changed default protocol a new version in pathways.",
            obj=stored, id="orthoregen.W001"))
    return messages


def _record_problems(stored: ProtocolVersion, protocol: Protocol) -> list[str]:
    # Decisions keep the record's name and version; the body must say the same, and only a
    # published record may hold a published body. Validated and approved records are still
    # drafts to the core (consultation.governance): their body says draft.
    problems = []
    if (protocol.name, protocol.version) != (stored.name, stored.version):
        problems.append(f"its body says {protocol.name} {protocol.version}")
    body_status = "published" if stored.status == "published" else "draft"
    if protocol.status != body_status:
        problems.append(f"its body is {protocol.status} but the record is {stored.status}")
    return problems
