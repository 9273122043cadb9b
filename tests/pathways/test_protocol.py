"""Protocols as versioned data: validation naming the rule, draft-only editing, JSON form."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from orthoregen.pathways import (
    DEFAULT_PROTOCOL,
    Outcome,
    Protocol,
    ProtocolError,
    ProtocolStatus,
    Severity,
    assess,
    copy_as_draft,
    protocol_from_dict,
    protocol_to_dict,
    publish,
    with_rule,
    with_severity,
    with_threshold,
    without_rule,
)

from .builders import ASSESSED_ON, changed, complete_facts


def default_dict() -> dict[str, Any]:
    return copy.deepcopy(protocol_to_dict(DEFAULT_PROTOCOL))


def rule_dict(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(rule for rule in data["rules"] if rule["id"] == rule_id)


def test_default_protocol_reads_back_unchanged_through_json() -> None:
    text = json.dumps(protocol_to_dict(DEFAULT_PROTOCOL))
    assert protocol_from_dict(json.loads(text)) == DEFAULT_PROTOCOL


def test_edited_draft_reads_back_unchanged_through_json() -> None:
    draft = with_threshold(copy_as_draft(DEFAULT_PROTOCOL, "2026.3"), "BMI-01", kg_m2=32.5)
    assert protocol_from_dict(json.loads(json.dumps(protocol_to_dict(draft)))) == draft


def test_every_default_rule_cites_its_docs_section() -> None:
    for rule in DEFAULT_PROTOCOL.rules:
        assert "docs/candidacy.md#" in rule.source, rule.id


def test_default_protocol_is_published() -> None:
    assert DEFAULT_PROTOCOL.status is ProtocolStatus.PUBLISHED


EDITS: list[Callable[[Any], Any]] = [
    lambda p: with_threshold(p, "BMI-01", kg_m2=32.0),
    lambda p: with_severity(p, "BMI-01", Severity.INFO),
    lambda p: without_rule(p, "BMI-01"),
    lambda p: with_rule(p, p.rule("BMI-01")),
    publish,
]


@pytest.mark.parametrize("edit", EDITS)
def test_published_protocol_cannot_be_edited(edit: Callable[[Any], Any]) -> None:
    with pytest.raises(ProtocolError, match="published and cannot change"):
        edit(DEFAULT_PROTOCOL)


def test_clinic_copies_changes_a_threshold_and_publishes() -> None:
    draft = copy_as_draft(DEFAULT_PROTOCOL, "2026.1-clinic-a")
    released = publish(with_threshold(draft, "BMI-01", kg_m2=32.0))
    facts = changed(complete_facts(), bmi_kg_m2=31.0)
    # BMI 31 fails the default's 30 but passes the clinic's 32.
    assert assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).outcome is Outcome.SUITABLE_DISCUSS
    assert assess(facts, released, ASSESSED_ON).outcome is Outcome.SUITABLE
    assert (released.status, released.version) == (ProtocolStatus.PUBLISHED, "2026.1-clinic-a")
    assert DEFAULT_PROTOCOL.rule("BMI-01").check.kg_m2 == 30.0  # type: ignore[attr-defined]


def test_copy_needs_a_new_version() -> None:
    with pytest.raises(ProtocolError, match="new version"):
        copy_as_draft(DEFAULT_PROTOCOL, DEFAULT_PROTOCOL.version)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"kg_m2": "32"}, "expected a number"),
        ({"kg_m2": True}, "expected a number"),
        ({"kg_m2": -1.0}, "cannot be negative"),
        ({"days": 90}, r"unknown field\(s\) \['days'\]"),
    ],
)
def test_threshold_of_the_wrong_type_is_refused_naming_the_rule(
    parameters: dict[str, Any], message: str
) -> None:
    draft = copy_as_draft(DEFAULT_PROTOCOL, "x")
    with pytest.raises(ProtocolError, match=message) as error:
        with_threshold(draft, "BMI-01", **parameters)
    assert error.value.rule_id == "BMI-01"
    assert str(error.value).startswith("rule BMI-01: ")


def test_editing_an_unknown_rule_names_it() -> None:
    with pytest.raises(ProtocolError, match="rule NO-SUCH-01: no such rule"):
        with_threshold(copy_as_draft(DEFAULT_PROTOCOL, "x"), "NO-SUCH-01", years=1)


def _set(rule_id: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        rule_dict(data, rule_id)[key] = value
    return change


def _set_param(rule_id: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        rule_dict(data, rule_id)["check"][key] = value
    return change


def _duplicate(rule_id: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["rules"].append(copy.deepcopy(rule_dict(data, rule_id)))
    return change


def _drop(rule_id: str, key: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        del rule_dict(data, rule_id)[key]
    return change


INVALID = [
    pytest.param(_set_param("AGE-MIN-01", "kind", "minimum_agee"), "AGE-MIN-01",
                 "unknown check kind 'minimum_agee'", id="unknown-kind"),
    pytest.param(_set_param("AGE-MIN-01", "years", "18"), "AGE-MIN-01",
                 "check.years: expected a whole number", id="string-for-int"),
    pytest.param(_set_param("AGE-MIN-01", "years", 18.5), "AGE-MIN-01",
                 "check.years: expected a whole number", id="float-for-int"),
    pytest.param(_set_param("WASHOUT-STEROID-TARGET-01", "joint_scope", "both"),
                 "WASHOUT-STEROID-TARGET-01", "check.joint_scope: expected one of",
                 id="unknown-joint-scope"),
    pytest.param(_set_param("WASHOUT-STEROID-TARGET-01", "target_joint_only", True),
                 "WASHOUT-STEROID-TARGET-01", "unknown field(s) ['target_joint_only']",
                 id="old-and-new-scope-together"),
    pytest.param(_set_param("WASHOUT-STEROID-TARGET-01", "agents", ["cortisone"]),
                 "WASHOUT-STEROID-TARGET-01", "check.agents[0]: expected one of",
                 id="unknown-agent"),
    pytest.param(_set_param("WASHOUT-STEROID-TARGET-01", "days", -90),
                 "WASHOUT-STEROID-TARGET-01", "days cannot be negative", id="negative-days"),
    pytest.param(_set_param("NSAID-01", "weeks", 1), "NSAID-01",
                 "unknown field(s) ['weeks']", id="unknown-parameter"),
    pytest.param(lambda d: rule_dict(d, "NSAID-01")["check"].pop("days"), "NSAID-01",
                 "check.days: is required", id="missing-parameter"),
    pytest.param(_set_param("KNEE-GRADE-02", "highest", 5), "KNEE-GRADE-02",
                 "not within 0-4", id="grade-beyond-scale"),
    pytest.param(_set_param("KNEE-GRADE-02", "scale", "tonnis"), "KNEE-GRADE-02",
                 "tonnis scale is not used for knee", id="scale-not-used-for-joint"),
    pytest.param(_duplicate("BMI-02"), "BMI-02", "duplicate rule id", id="duplicate-id"),
    pytest.param(_drop("BMI-02", "source"), "BMI-02", "missing ['source']", id="missing-source"),
    pytest.param(_set("BMI-02", "source", "  "), "BMI-02", "source is empty", id="empty-source"),
    pytest.param(_set("BMI-02", "sentence", ""), "BMI-02", "sentence is empty",
                 id="empty-sentence"),
    pytest.param(_set("BMI-02", "severity", "fatal"), "BMI-02", "severity must be one of",
                 id="unknown-severity"),
    pytest.param(_set("BMI-02", "joints", ["elbow"]), "BMI-02", "joints must be one of",
                 id="unknown-joint"),
    pytest.param(_set("BMI-02", "joints", []), "BMI-02", "joints is empty", id="no-joints"),
    pytest.param(_set("BMI-02", "product_scope", "xeno"), "BMI-02",
                 "product_scope must be one of", id="unknown-scope"),
    pytest.param(_set("BMI-02", "basis", "hearsay"), "BMI-02", "basis must be one of",
                 id="unknown-basis"),
    pytest.param(_set("BMI-02", "owner", "me"), "BMI-02", "unknown field(s) ['owner']",
                 id="unknown-rule-field"),
    pytest.param(_set("BMI-02", "id", "bmi two"), "bmi two", "id must look like",
                 id="malformed-id"),
]


@pytest.mark.parametrize(("corrupt", "rule_id", "message"), INVALID)
def test_invalid_protocol_is_rejected_naming_the_rule(
    corrupt: Callable[[dict[str, Any]], None], rule_id: str, message: str
) -> None:
    data = default_dict()
    corrupt(data)
    with pytest.raises(ProtocolError) as error:
        protocol_from_dict(data)
    assert error.value.rule_id == rule_id
    assert str(error.value).startswith(f"rule {rule_id}: ")
    assert message in str(error.value)


def test_rule_without_an_id_is_named_by_its_position() -> None:
    data = default_dict()
    del data["rules"][2]["id"]
    with pytest.raises(ProtocolError, match=r"^rule #3: rule is missing \['id'\]"):
        protocol_from_dict(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "final"}, "status must be one of"),
        ({"rules": {}}, "rules must be a list"),
        ({"version": ""}, "needs a name and a version"),
        ({"version": 2}, "version must be text"),
    ],
)
def test_invalid_protocol_header_is_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        protocol_from_dict({**default_dict(), **change})


def test_protocol_built_with_plain_strings_keeps_its_status_meaning() -> None:
    draft = Protocol(
        name="clinic",
        version="1",
        status="draft",  # type: ignore[arg-type]
        rules=DEFAULT_PROTOCOL.rules,
    )
    assert without_rule(draft, "BMI-01").status is ProtocolStatus.DRAFT
    published = Protocol(
        name="clinic", version="1", status="published", rules=()  # type: ignore[arg-type]
    )
    with pytest.raises(ProtocolError, match="published"):
        publish(published)


@pytest.mark.parametrize("stored, scope", [(True, "this_joint"), (False, "any_joint")])
def test_a_washout_stored_with_the_old_boolean_scope_reads_as_the_explicit_one(
        stored: bool, scope: str) -> None:
    # Versions up to 2026.1 stored target_joint_only; a clinic's stored copy still loads.
    data = protocol_to_dict(DEFAULT_PROTOCOL)
    check = rule_dict(data, "WASHOUT-STEROID-TARGET-01")["check"]
    del check["joint_scope"]
    check["target_joint_only"] = stored
    rule = next(r for r in protocol_from_dict(data).rules
                if r.id == "WASHOUT-STEROID-TARGET-01")
    assert rule.check.joint_scope == scope  # type: ignore[attr-defined]
