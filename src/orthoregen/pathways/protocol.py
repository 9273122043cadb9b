"""Candidacy protocols as versioned data: a named, versioned set of rules.

A rule holds a typed check, its severity, its scope (joints, product) and why it exists.
A published protocol never changes (see ``drafts``); its dict form is in ``protocol_json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Imported for their side effect: each module registers its check kinds in CHECK_KINDS.
from orthoregen.pathways import conditions as _conditions  # noqa: F401
from orthoregen.pathways import history as _history  # noqa: F401
from orthoregen.pathways.checks import CHECK_KINDS, Check
from orthoregen.pathways.facts import ProductSource
from orthoregen.pathways.snapshot import coerce_enum_fields
from orthoregen.vocabulary import Joint


class Severity(StrEnum):
    """Say what a failed rule means (docs/candidacy.md#severities).

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
    """Tag the level of a rule's source (docs/README.md#source-levels-of-configurable-rules).

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


RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
ALL_JOINTS = frozenset(Joint)


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
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
