"""Candidacy rules: a versioned protocol and patient facts in, an explained decision out.

Pure domain code (no Django). Entry points: ``assess``, ``needs_override_reason``,
``procedure_may_proceed``, ``DEFAULT_PROTOCOL`` and the protocol editing functions.
"""

from orthoregen.pathways.checks import CHECK_KINDS, Finding, RuleStatus
from orthoregen.pathways.consent import (
    CONSENT_ELEMENTS,
    ConsentElement,
    ConsentStatus,
    DecisionStatus,
    GateResult,
    procedure_may_proceed,
)
from orthoregen.pathways.default_protocol import DEFAULT_PROTOCOL
from orthoregen.pathways.drafts import (
    copy_as_draft,
    publish,
    with_rule,
    with_severity,
    with_threshold,
    without_rule,
)
from orthoregen.pathways.engine import (
    Assessment,
    Outcome,
    RuleResult,
    assess,
    needs_override_reason,
)
from orthoregen.pathways.facts import CandidacyFacts, facts_from_dict, facts_to_dict
from orthoregen.pathways.labels import fact_label
from orthoregen.pathways.protocol import (
    Basis,
    ProductScope,
    Protocol,
    ProtocolError,
    ProtocolStatus,
    Rule,
    Severity,
)
from orthoregen.pathways.protocol_json import protocol_from_dict, protocol_to_dict
from orthoregen.pathways.snapshot import SnapshotError

__all__ = [
    "CHECK_KINDS",
    "CONSENT_ELEMENTS",
    "DEFAULT_PROTOCOL",
    "Assessment",
    "Basis",
    "CandidacyFacts",
    "ConsentElement",
    "ConsentStatus",
    "DecisionStatus",
    "Finding",
    "GateResult",
    "Outcome",
    "ProductScope",
    "Protocol",
    "ProtocolError",
    "ProtocolStatus",
    "Rule",
    "RuleResult",
    "RuleStatus",
    "Severity",
    "SnapshotError",
    "assess",
    "copy_as_draft",
    "facts_from_dict",
    "fact_label",
    "facts_to_dict",
    "needs_override_reason",
    "procedure_may_proceed",
    "protocol_from_dict",
    "protocol_to_dict",
    "publish",
    "with_rule",
    "with_severity",
    "with_threshold",
    "without_rule",
]
