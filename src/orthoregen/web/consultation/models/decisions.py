"""The clinician's candidacy decision: an immutable record of what was decided and on what.

It keeps the protocol version, the facts snapshot and the engine's assessment as they
were, so the decision reads the same years later however the intake is edited. A new
decision supersedes an older one; none is ever edited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.pathways import Outcome
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.models.protocols import ProtocolVersion
from orthoregen.web.consultation.models.vocabulary import ComputedBy, DecisionKind

OUTCOME_LABELS: dict[str, str] = {
    Outcome.SUITABLE: "Suitable",
    Outcome.SUITABLE_DISCUSS: "Suitable — discuss expectations",
    Outcome.DEFER: "Defer",
    Outcome.NOT_SUITABLE: "Not suitable",
    Outcome.INCOMPLETE: "Incomplete",
}


class DecisionImmutable(Exception):
    """A recorded decision was about to change."""


class CandidacyDecision(models.Model):
    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, related_name="decisions")
    protocol = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT,
                                 related_name="decisions")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    outcome = models.CharField("protocol result", max_length=20,
                               choices=[(o.value, OUTCOME_LABELS[o]) for o in Outcome])
    defer_until = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    assessed_on = models.DateField()
    # Rule ids that needed a written reason to proceed (pathways.needs_override_reason).
    rules_needing_reason = models.JSONField(default=list)
    facts = models.JSONField(null=True, blank=True, help_text=_("pathways.facts_to_dict snapshot"))
    assessment = models.JSONField(null=True, blank=True, help_text=_("Assessment.to_dict()"))
    computed_by = models.CharField(max_length=30, choices=ComputedBy.choices,
                                   default=ComputedBy.ENGINE)
    decided_on = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-decided_at", "-id"]
        indexes = [models.Index(fields=["episode", "decided_on"], name="decision_episode_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()} ({self.decided_on})"

    @property
    def is_override(self) -> bool:
        return self.kind == DecisionKind.OVERRIDE

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and CandidacyDecision.objects.filter(pk=self.pk).exists():
            raise DecisionImmutable("A decision is never edited; record a new one.")
        super().save(*args, **kwargs)
