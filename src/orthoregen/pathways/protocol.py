"""Candidacy protocols as versioned data: rules, their checks, and draft-only editing.

A published protocol never changes: decisions store its name and version and must read
the same years later (issue 4). A clinic copies it as a draft, edits thresholds, and
publishes the draft under a new version.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

# Imported for their side effect: each module registers its check kinds in CHECK_KINDS.
from orthoregen.pathways import conditions as _conditions  # noqa: F401
from orthoregen.pathways import history as _history  # noqa: F401
from orthoregen.pathways.checks import CHECK_KINDS, Check
from orthoregen.pathways.facts import Joint, ProductSource
from orthoregen.pathways.snapshot import (
    SnapshotError,
    coerce_enum_fields,
    from_jsonable,
    to_jsonable,
)


class Severity(StrEnum):
    """Say what a failed rule means (cell_products.md §0 principle 2, §6.4).

    hard_stop: a contraindication (or, if time-limited, a deferral); overriding needs a reason.
    needs_reason: proceeding needs the clinician's written reason and a discussion.
    warn: shown to the clinician and discussed with the patient.
    info: shown only; never changes the outcome.
    """

    HARD_STOP = "hard_stop"
    NEEDS_REASON = "needs_reason"
    WARN = "warn"
    INFO = "info"


class ProductScope(StrEnum):
    ANY = "any"
    AUTOLOGOUS = "autologous"
    ALLOGENEIC = "allogeneic"

    def matches(self, source: ProductSource) -> bool:
        """Say whether a rule of this scope applies to a planned product ``source``."""
        return self is ProductScope.ANY or self.value == source.value


class Basis(StrEnum):
    """Tag the level of a rule's source (cell_products.md §0, "source level tags").

    REG binding law; GUID regulator guidance; STD professional or consensus standard;
    PRAC observed practice in trials or registries; CFG a project default that must cite
    the PRAC or STD it came from.
    """

    REG = "REG"
    GUID = "GUID"
    STD = "STD"
    PRAC = "PRAC"
    CFG = "CFG"


class ProtocolStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ProtocolError(ValueError):
    """Name the rule (when there is one) that makes a protocol invalid or uneditable."""

    def __init__(self, message: str, rule_id: str | None = None) -> None:
        super().__init__(f"rule {rule_id}: {message}" if rule_id else message)
        self.rule_id = rule_id


S = TypeVar("S", bound=StrEnum)
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
ALL_JOINTS = frozenset(Joint)


@dataclass(frozen=True)
class Rule:
    """Hold one candidacy rule: a typed check, its severity and scope, and why it exists."""

    id: str
    check: Check
    severity: Severity
    sentence: str
    source: str
    joints: frozenset[Joint] = ALL_JOINTS
    product_scope: ProductScope = ProductScope.ANY
    basis: Basis = Basis.CFG

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        if not RULE_ID.match(self.id):
            raise ProtocolError("id must look like KNEE-GRADE-01 (capitals, digits, hyphens)",
                                self.id or "(no id)")
        if not isinstance(self.check, Check) or self.check.kind not in CHECK_KINDS:
            raise ProtocolError("check is not a registered check kind", self.id)
        for name in ("sentence", "source"):
            if not getattr(self, name).strip():
                raise ProtocolError(f"{name} is empty", self.id)
        if not self.joints:
            raise ProtocolError("joints is empty", self.id)
        try:
            self.check.validate_for(self.joints)
        except ValueError as error:
            raise ProtocolError(str(error), self.id) from None


@dataclass(frozen=True)
class Protocol:
    name: str
    version: str
    status: ProtocolStatus
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        if not self.name.strip() or not self.version.strip():
            raise ProtocolError("a protocol needs a name and a version")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ProtocolError("duplicate rule id", rule.id)
            seen.add(rule.id)

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with ``rule_id``; raise ProtocolError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise ProtocolError("no such rule in this protocol", rule_id)


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
    return with_rule(protocol, dataclasses.replace(rule, check=_check_from_dict(params, rule_id)))


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


def check_to_dict(check: Check) -> dict[str, Any]:
    """Return a check's parameters as a JSON-ready dict (without its kind)."""
    params: dict[str, Any] = to_jsonable(check)
    return params


def _check_from_dict(data: Any, rule_id: str) -> Check:
    if not isinstance(data, dict) or "kind" not in data:
        raise ProtocolError("check must be an object with a 'kind'", rule_id)
    params = dict(data)
    kind = params.pop("kind")
    if kind not in CHECK_KINDS:
        raise ProtocolError(f"unknown check kind {kind!r}; known: {sorted(CHECK_KINDS)}", rule_id)
    try:
        return from_jsonable(CHECK_KINDS[kind], params, "check")
    except SnapshotError as error:
        raise ProtocolError(f"check {kind}: {error}", rule_id) from None


RULE_KEYS = ("id", "joints", "product_scope", "severity", "check", "sentence", "source", "basis")
PROTOCOL_KEYS = ("name", "version", "status", "rules")


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """Return ``protocol`` as a JSON-ready dict that ``protocol_from_dict`` reads back."""
    return {
        "name": protocol.name,
        "version": protocol.version,
        "status": protocol.status.value,
        "rules": [_rule_to_dict(rule) for rule in protocol.rules],
    }


def _rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        # Joints in their declared order, so the stored JSON is stable.
        "joints": [joint.value for joint in Joint if joint in rule.joints],
        "product_scope": rule.product_scope.value,
        "severity": rule.severity.value,
        "check": {"kind": rule.check.kind, **check_to_dict(rule.check)},
        "sentence": rule.sentence,
        "source": rule.source,
        "basis": rule.basis.value,
    }


def protocol_from_dict(data: Any) -> Protocol:
    """Read and validate a protocol; raise ProtocolError naming the first invalid rule."""
    _require_keys(data, PROTOCOL_KEYS, "protocol", None)
    for key in ("name", "version"):
        if not isinstance(data[key], str):
            raise ProtocolError(f"protocol {key} must be text")
    status = _enum(ProtocolStatus, data["status"], "status", None)
    if not isinstance(data["rules"], list):
        raise ProtocolError("protocol rules must be a list")
    rules = tuple(_rule_from_dict(item, index) for index, item in enumerate(data["rules"]))
    return Protocol(name=data["name"], version=data["version"], status=status, rules=rules)


def _rule_from_dict(data: Any, index: int) -> Rule:
    label = data.get("id") if isinstance(data, dict) else None
    rule_id = label if isinstance(label, str) and label else f"#{index + 1}"
    _require_keys(data, RULE_KEYS, "rule", rule_id)
    for key in ("id", "sentence", "source"):
        if not isinstance(data[key], str):
            raise ProtocolError(f"{key} must be text", rule_id)
    if not isinstance(data["joints"], list):
        raise ProtocolError("joints must be a list", rule_id)
    return Rule(
        id=data["id"],
        check=_check_from_dict(data["check"], rule_id),
        severity=_enum(Severity, data["severity"], "severity", rule_id),
        sentence=data["sentence"],
        source=data["source"],
        joints=frozenset(_enum(Joint, joint, "joints", rule_id) for joint in data["joints"]),
        product_scope=_enum(ProductScope, data["product_scope"], "product_scope", rule_id),
        basis=_enum(Basis, data["basis"], "basis", rule_id),
    )


def _require_keys(data: Any, keys: tuple[str, ...], what: str, rule_id: str | None) -> None:
    if not isinstance(data, dict):
        raise ProtocolError(f"{what} must be an object", rule_id)
    absent = [key for key in keys if key not in data]
    unknown = sorted(set(data) - set(keys))
    if absent:
        raise ProtocolError(f"{what} is missing {absent}", rule_id)
    if unknown:
        raise ProtocolError(f"{what} has unknown field(s) {unknown}", rule_id)


def _enum(cls: type[S], value: Any, key: str, rule_id: str | None) -> S:
    try:
        return cls(value)
    except ValueError:
        allowed = [member.value for member in cls]
        raise ProtocolError(f"{key} must be one of {allowed}, got {value!r}", rule_id) from None
