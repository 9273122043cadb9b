"""System checks of follow-up schedule protocols; saving a version runs the same checks.

orthoregen.E002  the definition does not read, or its visits or instructions are unusable
orthoregen.E003  an instrument set is missing, repeated or names an instrument unfit for it
orthoregen.W003  the active version has no visit, so new schedules would be empty
orthoregen.W004  the stored copy of the built-in default differs from the code's

Each id is explained, with its fix, in docs/system-checks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from orthoregen.scheduling.checks import instrument_set_problems, visit_problems
from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL, ScheduleProtocol, protocol_from_json
from orthoregen.web.accounts.checks import stored_rows
from orthoregen.web.followup.models import ScheduleProtocolVersion

EDIT_HINT = ("Copy it as a new draft, correct it, and take it through validation, a second "
             "person's approval and publication (docs/governance.md); schedules already made "
             "keep the version they were built from.")


@register("orthoregen")
def builtin_schedule_protocol_check(app_configs: Sequence[AppConfig] | None = None,
                                    **kwargs: Any) -> list[CheckMessage]:
    """Report problems of the built-in follow-up protocol; needs no database."""
    label = f"Built-in follow-up schedule protocol {DEFAULT_PROTOCOL.version}"
    return _problem_messages(DEFAULT_PROTOCOL, label, obj=None)


@register("orthoregen", Tags.database)
def stored_schedule_protocols_check(app_configs: Sequence[AppConfig] | None = None,
                                    databases: Sequence[str] | None = None,
                                    **kwargs: Any) -> list[CheckMessage]:
    """Report every stored follow-up protocol version, active or not, that is unusable."""
    return [message for alias in databases or ()
            for stored in stored_rows(ScheduleProtocolVersion.objects.all(), alias)
            for message in schedule_protocol_messages(stored)]


def schedule_protocol_errors(stored: ScheduleProtocolVersion) -> list[str]:
    """Return why saving ``stored`` must be refused: the messages of its check errors."""
    return [message.msg for message in schedule_protocol_messages(stored) if message.is_serious()]


def schedule_protocol_messages(stored: ScheduleProtocolVersion) -> list[CheckMessage]:
    """Return the check errors and warnings of one stored follow-up protocol version."""
    state = "active" if stored.is_active else "not active"
    where = f"{stored.site.name}, " if stored.site_id is not None and stored.site else ""
    label = f"Follow-up schedule protocol {stored.version} ({where}{state})"
    try:
        protocol = protocol_from_json(stored.definition)
    except ValueError as error:
        return [Error(f"{label}: {error}", hint=EDIT_HINT, obj=stored, id="orthoregen.E002")]
    messages = _problem_messages(protocol, label, obj=stored)
    if protocol.version != stored.version:
        messages.insert(0, Error(
            f"{label}: its definition says version {protocol.version!r}",
            hint="The definition's version must be the record's.", obj=stored,
            id="orthoregen.E002"))
    if stored.is_active and not protocol.visits:
        messages.append(Warning(
            f"{label}: has no visit, so schedules started from now on have no follow-up",
            hint="Make a version with visits the active one.", obj=stored,
            id="orthoregen.W003"))
    if stored.version == DEFAULT_PROTOCOL.version and protocol != DEFAULT_PROTOCOL:
        messages.append(Warning(
            f"{label}: differs from the built-in protocol of the same version",
            hint="Give a changed default a new version in scheduling.protocol.", obj=stored,
            id="orthoregen.W004"))
    return messages


def _problem_messages(protocol: ScheduleProtocol, label: str, *,
                      obj: ScheduleProtocolVersion | None) -> list[CheckMessage]:
    messages: list[CheckMessage] = [
        Error(f"{label}: {problem}", hint=EDIT_HINT, obj=obj, id="orthoregen.E002")
        for problem in visit_problems(protocol)
    ]
    messages += [
        Error(f"{label}: {problem}", obj=obj, id="orthoregen.E003",
              hint="Give each joint one instrument set whose options are instruments for "
                   "that joint (`orthoregen instruments show ID` lists an instrument's joints).")
        for problem in instrument_set_problems(protocol)
    ]
    return messages
