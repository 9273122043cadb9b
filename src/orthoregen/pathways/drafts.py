"""Edit protocols as drafts: copy a published protocol, change it, publish a new version.

A published protocol never changes: decisions store its name and version and must read
the same years later (docs/candidacy.md#protocols-as-versioned-data). Every edit returns a
new value and refuses a published protocol with a ProtocolError that says to copy it first.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orthoregen.pathways.protocol import (
    Protocol,
    ProtocolError,
    ProtocolStatus,
    Rule,
    Severity,
)
from orthoregen.pathways.protocol_json import check_from_dict, check_to_dict
from orthoregen.pathways.snapshot import to_jsonable


def copy_as_draft(protocol: Protocol, new_version: str, *, name: str | None = None) -> Protocol:
    """Return an editable draft copy of ``protocol`` under ``new_version``."""
    if new_version == protocol.version and (name is None or name == protocol.name):
        raise ProtocolError("a copy needs a new version (or a new name)")
    return dataclasses.replace(
        protocol, name=name or protocol.name, version=new_version, status=ProtocolStatus.DRAFT
    )


def publish(protocol: Protocol) -> Protocol:
    """Return ``protocol`` as published; from then on it cannot be edited."""
    _require_draft(protocol)
    return dataclasses.replace(protocol, status=ProtocolStatus.PUBLISHED)


def with_threshold(protocol: Protocol, rule_id: str, **parameters: Any) -> Protocol:
    """Return a draft with new check parameters for one rule, type-checked like a load."""
    _require_draft(protocol)
    rule = protocol.rule(rule_id)
    # Through the JSON form, so "32" for a number is refused exactly as at protocol load.
    params = {"kind": rule.check.kind, **check_to_dict(rule.check), **to_jsonable(parameters)}
    return with_rule(protocol, dataclasses.replace(rule, check=check_from_dict(params, rule_id)))


def with_severity(protocol: Protocol, rule_id: str, severity: Severity) -> Protocol:
    """Return a draft in which one rule has a new severity."""
    _require_draft(protocol)
    rule = protocol.rule(rule_id)
    return with_rule(protocol, dataclasses.replace(rule, severity=Severity(severity)))


def with_rule(protocol: Protocol, rule: Rule) -> Protocol:
    """Return a draft with ``rule`` replacing the rule of the same id, or added at the end."""
    _require_draft(protocol)
    ids = [existing.id for existing in protocol.rules]
    if rule.id in ids:
        rules = tuple(rule if existing.id == rule.id else existing for existing in protocol.rules)
    else:
        rules = (*protocol.rules, rule)
    return dataclasses.replace(protocol, rules=rules)


def without_rule(protocol: Protocol, rule_id: str) -> Protocol:
    """Return a draft without the rule ``rule_id``."""
    _require_draft(protocol)
    protocol.rule(rule_id)
    return dataclasses.replace(
        protocol, rules=tuple(rule for rule in protocol.rules if rule.id != rule_id)
    )


def _require_draft(protocol: Protocol) -> None:
    if protocol.status is not ProtocolStatus.DRAFT:
        raise ProtocolError(
            f"{protocol.name} {protocol.version} is published and cannot change; "
            "copy it as a draft with a new version"
        )
