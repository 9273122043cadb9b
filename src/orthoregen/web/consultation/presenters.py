"""Shape assessments for the pages, from their dict form, so a live assessment and a
decision stored years ago are shown by the same code from the same kind of data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orthoregen.pathways import fact_label
from orthoregen.web.consultation.models.decisions import OUTCOME_LABELS

STATUS_ORDER = {"failed": 0, "missing": 1, "passed": 2, "not_applicable": 3}
STATUS_LABELS = {"failed": "Failed", "missing": "Data missing", "passed": "Passed",
                 "not_applicable": "Not applicable"}
SEVERITY_LABELS = {"hard_stop": "Hard stop", "needs_reason": "Needs reason", "warn": "Warn",
                   "info": "Info"}


def outcome_text(outcome: str, defer_until: str | dt.date | None) -> str:
    """Return the badge text of an outcome, with its date for a deferral."""
    label = OUTCOME_LABELS.get(outcome, outcome)
    if outcome == "defer" and defer_until:
        day = dt.date.fromisoformat(defer_until) if isinstance(defer_until, str) else defer_until
        return f"{label} until {day:%d %b %Y}"
    return label


def severity_words(text: str) -> str:
    """Name a severity a rule's source mentions in words: the stored text stays as published
    (a protocol version's wording changes only with a new version)."""
    for code, label in SEVERITY_LABELS.items():
        text = text.replace(f"severity {code}", f"severity '{label.lower()}'")
    return text


def result_rows(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per rule, failed and missing first, each with its reason and data."""
    rows = [
        {
            "rule_id": result["rule_id"],
            "status": result["status"],
            "status_label": STATUS_LABELS.get(result["status"], result["status"]),
            "severity": result["severity"],
            "severity_label": SEVERITY_LABELS.get(result["severity"], result["severity"]),
            "sentence": result["sentence"],
            "source": severity_words(result["source"]),
            "data_used": [(fact_label(path), _value(value)) for path, value in result["data_used"]],
            "missing": [fact_label(path) for path in result["missing"]],
            "passes_from": result["passes_from"],
        }
        for result in assessment["results"]
    ]
    return sorted(rows, key=lambda row: STATUS_ORDER.get(row["status"], 9))


def summary(assessment: dict[str, Any]) -> dict[str, Any]:
    """Return the outcome badge, the rows that matter and what to collect."""
    rows = result_rows(assessment)
    return {
        "outcome": assessment["outcome"],
        "outcome_text": outcome_text(assessment["outcome"], assessment.get("defer_until")),
        "protocol": f"{assessment['protocol_name']} {assessment['protocol_version']}",
        "assessed_on": assessment["assessed_on"],
        "attention": [row for row in rows if row["status"] in ("failed", "missing")],
        "passed": [row for row in rows if row["status"] == "passed"],
        "not_applicable": [row for row in rows if row["status"] == "not_applicable"],
        "to_collect": [fact_label(path) for path in assessment.get("to_collect", [])],
    }


def _value(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_value(item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {_value(item)}"
                         for key, item in value.items() if item is not None)
    return str(value).replace("_", " ")
