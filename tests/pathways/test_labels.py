"""Every fact a default rule can ask for has a name in the clinic's words."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest

from orthoregen.pathways import DEFAULT_PROTOCOL, CandidacyFacts, assess
from orthoregen.pathways.facts import (
    Comorbidities,
    InjectionAgent,
    Joint,
    Malignancy,
    MalignancyStatus,
    Medications,
    PriorInjection,
    PriorSurgery,
    Side,
    SurgeryKind,
)
from orthoregen.pathways.labels import FACT_LABELS, fact_label

from .builders import ASSESSED_ON

UNKNOWN_DETAILS = [
    {},
    {"prior_injections": (PriorInjection(InjectionAgent.CORTICOSTEROID, Joint.KNEE),),
     "prior_surgeries": (PriorSurgery(SurgeryKind.MENISCECTOMY, Joint.KNEE),),
     "comorbidities": Comorbidities(diabetes=True, childbearing_potential=True,
                                    malignancy=Malignancy(MalignancyStatus.IN_REMISSION)),
     "medications": Medications(nsaid=True)},
]


@pytest.mark.parametrize("joint", list(Joint))
@pytest.mark.parametrize("details", UNKNOWN_DETAILS)
def test_every_fact_a_rule_asks_for_has_a_label(joint: Joint, details: dict) -> None:
    facts = CandidacyFacts(joint, Side.LEFT, **details)
    to_collect = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).to_collect
    assert to_collect
    assert [path for path in to_collect if fact_label(path) == path] == []


def test_indexed_path_names_the_entry() -> None:
    assert fact_label("prior_injections[0].given_on") == "date of a prior injection (entry 1)"


def _resolves(path: str) -> bool:
    kind: Any = CandidacyFacts
    for name in path.split("."):
        hints = typing.get_type_hints(kind) if dataclasses.is_dataclass(kind) else {}
        if name not in hints:
            return False
        # Unwrap "X | None" and "tuple[X, ...]" to the dataclass X underneath.
        kind = next((arg for arg in typing.get_args(hints[name]) if arg is not type(None)),
                    hints[name])
        kind = typing.get_args(kind)[0] if typing.get_origin(kind) is tuple else kind
    return True


def test_labels_name_only_facts_that_exist() -> None:
    assert [path for path in FACT_LABELS if not _resolves(path)] == []
    assert not _resolves("comorbidities.diabetic")
