"""The registry's analysis tables: one denormalised copy of the outcome data, built for speed.

The follow-up and cell-bank apps own the clinical records (questionnaire responses, visits,
administrations, adverse events). The cohort dashboard must summarise a 100,000-patient
registry in under two seconds, so it reads these narrow fact tables instead: one row per
treated joint with every cohort filter on it, and one row per score, visit, injection and
adverse event keyed by that joint. They are rebuilt from the clinical records by
`services.facts_refresh` (nightly command, after a synthetic load, and for one patient
whenever their progress report is opened), never edited by hand, so they keep no history.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orthoregen.web.accounts.models import Site
from orthoregen.web.clinic.models import JointEpisode, Patient


class EpisodeFact(models.Model):
    """One treated joint with the facts every cohort filter and survival curve needs."""

    SITE_PATH = "site"

    episode = models.OneToOneField(JointEpisode, on_delete=models.CASCADE, primary_key=True,
                                   related_name="registry_fact")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    joint = models.CharField(max_length=10)
    side = models.CharField(max_length=5)
    grade_scale = models.CharField(max_length=20)
    grade = models.PositiveSmallIntegerField(null=True)
    sex = models.CharField(max_length=10)
    age_at_treatment = models.PositiveSmallIntegerField(null=True)
    cell_source = models.CharField(max_length=40, blank=True)
    dose_cells = models.FloatField("cells in the first injection", null=True)
    dose_band = models.CharField(max_length=20, blank=True)
    protocol_version = models.CharField(max_length=40, blank=True)
    first_treated_on = models.DateField(null=True)
    arthroplasty_on = models.DateField("joint replacement", null=True)
    followed_until = models.DateField("last known follow-up", null=True)
    injections = models.PositiveSmallIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["site", "joint"], name="registry_episode_site_joint")]


class ScoreFact(models.Model):
    """One subscale score of one questionnaire, labelled with the visit window it fell in."""

    SITE_PATH = "episode__site"

    episode = models.ForeignKey(EpisodeFact, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(max_length=30)
    subscale = models.CharField(max_length=40)
    timepoint = models.CharField(max_length=20, blank=True,
                                 help_text=_("Visit the score counts for; blank outside windows."))
    completed_on = models.DateField()
    value = models.FloatField()
    counts = models.BooleanField(
        default=False,
        help_text=_("The score the cohort analyses count for its visit: the first completed "
                  "in the window when a patient answered twice (decided at refresh)."))
    mode = models.CharField(max_length=10, blank=True, default="",
                            help_text=_("Mode of administration: portal, tablet, paper, telephone, "
                                      "clinician (followup.ResponseSource)."))

    class Meta:
        # Covering partial index: the dashboard reads one measure's counted scores at some
        # visits, and PostgreSQL answers that from the index alone (an index-only scan of a
        # few MB) instead of visiting the table's pages, once VACUUM has marked them
        # all-visible (services.vacuum_facts, run by registry-refresh).
        indexes = [models.Index(fields=["instrument", "subscale", "timepoint", "episode"],
                                include=["value", "mode"], condition=models.Q(counts=True),
                                name="registry_score_counted")]


class VisitFact(models.Model):
    """One scheduled follow-up visit: when its window closes and whether it was completed."""

    SITE_PATH = "episode__site"

    episode = models.ForeignKey(EpisodeFact, on_delete=models.CASCADE,
                                related_name="visits")
    timepoint = models.CharField(max_length=20)
    window_closes = models.DateField()
    completed = models.BooleanField(default=False)


class InjectionFact(models.Model):
    """One administration of a cell product into the joint."""

    SITE_PATH = "episode__site"

    episode = models.ForeignKey(EpisodeFact, on_delete=models.CASCADE,
                                related_name="injection_rows")
    administered_on = models.DateField()
    cell_source = models.CharField(max_length=40, blank=True)
    dose_cells = models.FloatField(null=True)
    source_ref = models.CharField(max_length=40, blank=True,
                                  help_text=_("Id of the administration record "
                                              "it was copied from."))


class AdverseEventFact(models.Model):
    """One adverse event of a treated joint (CTCAE term and grade, ICH E2A seriousness)."""

    SITE_PATH = "episode__site"

    episode = models.ForeignKey(EpisodeFact, on_delete=models.CASCADE,
                                related_name="adverse_events")
    injection_ref = models.CharField(max_length=40, blank=True)
    term = models.CharField(max_length=120)
    grade = models.PositiveSmallIntegerField(null=True)
    serious = models.BooleanField(default=False)
    onset_on = models.DateField()


__all__ = ["AdverseEventFact", "EpisodeFact", "InjectionFact",
           "ScoreFact", "VisitFact"]
