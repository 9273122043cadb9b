"""A unit's whole release panel entered at once: each test of its specification, one transaction.

Each result goes through `units.qc_record`, which keeps the lot-before-unit lock order and
opens investigations and holds as a single result does; the panel only adds that all of them
are saved or none: one value out of range, or one result `qc_record` refuses, refuses the
panel and names the test (docs/cell-products.md#release-specifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.products.release import (
    GRAM_STAIN,
    EndotoxinPerDose,
    MustBeNegative,
    PercentAtLeast,
    PercentAtMost,
    ReleaseSpecification,
)
from orthoregen.web.cellbank.models import ProductUnit, QcResult
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.release import lineage_qc, release_spec_for
from orthoregen.web.cellbank.services.units import qc_record, qc_value_problem
from orthoregen.web.cellbank.vocabulary import OUTCOME_TESTS, QcTest

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


@dataclass(frozen=True)
class PanelTest:
    """One line of the panel: the test, what it is measured in, and what the spec asks."""

    test: str
    label: str
    measured_in: str  # "%", "EU/mL", or "" for a culture's outcome
    specification: str
    citation: str

    @property
    def takes_outcome(self) -> bool:
        return self.test in OUTCOME_TESTS


@dataclass(frozen=True)
class PanelResult:
    """A result as entered: a value, or a culture's outcome, with the method used."""

    test: str
    value: float | None = None
    outcome: str = ""
    method: str = ""


class PanelRefused(CellbankRefused):
    """The panel was refused because of one test's result; nothing of it was saved."""

    def __init__(self, test: str, message: str) -> None:
        super().__init__(f"{QcTest(test).label}: {message}")
        self.test = test
        self.reason = message


# Project rule (docs/cell-products.md#conditional-release-pending-sterility): a Gram stain is
# asked for with every panel, as release pending sterility needs it.
_GRAM = ("negative, for release pending sterility",
         "docs/cell-products.md#conditional-release-pending-sterility")


def panel_tests(spec: ReleaseSpecification) -> list[PanelTest]:
    """Return the tests of a specification in its order, each with its criterion as text."""
    tests: list[PanelTest] = []
    for criterion in spec.criteria:
        match criterion:
            case PercentAtLeast(test_id=test, minimum_percent=minimum):
                tests.append(_line(test, "%", f"≥ {minimum:g} %", criterion.citation))
            case PercentAtMost(test_ids=ids, maximum_percent=maximum):
                either = " (or " + " / ".join(ids) + ")" if len(ids) > 1 else ""
                tests += [_line(t, "%", f"≤ {maximum:g} %{either}", criterion.citation)
                          for t in ids]
            case MustBeNegative(test_id=test):
                tests.append(_line(test, "", "negative", criterion.citation))
            case EndotoxinPerDose(k_eu_per_kg=k):
                said = f"EU in the dose ≤ {k:g} EU/kg × the recipient's weight"
                tests.append(_line(QcTest.ENDOTOXIN, "EU/mL", said, criterion.citation))
    if GRAM_STAIN not in {t.test for t in tests}:
        tests.append(_line(GRAM_STAIN, "", *_GRAM))
    return tests


def _line(test: str, measured_in: str, specification: str, citation: str) -> PanelTest:
    label = QcTest(test).label.removesuffix(" (%)").removesuffix(" (EU/mL)")
    return PanelTest(test, label, measured_in, specification, citation)


def qc_panel_of(unit: ProductUnit) -> tuple[list[PanelTest], dict[str, QcResult]]:
    """Return the unit's panel and the latest result of each test (its own, or its lot's)."""
    return panel_tests(release_spec_for(unit)), lineage_qc(unit)


@transaction.atomic
def qc_panel_record(unit: ProductUnit, *, by: User, results: Sequence[PanelResult],
                    at: datetime | None = None, base_url: str | None = None) -> list[QcResult]:
    """Record every result of a panel, or none: the first refused one refuses them all."""
    at = at or timezone.now()
    if not results:
        raise CellbankRefused(gettext("Enter at least one result of the panel."))
    for result in results:
        problem = result_problem(result)
        if problem:
            raise PanelRefused(result.test, problem)
    saved = []
    for result in results:
        try:
            saved.append(qc_record(unit, by=by, test=result.test, value=result.value,
                                   outcome=result.outcome, method=result.method, at=at,
                                   base_url=base_url))
        except CellbankRefused as refused:
            raise PanelRefused(result.test, str(refused)) from None
    return saved


def result_problem(result: PanelResult) -> str:
    """Return why an entered result cannot be a result of its test, or "" if it can."""
    return qc_value_problem(result.test, value=result.value, outcome=result.outcome)
