"""Describe instrument definitions as plain JSON-ready data (for the CLI and the API)."""

from __future__ import annotations

from typing import Any

from orthoregen.instruments.definitions import Instrument, Item, Subscale, Threshold
from orthoregen.instruments.registry import option_specs


def describe(instrument: Instrument) -> dict[str, Any]:
    """Return everything a reader needs to check a definition against its guide."""
    chosen = dict(instrument.options)
    return {
        "id": instrument.id,
        "name": instrument.name,
        "version": instrument.version,
        "joints": list(instrument.joints),
        "completed_by": instrument.completed_by.value,
        "recall_period": instrument.recall_period,
        "licence": {
            "owner": instrument.licence.owner,
            "terms": instrument.licence.terms,
            "ships_wording": instrument.licence.ships_wording,
        },
        "loinc_panel": instrument.loinc_panel,
        "options": [
            {
                "name": spec.name,
                "value": chosen.get(spec.name, spec.default),
                "choices": list(spec.choices),
                "default": spec.default,
                "description": spec.description,
            }
            for spec in option_specs(instrument.id)
        ],
        "items": [_item(item) for item in instrument.items],
        "subscales": [_subscale(subscale) for subscale in instrument.subscales],
        "thresholds": [_threshold(threshold) for threshold in instrument.thresholds],
        "references": list(instrument.references),
        "notes": list(instrument.notes),
    }


def _item(item: Item) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": item.id,
        "topic": item.topic,
        "higher_is_better": item.higher_is_better,
    }
    if item.scale is None:
        described["codes"] = [_number(code) for code in item.options]
    else:
        described["scale"] = {
            "minimum": _number(item.scale.minimum),
            "maximum": _number(item.scale.maximum),
            "unit": item.scale.unit,
            "whole_numbers": item.scale.whole_numbers,
        }
    return described


def _subscale(subscale: Subscale) -> dict[str, Any]:
    return {
        "id": subscale.id,
        "name": subscale.name,
        "items": list(subscale.items),
        "formula": subscale.rule.formula,
        "missing_rule": subscale.rule.missing_rule,
        "range": [_number(subscale.minimum), _number(subscale.maximum)],
        "higher_is_better": subscale.higher_is_better,
        "display_decimals": subscale.decimals,
        "loinc": subscale.loinc,
    }


def _threshold(threshold: Threshold) -> dict[str, Any]:
    return {
        "subscale": threshold.subscale,
        "kind": threshold.kind.value,
        "value": threshold.value,
        "unit": threshold.unit,
        "joint": threshold.joint,
        "population": threshold.population,
        "source": threshold.source,
        "evidence": threshold.evidence.value,
        "basis": threshold.basis.value,
        "note": threshold.note,
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
