"""Read and write protocols as JSON-ready dicts, so the web layer can store versions.

``protocol_from_dict`` validates everything it reads and names the rule at fault
("rule BMI-02: source is empty"), so a broken protocol is refused when it is loaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from orthoregen.pathways.checks import CHECK_KINDS, Check
from orthoregen.pathways.protocol import (
    Basis,
    ProductScope,
    Protocol,
    ProtocolError,
    ProtocolStatus,
    Rule,
    Severity,
)
from orthoregen.pathways.snapshot import SnapshotError, from_jsonable, to_jsonable
from orthoregen.vocabulary import Joint

S = TypeVar("S", bound=StrEnum)


def check_to_dict(check: Check) -> dict[str, Any]:
    """Return a check's parameters as a JSON-ready dict (without its kind)."""
    params: dict[str, Any] = to_jsonable(check)
    return params


def check_from_dict(data: Any, rule_id: str) -> Check:
    """Read a check ``{"kind": ..., parameters...}``; raise ProtocolError naming the rule."""
    if not isinstance(data, dict) or "kind" not in data:
        raise ProtocolError("check must be an object with a 'kind'", rule_id)
    params = _upgraded(dict(data))
    kind = params.pop("kind")
    if kind not in CHECK_KINDS:
        raise ProtocolError(f"unknown check kind {kind!r}; known: {sorted(CHECK_KINDS)}", rule_id)
    try:
        return from_jsonable(CHECK_KINDS[kind], params, "check")
    except SnapshotError as error:
        raise ProtocolError(f"check {kind}: {error}", rule_id) from None


def _upgraded(params: dict[str, Any]) -> dict[str, Any]:
    """Read a check stored before its parameters were renamed, as its current kind.

    Protocol versions up to 2026.1 wrote an injection washout's scope as the boolean
    ``target_joint_only``; it reads as the explicit ``joint_scope`` (true: this joint).
    """
    if params.get("kind") == "injection_washout" and "target_joint_only" in params \
            and "joint_scope" not in params:
        this_joint = params.pop("target_joint_only")
        if isinstance(this_joint, bool):
            params["joint_scope"] = "this_joint" if this_joint else "any_joint"
        else:
            params["target_joint_only"] = this_joint  # refused below, named by its rule
    return params


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
        check=check_from_dict(data["check"], rule_id),
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
