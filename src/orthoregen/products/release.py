"""Evaluate a unit's quality-control results against a versioned release specification.

Default specifications (docs/cell-products.md#release-specifications): ISCT identity markers
(Dominici et al., Cytotherapy 2006;8:315-317, doi:10.1080/14653240600855905), viability
>= 70 % (FDA 2008 CMC guidance, `CFG`), sterility (USP <71>, Ph. Eur. 2.6.1 / 2.6.27),
mycoplasma (USP <63>, Ph. Eur. 2.6.7) and endotoxin K/M with K = 5 EU/kg for any
non-intrathecal route (USP <85>). A product may carry its own stricter or different
specification (e.g. the phase I/II specification of J Transl Med 2018).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from orthoregen.pathways.snapshot import SnapshotError, from_jsonable, to_jsonable
from orthoregen.products.product_class import ProductClass


class QcOutcome(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"
    PENDING = "pending"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"
    MISSING = "missing"
    # A stored result of the wrong kind (a culture outcome for a percentage, a number for a
    # culture): never a pass, and never a crash that locks the unit's page; someone corrects it.
    NEEDS_REVIEW = "needs_review"


class ReleaseOutcome(StrEnum):
    FULL = "full"
    CONDITIONAL_PENDING_STERILITY = "conditional_pending_sterility"
    NOT_RELEASABLE = "not_releasable"


@dataclass(frozen=True, kw_only=True)
class PercentAtLeast:
    """Pass when the measured % is at least `minimum_percent` (e.g. CD73 >= 95 %)."""

    test_id: str
    minimum_percent: float
    citation: str


@dataclass(frozen=True, kw_only=True)
class PercentAtMost:
    """Pass when every measured alternative is at most `maximum_percent` (CD14 or CD11b)."""

    test_ids: tuple[str, ...]
    maximum_percent: float
    citation: str


@dataclass(frozen=True, kw_only=True)
class MustBeNegative:
    test_id: str
    citation: str


@dataclass(frozen=True, kw_only=True)
class EndotoxinPerDose:
    """USP <85>: total EU in the dose <= K x body weight (K EU/kg; M = whole dose at once)."""

    k_eu_per_kg: float
    citation: str
    # Project default (CFG): a missing weight is computed as 70 kg and the evaluation flagged.
    assumed_weight_kg: float = 70.0


Criterion = PercentAtLeast | PercentAtMost | MustBeNegative | EndotoxinPerDose


@dataclass(frozen=True)
class ReleaseSpecification:
    spec_id: str
    version: str
    effective_from: date
    product_classes: frozenset[ProductClass]
    criteria: tuple[Criterion, ...]
    # Tests that do not apply, with the reason recorded instead of a blank.
    not_applicable: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QcResults:
    """Measured values by test id: percentages as numbers, culture results as QcOutcome."""

    values: Mapping[str, float | QcOutcome]
    volume_ml: float | None = None
    recipient_weight_kg: float | None = None

    def __post_init__(self) -> None:
        # Culture results may arrive as text ("negative"); anything else must be a number.
        values = {k: QcOutcome(v) if isinstance(v, str) else v for k, v in self.values.items()}
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class CriterionVerdict:
    criterion: str
    verdict: Verdict
    detail: str


@dataclass(frozen=True)
class ReleaseEvaluation:
    spec_id: str
    spec_version: str
    verdicts: tuple[CriterionVerdict, ...]
    outcome: ReleaseOutcome
    flags: tuple[str, ...] = ()


_KIND_OF: dict[type, str] = {
    PercentAtLeast: "percent_at_least",
    PercentAtMost: "percent_at_most",
    MustBeNegative: "must_be_negative",
    EndotoxinPerDose: "endotoxin_per_dose",
}

STERILITY = "sterility"
GRAM_STAIN = "gram_stain"
ENDOTOXIN = "endotoxin_eu_per_ml"

_ISCT = "ISCT 2006 (Dominici M et al., Cytotherapy 2006;8:315-7, doi:10.1080/14653240600855905)"
_IDENTITY = tuple(
    PercentAtLeast(test_id=m, minimum_percent=95.0, citation=_ISCT)
    for m in ("CD73", "CD90", "CD105")
) + tuple(
    PercentAtMost(test_ids=ids, maximum_percent=2.0, citation=_ISCT)
    for ids in (("CD45",), ("CD34",), ("CD14", "CD11b"), ("CD79a", "CD19"), ("HLA-DR",))
)
_VIABILITY = PercentAtLeast(
    test_id="viability",
    minimum_percent=70.0,
    citation="FDA CMC guidance for human somatic cell therapy INDs (April 2008)",
)
_STERILE = MustBeNegative(
    test_id=STERILITY, citation="21 CFR 610.12; USP <71>; Ph. Eur. 2.6.1/2.6.27"
)
_MYCOPLASMA = MustBeNegative(test_id="mycoplasma", citation="USP <63>; Ph. Eur. 2.6.7")
_ENDOTOXIN = EndotoxinPerDose(k_eu_per_kg=5.0, citation="USP <85> K = 5 EU/kg, non-intrathecal")

CULTURED_MSC_SPEC = ReleaseSpecification(
    spec_id="cultured_msc_default",
    version="2026.1",
    effective_from=date(2026, 1, 1),
    product_classes=frozenset(
        {
            ProductClass.AUTOLOGOUS_ADIPOSE_MSC,
            ProductClass.AUTOLOGOUS_MARROW_MSC,
            ProductClass.UMBILICAL_CORD_MSC,
            ProductClass.DONOR_ADIPOSE_MSC,
            ProductClass.DONOR_MARROW_MSC,
        }
    ),
    criteria=(*_IDENTITY, _VIABILITY, _STERILE, _MYCOPLASMA, _ENDOTOXIN),
)

POINT_OF_CARE_SPEC = ReleaseSpecification(
    spec_id="point_of_care_default",
    version="2026.1",
    effective_from=date(2026, 1, 1),
    product_classes=frozenset({ProductClass.BMAC, ProductClass.SVF, ProductClass.MFAT}),
    criteria=(_VIABILITY, _STERILE, _ENDOTOXIN),
    not_applicable=(
        ("identity markers", "ISCT MSC criteria do not apply to uncultured products"),
        ("mycoplasma", "usually not performed for same-day point-of-care products"),
    ),
)


def evaluate_release(spec: ReleaseSpecification, results: QcResults) -> ReleaseEvaluation:
    """Judge each criterion pass/fail/pending/missing and say which release is possible."""
    verdicts, flags = [], []
    for criterion in spec.criteria:
        verdict, flag = _judge(criterion, results)
        verdicts.append(verdict)
        flags += flag
    outcome = _outcome(verdicts, results)
    return ReleaseEvaluation(spec.spec_id, spec.version, tuple(verdicts), outcome, tuple(flags))


def spec_to_json(spec: ReleaseSpecification) -> dict[str, Any]:
    """Return a specification as JSON-ready data; each criterion names its `kind`."""
    data: dict[str, Any] = to_jsonable(spec)
    data["criteria"] = [{"kind": _KIND_OF[type(c)], **to_jsonable(c)} for c in spec.criteria]
    return data


def spec_from_json(data: Any) -> ReleaseSpecification:
    """Read a stored specification, naming the path of any unknown kind, field or type."""
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
        raise SnapshotError("criteria", "expected a list of criteria")
    criteria = tuple(
        _criterion_from_json(item, f"criteria[{i}]") for i, item in enumerate(data["criteria"])
    )
    shell = from_jsonable(ReleaseSpecification, {**data, "criteria": []})
    return replace(shell, criteria=criteria)


def _criterion_from_json(item: Any, path: str) -> Criterion:
    kinds = {kind: cls for cls, kind in _KIND_OF.items()}
    kind = item.get("kind") if isinstance(item, dict) else None
    if kind not in kinds:
        raise SnapshotError(f"{path}.kind", f"expected one of {sorted(kinds)}, got {kind!r}")
    fields = {k: v for k, v in item.items() if k != "kind"}
    criterion: Criterion = from_jsonable(kinds[kind], fields, path)
    return criterion


def endotoxin_limit_eu(k_eu_per_kg: float, weight_kg: float) -> float:
    """Return the USP <85> limit K/M for a whole dose given at once, in EU per dose."""
    return k_eu_per_kg * weight_kg


def _judge(criterion: Criterion, results: QcResults) -> tuple[CriterionVerdict, list[str]]:
    values = results.values
    match criterion:
        case PercentAtLeast(test_id=test_id, minimum_percent=minimum):
            name = f"{test_id} >= {minimum:g} %"
            value = values.get(test_id)
            if value is None:
                return CriterionVerdict(name, Verdict.MISSING, f"no {test_id} result"), []
            if not _is_number(value):
                return _needs_review(name, test_id, value), []
            ok = float(value) >= minimum
            return _verdict(name, ok, f"{test_id} {value} %"), []
        case PercentAtMost(test_ids=test_ids, maximum_percent=maximum):
            name = f"{' or '.join(test_ids)} <= {maximum:g} %"
            measured = {t: values[t] for t in test_ids if t in values}
            if not measured:
                return CriterionVerdict(name, Verdict.MISSING, f"no {' or '.join(test_ids)}"), []
            for t, v in measured.items():
                if not _is_number(v):
                    return _needs_review(name, t, v), []
            ok = all(float(v) <= maximum for v in measured.values())
            shown = ", ".join(f"{t} {v} %" for t, v in measured.items())
            return _verdict(name, ok, shown), []
        case MustBeNegative(test_id=test_id):
            name = f"{test_id} negative"
            value = values.get(test_id)
            if value is None:
                return CriterionVerdict(name, Verdict.MISSING, f"no {test_id} result"), []
            if not isinstance(value, QcOutcome):
                return _needs_review(name, test_id, value), []
            if value is QcOutcome.PENDING:
                return CriterionVerdict(name, Verdict.PENDING, f"{test_id} culture pending"), []
            return _verdict(name, value is QcOutcome.NEGATIVE, f"{test_id} {value}"), []
        case EndotoxinPerDose():
            return _judge_endotoxin(criterion, results)
    raise TypeError(f"unknown criterion {criterion!r}")


def _judge_endotoxin(
    criterion: EndotoxinPerDose, results: QcResults
) -> tuple[CriterionVerdict, list[str]]:
    name = f"endotoxin <= {criterion.k_eu_per_kg:g} EU/kg per dose"
    measured = results.values.get(ENDOTOXIN)
    if measured is None or results.volume_ml is None:
        return CriterionVerdict(name, Verdict.MISSING, "no endotoxin result or no dose volume"), []
    if not _is_number(measured):
        return _needs_review(name, ENDOTOXIN, measured), []
    flags = []
    weight = results.recipient_weight_kg
    if weight is None:
        weight = criterion.assumed_weight_kg
        flags.append(f"endotoxin limit computed with an assumed {weight:g} kg (no weight recorded)")
    limit = endotoxin_limit_eu(criterion.k_eu_per_kg, weight)
    total = float(measured) * results.volume_ml
    detail = f"{total:g} EU in {results.volume_ml:g} mL; limit {limit:g} EU for {weight:g} kg"
    return _verdict(name, total <= limit, detail), flags


def _is_number(value: float | QcOutcome) -> bool:
    return not isinstance(value, QcOutcome) and isinstance(value, (int, float))


def _needs_review(name: str, test_id: str, value: object) -> CriterionVerdict:
    kind = "a culture outcome" if isinstance(value, QcOutcome) else "a number"
    return CriterionVerdict(name, Verdict.NEEDS_REVIEW,
                            f"{test_id} is recorded as {kind} ({value}): correct the result")


def _verdict(name: str, ok: bool, detail: str) -> CriterionVerdict:
    return CriterionVerdict(name, Verdict.PASS if ok else Verdict.FAIL, detail)


def _outcome(verdicts: list[CriterionVerdict], results: QcResults) -> ReleaseOutcome:
    if all(v.verdict is Verdict.PASS for v in verdicts):
        return ReleaseOutcome.FULL
    waiting = [v for v in verdicts if v.verdict is not Verdict.PASS]
    only_sterility = [v.criterion for v in waiting] == [f"{STERILITY} negative"] and (
        waiting[0].verdict is Verdict.PENDING
    )
    # 1.3: conditional release needs a Gram stain result (and the endotoxin result, a criterion).
    if only_sterility and results.values.get(GRAM_STAIN) is QcOutcome.NEGATIVE:
        return ReleaseOutcome.CONDITIONAL_PENDING_STERILITY
    return ReleaseOutcome.NOT_RELEASABLE
