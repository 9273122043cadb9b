"""Autologous harvests: the patient's own marrow aspirate or lipoaspirate, a unit's source."""

from __future__ import annotations

from django.db import transaction

from orthoregen.web.cellbank.models import Harvest
from orthoregen.web.cellbank.services.core import CellbankRefused


@transaction.atomic
def harvest_record(patient, *, by, **fields) -> Harvest:
    """Record an autologous harvest (marrow aspirate or lipoaspirate) of a patient.

    See docs/cell-products.md#harvest-record.
    """
    episode = fields.get("episode")
    if episode is not None and episode.patient_id != patient.pk:
        raise CellbankRefused("That joint episode belongs to another patient.")
    return Harvest.objects.create(patient=patient, **fields)
