"""The consultation stage's check that an episode may go to procedure.

`consultation.services.procedure_gate(episode, on_date)` reads the latest consent and
candidacy decision and returns a GateResult; a procedure starts only when it may proceed.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext

from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.services import procedure_gate


def procedure_gate_check(episode: JointEpisode, on_date: date) -> None:
    """Refuse, with every reason, unless the episode has consent and a proceeding decision."""
    result = procedure_gate(episode, on_date)
    if not result.may_proceed:
        raise CellbankRefused(gettext("Cannot start a procedure on the %(episode)s: %(reasons)s")
                              % {"episode": episode, "reasons": "; ".join(result.reasons)})
