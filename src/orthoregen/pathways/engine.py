"""Assess candidacy: apply every rule of a protocol to the facts and explain the outcome.

Outcome precedence, strongest first (docs/candidacy.md#how-the-engine-decides):

1. ``not_suitable``: a hard stop that is known to fail and will not pass with time. Data
   missing elsewhere cannot make a known contraindication uncertain, so it wins.
2. ``incomplete``: a rule that can change the outcome lacks data. A deferral date or a
   "suitable" computed without that data could be wrong (the missing fact may be a
   contraindication or a later washout), so nothing weaker is claimed until it is
   collected. Never a silent pass.
3. ``defer``: a hard stop fails only until a date (a washout); ``defer_until`` is the
   latest such date, since all of them must have passed.
4. ``suitable_discuss``: a needs-reason or warn rule fails (e.g. end-stage disease: limited
   regenerative substrate, discuss expectations).
5. ``suitable``: every applicable rule passes.

Info rules never change the outcome, so their missing data is listed in ``to_collect``
but does not make the assessment incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from orthoregen.pathways.checks import Finding, RuleStatus, not_applicable
from orthoregen.pathways.facts import CandidacyFacts
from orthoregen.pathways.protocol import ProductScope, Protocol, Rule, Severity
from orthoregen.pathways.snapshot import to_jsonable


class Outcome(StrEnum):
    SUITABLE = "suitable"
    SUITABLE_DISCUSS = "suitable_discuss"
    DEFER = "defer"
    NOT_SUITABLE = "not_suitable"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class RuleResult:
    """Say how one rule fared, why, and on which data (paths as in ``facts_to_dict``)."""

    rule_id: str
    status: RuleStatus
    severity: Severity
    sentence: str
    source: str
    data_used: tuple[tuple[str, Any], ...] = ()
    missing: tuple[str, ...] = ()
    passes_from: date | None = None

    @property
    def blocks(self) -> bool:
        """Say whether this is a failed hard stop that time alone will not clear."""
        return self.is_failed_hard_stop and self.passes_from is None

    @property
    def is_failed_hard_stop(self) -> bool:
        return self.status is RuleStatus.FAILED and self.severity is Severity.HARD_STOP


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    results: tuple[RuleResult, ...]
    protocol_name: str
    protocol_version: str
    assessed_on: date
    defer_until: date | None = None

    @property
    def to_collect(self) -> tuple[str, ...]:
        """Return the fact paths that rules asked for, once each, in rule order."""
        return tuple(dict.fromkeys(path for result in self.results for path in result.missing))

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.status is RuleStatus.FAILED)

    def to_dict(self) -> dict[str, Any]:
        """Return the assessment as a JSON-ready dict (dates as ISO strings)."""
        data: dict[str, Any] = to_jsonable(self)
        data["to_collect"] = list(self.to_collect)
        return data


def assess(facts: CandidacyFacts, protocol: Protocol, on_date: date) -> Assessment:
    """Apply every rule of ``protocol`` to ``facts`` on ``on_date`` and decide the outcome.

    Rules and their sources: docs/candidacy.md#default-protocol; precedence: module docstring.
    """
    results = tuple(_result(rule, _apply(rule, facts, on_date)) for rule in protocol.rules)
    outcome, defer_until = _outcome(results)
    return Assessment(outcome, results, protocol.name, protocol.version, on_date, defer_until)


def needs_override_reason(assessment: Assessment) -> tuple[RuleResult, ...]:
    """Return the results whose override requires a written reason (the clinician's decision).

    These are the failed hard-stop and needs-reason rules, and those same rules when their
    data is missing: proceeding without checking a contraindication is an override too.
    """
    return tuple(
        result for result in assessment.results
        if result.severity in (Severity.HARD_STOP, Severity.NEEDS_REASON)
        and result.status in (RuleStatus.FAILED, RuleStatus.MISSING)
    )


def _apply(rule: Rule, facts: CandidacyFacts, on_date: date) -> Finding:
    if facts.joint not in rule.joints:
        return not_applicable(joint=facts.joint)
    source = facts.planned_product_source
    if rule.product_scope is ProductScope.ANY or source is None:
        finding = rule.check.evaluate(facts, on_date)
        # An unknown product matters only if the rule would not pass anyway.
        if rule.product_scope is ProductScope.ANY or finding.status is RuleStatus.PASSED:
            return finding
        paths = ("planned_product_source", *finding.missing)
        return Finding(RuleStatus.MISSING, finding.data_used, paths)
    if not rule.product_scope.matches(source):
        return not_applicable(planned_product_source=source)
    return rule.check.evaluate(facts, on_date)


def _result(rule: Rule, finding: Finding) -> RuleResult:
    return RuleResult(
        rule_id=rule.id,
        status=finding.status,
        severity=rule.severity,
        sentence=rule.sentence,
        source=rule.source,
        data_used=finding.data_used,
        missing=finding.missing,
        passes_from=finding.passes_from,
    )


def _outcome(results: tuple[RuleResult, ...]) -> tuple[Outcome, date | None]:
    if any(result.blocks for result in results):
        return Outcome.NOT_SUITABLE, None
    if any(
        result.status is RuleStatus.MISSING and result.severity is not Severity.INFO
        for result in results
    ):
        return Outcome.INCOMPLETE, None
    deferrals = [result.passes_from for result in results if result.is_failed_hard_stop]
    if deferrals:
        return Outcome.DEFER, max(day for day in deferrals if day is not None)
    if any(
        result.status is RuleStatus.FAILED
        and result.severity in (Severity.NEEDS_REASON, Severity.WARN)
        for result in results
    ):
        return Outcome.SUITABLE_DISCUSS, None
    return Outcome.SUITABLE, None
