"""Writes a partner system makes that no page makes in the same shape.

Registering a patient and reporting an adverse event go through the pages' own forms and
services (api.v1); a questionnaire response entered by staff on the patient's behalf is
scored here by the same core scoring as the portal (orthoregen.instruments.score).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orthoregen.instruments import ResponseError, UnknownInstrumentError, score
from orthoregen.web.followup.models import QuestionnaireResponse, ResponseSource, ScheduledVisit
from orthoregen.web.followup.services import visit_complete

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode

# Modes of administration a member of staff enters for the patient; the portal and tablet
# record their own, and synthetic rows come from the generator alone.
ENTERED_SOURCES = (ResponseSource.PAPER, ResponseSource.TELEPHONE, ResponseSource.CLINICIAN,
                   ResponseSource.STAFF)


@transaction.atomic
def questionnaire_response_enter(episode: JointEpisode, *, instrument_id: str,
                                 answers: Mapping[str, float | int | None],
                                 completed_on: dt.date, source: str,
                                 visit: ScheduledVisit | None, timepoint: str | None,
                                 by: User) -> QuestionnaireResponse:
    """Score and store one completed instrument of a joint; complete its visit when all due
    instruments are in. Raises ValidationError naming the field at fault."""
    errors: dict[str, list[str]] = {}
    if source not in ENTERED_SOURCES:
        errors["source"] = [f"Give one of {', '.join(ENTERED_SOURCES)}."]
    if completed_on > timezone.localdate():
        errors["completed_on"] = ["The completion date cannot be in the future."]
    if visit is not None:
        if visit.schedule.episode_id != episode.pk:
            errors["visit_id"] = ["That visit belongs to another joint."]
        elif timepoint and timepoint != visit.timepoint:
            errors["timepoint"] = [f"The visit's timepoint is {visit.timepoint}."]
        elif visit.responses.filter(instrument_id=instrument_id).exists():
            errors["instrument_id"] = ["This instrument was already answered for this visit."]
    elif not timepoint:
        errors["timepoint"] = ["Give the timepoint (e.g. baseline) when no visit is given."]
    try:
        result = score(instrument_id, dict(answers))
    except UnknownInstrumentError as unknown:
        errors["instrument_id"] = [str(unknown)]
    except ResponseError as wrong:
        errors[f"answers.{wrong.item_id}"] = [f"{wrong.problem}; allowed: {wrong.allowed}"]
    if errors:
        raise ValidationError(errors)
    response = QuestionnaireResponse.objects.create(
        episode=episode, visit=visit, timepoint=visit.timepoint if visit else (timepoint or ""),
        instrument_id=instrument_id, instrument_version=result.version,
        answers=dict(answers), scores=result.values, completed_on=completed_on,
        submitted_at=timezone.now(), source=source, entered_by=by,
        idempotency_key=f"api-{uuid.uuid4().hex}")
    if visit is not None:
        answered = set(visit.responses.values_list("instrument_id", flat=True))
        if set(visit.instruments_due) <= answered:
            visit_complete(visit, completed_on=completed_on)
    return response
