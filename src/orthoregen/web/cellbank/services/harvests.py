"""Autologous harvests: the patient's own marrow aspirate or lipoaspirate, a unit's source."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from orthoregen.web.cellbank.models import Harvest
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem

# A harvest larger than this is a typing error (600 for 60.0): the largest marrow harvests,
# for a transplant, draw about 1,000 mL, and a lipoaspirate for cell therapy is well under
# that (docs/plausible-ranges.md).
HARVEST_VOLUME_MAX_ML = Decimal(1000)

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


@transaction.atomic
def harvest_record(patient: Patient, *, episode: JointEpisode | None = None, source: str,
                   body_site: str, side: str = "", volume_ml: Decimal | float,
                   harvested_at: datetime, operator: User, by: User) -> Harvest:
    """Record an autologous harvest (marrow aspirate or lipoaspirate) of a patient.

    See docs/cell-products.md#harvest-record.
    """
    if episode is not None and episode.patient_id != patient.pk:
        raise CellbankRefused(gettext("That joint episode belongs to another patient."))
    if problems := date_problems(born=patient.date_of_birth, harvested_at=Day(
            harvested_at, gettext("The harvest date"))):
        raise CellbankRefused(first_problem(problems))
    if not 0 < Decimal(str(volume_ml)) <= HARVEST_VOLUME_MAX_ML:
        raise CellbankRefused(gettext(
            "A harvest volume is more than 0 and at most %(most)s mL, not %(given)s mL.")
            % {"most": HARVEST_VOLUME_MAX_ML, "given": volume_ml})
    harvest = Harvest(patient=patient, episode=episode, source=source, body_site=body_site,
                      side=side, volume_ml=volume_ml, harvested_at=harvested_at,
                      operator=operator)
    # who recorded it; `operator` is who harvested
    harvest._history_user = by  # type: ignore[attr-defined]
    harvest.save()
    return harvest
