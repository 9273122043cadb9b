"""Allogeneic donor record and eligibility determination (21 CFR 1271.45-1271.85).

"Eligible" is computed, not chosen: a determination towards eligible goes through the core
(products.donor), which refuses it unless every required test of the panel is recorded,
in its specimen window and non-reactive (docs/donor-eligibility.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.products import donor as core
from orthoregen.products.donor_testing import (
    AT_RECOVERY,
    MARROW,
    Donation,
    Reactivity,
    RecordedResult,
)
from orthoregen.products.product_class import Origin
from orthoregen.web.accounts.signatures import SignatureMeaning, signature_sign
from orthoregen.web.cellbank.models import Donor, DonorTest
from orthoregen.web.cellbank.services.core import CellbankRefused, actor
from orthoregen.web.cellbank.services.investigations import investigation_on_donor
from orthoregen.web.cellbank.services.signoffs import signing_refusals
from orthoregen.web.cellbank.vocabulary import DonorType

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

# The steps a form may ask for, and the core event each becomes.
STEPS = {
    "complete_screening": "Screening complete, no exclusion",
    "exclude_on_screening": "Excluded on screening",
    "determine": "Determination after the test panel",
    "complete_risk_assessment": "Risk assessment complete",
    "reopen": "Re-open on new information",
}


@transaction.atomic
def donor_register(*, site: Site, code: str, donor_type: str, recovered_on: date | None = None,
                   tested_person: str = "", consent_version: str = "",
                   screening_questionnaire_version: str = "", by: User) -> Donor:
    """Register an allogeneic donor; eligibility starts pending screening."""
    if Donor.objects.filter(site=site, code=code).exists():
        raise CellbankRefused(gettext("Donor %(code)s is already registered at this site.")
                              % {"code": code})
    donor = Donor(site=site, code=code, donor_type=donor_type, recovered_on=recovered_on,
                  tested_person=tested_person, consent_version=consent_version,
                  screening_questionnaire_version=screening_questionnaire_version)
    # the registration's author, with or without a request
    donor._history_user = by  # type: ignore[attr-defined]
    donor.save()
    return donor


@transaction.atomic
def donor_test_record(donor: Donor, *, analyte: str, specimen_date: date, result: str,
                      assay: str = "", kit_lot: str = "", lab: str = "", specimen_id: str = "",
                      interpretation: str = "", by: User) -> DonorTest:
    """Record one infectious disease test result of a donor's specimen."""
    return DonorTest.objects.create(
        donor=donor, analyte=analyte, specimen_date=specimen_date, result=result, assay=assay,
        kit_lot=kit_lot, lab=lab, specimen_id=specimen_id, interpretation=interpretation,
        recorded_by=by)


# 21 CFR 1271.85(b) adds HTLV-I/II and CMV for viable, leukocyte-rich cells. Marrow is; cord
# tissue and adipose tissue carry leukocytes before culture, so the panel takes them as such.
LEUKOCYTE_RICH = {DonorType.UMBILICAL_CORD: True, DonorType.DONOR_ADIPOSE: True,
                  DonorType.DONOR_MARROW: True}


def donation_of(donor: Donor) -> Donation | None:
    """Return the donation the donor's panel is judged on, or None before its recovery date."""
    if donor.recovered_on is None:
        return None
    window = MARROW if donor.donor_type == DonorType.DONOR_MARROW else AT_RECOVERY
    return Donation(origin=Origin.ALLOGENEIC, recovered_on=donor.recovered_on,
                    is_leukocyte_rich=LEUKOCYTE_RICH[DonorType(donor.donor_type)],
                    specimen_window=window)


def recorded_results(donor: Donor) -> tuple[RecordedResult, ...]:
    """Return every recorded test result of the donor, as the core reads them."""
    return tuple(RecordedResult(test_id=test.analyte, specimen_date=test.specimen_date,
                                reactivity=Reactivity(test.result))
                 for test in donor.tests.order_by("specimen_date", "pk"))


def donor_determine(donor: Donor, *, by: User, password: str, second_factor: bool = False,
                    step: str, outcome: str = "", reason: str = "",
                    at: datetime | None = None) -> core.DonorDetermination:
    """Apply one eligibility step, signed by who decided, with when (21 CFR 1271.50).

    Every step is an electronic signature meaning "eligibility determination": `by` enters
    their password again (21 CFR 11.200(a)); a wrong one changes nothing and is kept.
    """
    with signing_refusals():
        return _donor_determine(donor, by=by, password=password, second_factor=second_factor,
                                step=step, outcome=outcome, reason=reason, at=at)


@transaction.atomic
def _donor_determine(donor: Donor, *, by: User, password: str, second_factor: bool, step: str,
                     outcome: str, reason: str, at: datetime | None) -> core.DonorDetermination:
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    name = actor(by)
    donation, results = donation_of(donor), recorded_results(donor)
    if step in ("determine", "complete_risk_assessment") and outcome == "eligible" \
            and donation is None:
        raise CellbankRefused(gettext(
            "Record the day the cells were recovered first: each test's specimen window is "
            "counted from it (21 CFR 1271.80(b))."))
    events: dict[str, Callable[[], core.DonorEvent]] = {
        "complete_screening": lambda: core.CompleteScreening(determined_by=name),
        "exclude_on_screening": lambda: core.ExcludeOnScreening(determined_by=name,
                                                                reason=reason),
        "determine": lambda: core.Determine(outcome=core.DonorEligibility(outcome),
                                            determined_by=name, reason=reason,
                                            donation=donation, results=results),
        "complete_risk_assessment": lambda: core.CompleteRiskAssessment(
            outcome=core.DonorEligibility(outcome), determined_by=name, reason=reason,
            donation=donation, results=results),
        "reopen": lambda: core.Reopen(reason=reason),
    }
    if step not in events:
        raise CellbankRefused(gettext("Unknown eligibility step %(step)r.") % {"step": step})
    try:
        result = core.determine_donor(core.DonorEligibility(donor.eligibility), events[step]())
    except (core.DonorDeterminationRefused, ValueError) as refused:
        raise CellbankRefused(str(refused)) from None
    if step == "complete_screening":
        donor.screening_reviewed_by = by
        donor.screening_reviewed_on = (at or timezone.now()).date()
    donor.eligibility = result.status
    donor.determined_by = by
    donor.determined_at = at or timezone.now()
    donor.determination_reason = reason
    signature_sign(signer=by, password=password,
                   meaning=SignatureMeaning.ELIGIBILITY_DETERMINATION, record=donor,
                   content={"donor": donor.code, "step": step, "outcome": outcome,
                            "eligibility": str(result.status), "reason": reason,
                            "tests": _results_signed(results)},
                   second_factor=second_factor, at=donor.determined_at)
    if result.finding is not None:
        donor.eligibility_finding = result.finding.as_record()
    donor.save()
    if _stops_units(step, result.status):
        # 21 CFR 1271.60 and 1271.290(a): in the same transaction, every unit of the donor
        # goes on hold, issued ones are recalled, and the look-back starts.
        event = "re-opened" if step == "reopen" else "determined ineligible"
        investigation_on_donor(donor, reason=f"Donor {donor.code} {event}: {reason.strip()}"
                               .rstrip(": "), by=by, at=donor.determined_at)
    return result


def _results_signed(results: tuple[RecordedResult, ...]) -> list[list[str]]:
    return [[r.test_id, r.specimen_date.isoformat(), str(r.reactivity)] for r in results]


def _stops_units(step: str, status: core.DonorEligibility) -> bool:
    return step == "reopen" or status == core.DonorEligibility.INELIGIBLE
