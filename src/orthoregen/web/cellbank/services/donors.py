"""Allogeneic donor record and eligibility determination (cell_products.md 2.4-2.5)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from orthoregen.products import donor as core
from orthoregen.web.cellbank.models import Donor, DonorTest
from orthoregen.web.cellbank.services.core import CellbankRefused, actor

# The steps a form may ask for, and the core event each becomes.
STEPS = {
    "complete_screening": "Screening complete, no exclusion",
    "exclude_on_screening": "Excluded on screening",
    "determine": "Determination after the test panel",
    "complete_risk_assessment": "Risk assessment complete",
    "reopen": "Re-open on new information",
}


@transaction.atomic
def donor_register(*, site, by, **fields) -> Donor:
    """Register an allogeneic donor; eligibility starts pending screening."""
    if Donor.objects.filter(site=site, code=fields["code"]).exists():
        raise CellbankRefused(f"Donor {fields['code']} is already registered at this site.")
    return Donor.objects.create(site=site, **fields)


@transaction.atomic
def donor_test_record(donor: Donor, *, by, **fields) -> DonorTest:
    """Record one infectious disease test result of a donor's specimen."""
    return DonorTest.objects.create(donor=donor, recorded_by=by, **fields)


@transaction.atomic
def donor_determine(donor: Donor, *, by, step: str, outcome: str = "", reason: str = "",
                    at: datetime | None = None) -> core.DonorDetermination:
    """Apply one eligibility step, recording who decided and when (21 CFR 1271.50)."""
    donor = Donor.objects.select_for_update().get(pk=donor.pk)
    name = actor(by)
    events = {
        "complete_screening": lambda: core.CompleteScreening(determined_by=name),
        "exclude_on_screening": lambda: core.ExcludeOnScreening(determined_by=name,
                                                                reason=reason),
        "determine": lambda: core.Determine(outcome=outcome, determined_by=name, reason=reason),
        "complete_risk_assessment": lambda: core.CompleteRiskAssessment(
            outcome=outcome, determined_by=name, reason=reason),
        "reopen": lambda: core.Reopen(reason=reason),
    }
    if step not in events:
        raise CellbankRefused(f"Unknown eligibility step {step!r}.")
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
    donor.save()
    return result
