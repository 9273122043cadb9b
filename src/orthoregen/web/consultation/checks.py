"""System checks of candidacy protocols and consent documents; their services run the same
checks (protocols on save, consent documents at validation and publication).

orthoregen.E001  a candidacy protocol does not read, or its body disagrees with its record
orthoregen.W001  the stored copy of the shipped default differs from the code's
orthoregen.W002  a published version has no rules, so every patient passes it
orthoregen.E005  a published (or used) consent document has no words to consent to, or its
                 text is no longer the one its SHA-256 was taken of

Each id is explained, with its fix, in docs/system-checks.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db.models import Q, QuerySet

from orthoregen.pathways import DEFAULT_PROTOCOL, Protocol, protocol_from_dict, protocol_to_dict
from orthoregen.web.accounts.checks import stored_rows
from orthoregen.web.consultation.governance import Lifecycle
from orthoregen.web.consultation.models import ConsentDocument, ProtocolVersion
from orthoregen.web.consultation.models.consent import text_sha256

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
    return stored_messages(ProtocolVersion.objects.select_related("site"), databases,
                           protocol_version_messages)


def stored_messages(queryset: QuerySet[Any], databases: Iterable[str] | None,
                    messages_of: Callable[[Any], list[CheckMessage]]) -> list[CheckMessage]:
    """Return what ``messages_of`` reports of each row of ``queryset`` in each database."""
    return [message for alias in databases or ()
            for stored in stored_rows(queryset, alias) for message in messages_of(stored)]


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


CONSENT_HINT = ("A published document, or one consents were recorded on, never changes: put "
                "back the text it was stored with (its history keeps every saved text); to "
                "change the wording, copy it as a new draft.")


@register("orthoregen", Tags.database)
def stored_consent_documents_check(app_configs: object = None,
                                   databases: Iterable[str] | None = None,
                                   **kwargs: object) -> list[CheckMessage]:
    """Report every published or used consent document whose words are not fit to consent to
    or no longer the ones signed (orthoregen.E005). Drafts are checked when validated."""
    kept = Q(status=Lifecycle.PUBLISHED) | Q(records__isnull=False)
    return stored_messages(ConsentDocument.objects.filter(kept).distinct().order_by("pk")
                           .select_related("site"), databases, _consent_document_messages)


def _consent_document_messages(stored: ConsentDocument) -> list[CheckMessage]:
    problems = consent_text_problems(stored)
    if stored.sha256 != text_sha256(stored.text):
        problems.append("its text is not the one its SHA-256 was taken of, so it is not the "
                        "text the consents on it were signed on")
    return [Error(f"Consent document {stored} ({stored.site.name}, {stored.status}): "
                  f"{problem}", hint=CONSENT_HINT, obj=stored, id="orthoregen.E005")
            for problem in problems]


def consent_text_problems(stored: ConsentDocument) -> list[str]:
    """Return what is wrong with a consent document's own words (title, label and text); the
    consent document services refuse to validate or publish one with any."""
    problems = []
    if not stored.title.strip():
        problems.append("the title is empty")
    if not stored.version.strip():
        problems.append("the version label is empty")
    if not stored.text.strip():
        problems.append("the text is empty: there is nothing to consent to")
    elif "\x00" in stored.text:
        problems.append("the text holds a NUL character")
    return problems
