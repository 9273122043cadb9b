"""Product investigations: open one when a product already given to patients fails a
microbial or endotoxin test, list every patient and joint to review, alert, and close.

Sources: docs/cell-products.md#conditional-release-pending-sterility (positive culture after
administration: open an investigation linked to the administration and notify the treating
physician), docs/cell-products.md#endotoxin (endotoxin per dose, USP <85> K/M) and
docs/cell-products.md#lineage-and-look-back (look-back over the whole lineage). A failed
result on any unit of a split tree puts every administered unit of the tree under review:
whether the contamination came before or after the division is what the investigation finds
out.
The wording claims nothing about harm: these are patients to review.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.web import stages
from orthoregen.web.accounts.models import SiteSafetyLead
from orthoregen.web.cellbank.lookback import lookback_from_donor, lookback_from_units
from orthoregen.web.cellbank.models import (
    Administration,
    Donor,
    InvestigationFinding,
    InvestigationRecipient,
    ProductInvestigation,
    ProductUnit,
    QcResult,
)
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.holds import (
    lot_hold_after_close,
    lot_hold_on_event,
    lot_id_of,
)
from orthoregen.web.cellbank.services.recipient_weight import (
    endotoxin_over_recipient_limit,
    recipient_weight,
)
from orthoregen.web.cellbank.vocabulary import MICROBIAL_TESTS, InvestigationStatus, QcTest
from orthoregen.web.mail import mail_connection, portal_base_url

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

LOG = logging.getLogger(__name__)


def investigation_on_result(result: QcResult, *, by: User, base_url: str | None = None
                            ) -> ProductInvestigation | None:
    """Open, or add to, the investigation of a result's lot if it fails after administration.

    Runs inside the caller's transaction (qc_record), so the result and the investigation
    are saved together or not at all; the alert is sent only once they are committed.
    """
    if not _may_fail(result):
        return None
    lot = _locked_lot(result.unit)
    implicated = _implicated(result, _administrations_of(lot))
    if not implicated:
        return None
    investigation = _open_investigation(lot, by=by)
    finding = InvestigationFinding.objects.create(investigation=investigation, qc_result=result,
                                                  reason=_reason(result))
    under_review = set(investigation.recipients.values_list("administration_id", flat=True))
    for administration, detail in implicated:
        if administration.pk not in under_review:
            InvestigationRecipient.objects.create(investigation=investigation, finding=finding,
                                                  administration=administration, detail=detail)
    transaction.on_commit(lambda: investigation_alert(finding, base_url=base_url))
    return investigation


def investigation_on_donor(donor: Donor, *, reason: str, by: User, at: datetime,
                           base_url: str | None = None) -> list[ProductInvestigation]:
    """Stop every unit of a donor whose determination was re-opened or found ineligible.

    21 CFR 1271.290(a) and docs/donor-eligibility.md: new donor information reaches every
    unit made from the donor. Each lot (first unit of a split tree) from the donor gets an
    investigation naming the event, in the caller's transaction (donor_determine).
    """
    rows = lookback_from_donor(donor.pk, site_ids=[donor.site_id])
    lots = sorted({lot_id_of(ProductUnit(pk=r.unit_id, parent_id=r.parent_id))
                   for r in rows if r.depth == 0})
    return [investigation_on_event(ProductUnit(pk=lot_id), reason=reason, donor=donor, by=by,
                                   at=at, base_url=base_url) for lot_id in lots]


def investigation_on_event(lot: ProductUnit, *, reason: str, by: User, at: datetime,
                           donor: Donor | None = None,
                           base_url: str | None = None) -> ProductInvestigation:
    """Open, or add to, a lot's investigation for a donor event or a recall, in the caller's
    transaction: hold every unit not yet given, put every administration under review, and
    ask the follow-up stage for a look-back task per recipient (web/stages.py). The safety
    leads and the injecting clinicians are emailed once the transaction commits.
    """
    lot = _locked_lot(lot)
    investigation = _open_investigation(lot, by=by)
    finding = InvestigationFinding.objects.create(investigation=investigation, donor=donor,
                                                  reason=reason[:300], at=at, by=by)
    under_review = set(investigation.recipients.values_list("administration_id", flat=True))
    newly = [a for a in _administrations_of(lot) if a.pk not in under_review]
    for administration in newly:
        InvestigationRecipient.objects.create(
            investigation=investigation, finding=finding, administration=administration,
            detail=f"given unit {administration.unit.identifier}")
    lot_hold_on_event(lot, investigation, why=reason, by=by, at=at)
    stages.after_lookback(newly, reason=f"Product investigation {investigation.pk}: {reason}",
                          by=by)
    transaction.on_commit(lambda: investigation_alert(finding, base_url=base_url))
    return investigation


@transaction.atomic
def investigation_close(investigation: ProductInvestigation, *, by: User, conclusion: str,
                        at: datetime | None = None) -> ProductInvestigation:
    """Close an open investigation with its conclusion, recording who closed it and when.

    Its hold on the lot ends; each unit not yet given gets a custody note saying so.
    """
    investigation = ProductInvestigation.objects.select_for_update().get(pk=investigation.pk)
    if not investigation.is_open:
        raise CellbankRefused(gettext("Product investigation %(number)s is already closed.")
                              % {"number": investigation.pk})
    if not conclusion.strip():
        raise CellbankRefused(gettext("Write the conclusion before closing the investigation."))
    investigation.status = InvestigationStatus.CLOSED
    investigation.conclusion = conclusion.strip()
    investigation.closed_by = by
    investigation.closed_at = at or timezone.now()
    investigation.save()
    lot_hold_after_close(investigation, by=by, at=investigation.closed_at)
    return investigation


def _may_fail(result: QcResult) -> bool:
    if result.test in MICROBIAL_TESTS:
        return result.outcome == "positive"
    return result.test == QcTest.ENDOTOXIN and result.value is not None


def _locked_lot(unit: ProductUnit) -> ProductUnit:
    # Every result of a tree locks its first unit, so two results recorded at once on two
    # units of one lot cannot both open an investigation.
    return ProductUnit.objects.select_for_update().select_related("site").get(pk=lot_id_of(unit))


def _administrations_of(lot: ProductUnit) -> list[Administration]:
    rows = lookback_from_units([lot.pk], site_ids=[lot.site_id])
    given = [r.unit_id for r in rows if r.administered_at is not None]
    return list(Administration.objects.filter(unit_id__in=given).select_related(
        "unit__site", "procedure_joint__procedure__operator", "procedure_joint__episode__patient",
        "by").order_by("administered_at"))


def _implicated(result: QcResult, given: list[Administration]) -> list[tuple]:
    """Return each administration under review with why: all, or those over the dose limit."""
    if result.test in MICROBIAL_TESTS:
        return [(a, f"given unit {a.unit.identifier}") for a in given]
    if result.value is None:  # only an endotoxin value reaches here (_may_fail)
        return []
    value = result.value
    over = [(a, _endotoxin_over_limit(value, a)) for a in given]
    return [(a, f"given unit {a.unit.identifier}: {detail}") for a, detail in over if detail]


def _endotoxin_over_limit(eu_per_ml: float, administration: Administration) -> str:
    """Return the dose, limit and weight used if this administration's endotoxin was over
    the recipient's own limit: 5 EU/kg x their weight at administration (USP <85>;
    docs/cell-products.md#endotoxin)."""
    unit, joint = administration.unit, administration.procedure_joint
    given_on = timezone.localdate(administration.administered_at)
    return endotoxin_over_recipient_limit(
        eu_per_ml, unit, on=given_on, volume_ml=unit.volume_ml or joint.injectate_volume_ml,
        weight=recipient_weight(joint.episode.patient, given_on))


def _open_investigation(lot: ProductUnit, *, by: User) -> ProductInvestigation:
    return ProductInvestigation.objects.filter(
        lot=lot, status=InvestigationStatus.OPEN).first() or \
        ProductInvestigation.objects.create(site=lot.site, lot=lot, opened_at=timezone.now(),
                                            opened_by=by)


def _reason(result: QcResult) -> str:
    label = QcTest(result.test).label
    if result.test in MICROBIAL_TESTS:
        return f"{label} positive on unit {result.unit.identifier}"
    return (f"Endotoxin {result.value:g} EU/mL on unit {result.unit.identifier}: over the "
            "per-dose limit for a unit given")


def alert_recipients(investigation: ProductInvestigation) -> list[str]:
    """Return who is told: the clinicians who injected or administered, and the safety leads."""
    entries = investigation.recipients.select_related(
        "administration__by", "administration__procedure_joint__procedure__operator")
    users = [lead.user for lead in SiteSafetyLead.objects.filter(site=investigation.site_id)
             .select_related("user")]
    for entry in entries:
        users += [entry.administration.by, entry.administration.procedure_joint.procedure.operator]
    return sorted({u.email for u in users if u.email and u.is_active})


def investigation_alert(finding: InvestigationFinding, *, base_url: str | None = None) -> int:
    """Email the clinicians about a finding; record who was told; return messages sent."""
    investigation = finding.investigation
    recipients = alert_recipients(investigation)
    if not recipients:
        return 0
    count = investigation.recipients.order_by().values(
        "administration__procedure_joint__episode__patient").distinct().count()
    link = (base_url or portal_base_url()) + reverse("cellbank:investigation-detail",
                                                     args=[investigation.pk])
    patients = f"{count} patient{'s' if count != 1 else ''}"
    # No name or MRN in the email: the link opens the list behind a login.
    if finding.qc_result_id is not None:
        body = (f"A quality-control result of a cell product already given to patients at "
                f"{investigation.site.name} has failed:\n\n- {finding.reason}\n\n"
                f"Product investigation {investigation.pk}: review these patients "
                f"({patients}). The result is about the product; it does not say that any "
                f"patient has been harmed.\n\nOpen: {link}\n")
    else:
        body = (f"Every unit of lot {investigation.lot.identifier} at {investigation.site.name} "
                f"not yet given is on hold:\n\n- {finding.reason}\n\nProduct investigation "
                f"{investigation.pk}: issued units are recalled; patients who received the "
                f"product to review: {patients}. This is about the product; it does not say "
                f"that any patient has been harmed.\n\nOpen: {link}\n")
    try:
        sent = send_mail(f"Product investigation at {investigation.site.code}: review "
                         f"{patients}", body, None, recipients, connection=mail_connection())
    except OSError as error:  # smtplib errors are OSErrors
        # The investigation is saved and shown on the worklist; a lost email must not hide it.
        LOG.error("product investigation %s: alert email failed: %s", investigation.pk, error)
        return 0
    finding.notified_to, finding.notified_at = recipients, timezone.now()
    finding.save(update_fields=["notified_to", "notified_at"])
    return sent
