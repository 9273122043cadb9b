"""Adverse events and conversions to joint replacement.

Vocabulary comes from products.ae_clock (CTCAE v5.0 grades, ICH E2A seriousness, five-point
relatedness, the injection-specific event terms).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.products.ae_clock import (
    CTCAE_GRADE_DEFINITIONS,
    InjectionEventTerm,
    Relatedness,
    Seriousness,
)

TERM_LABELS = {
    InjectionEventTerm.POST_INJECTION_FLARE: "Post-injection flare",
    InjectionEventTerm.EFFUSION: "Effusion",
    InjectionEventTerm.SEPTIC_ARTHRITIS: "Septic arthritis",
    InjectionEventTerm.HARVEST_SITE_PAIN: "Harvest-site pain",
    InjectionEventTerm.HARVEST_SITE_HAEMATOMA: "Harvest-site haematoma",
    InjectionEventTerm.VASOVAGAL_REACTION: "Vasovagal reaction",
    InjectionEventTerm.ALLERGIC_REACTION: "Allergic reaction",
    InjectionEventTerm.OTHER: "Other (describe)",
}
TERM_CHOICES = [(term.value, TERM_LABELS[term]) for term in InjectionEventTerm]
GRADE_CHOICES = [(int(grade), f"{int(grade)} – {text.split(';')[0]}")
                 for grade, text in CTCAE_GRADE_DEFINITIONS.items()]
SERIOUSNESS_CHOICES = [
    (Seriousness.DEATH.value, _("Results in death")),
    (Seriousness.LIFE_THREATENING.value, _("Is life-threatening")),
    (Seriousness.HOSPITALISATION.value, _("Requires or prolongs hospitalisation")),
    (Seriousness.DISABILITY.value, _("Persistent or significant disability or incapacity")),
    (Seriousness.CONGENITAL_ANOMALY.value, _("Congenital anomaly or birth defect")),
    (Seriousness.MEDICALLY_IMPORTANT.value, _("Other medically important event")),
]
RELATEDNESS_CHOICES = [(r.value, r.value.replace("_", " ").capitalize()) for r in Relatedness]


class AdverseAction(models.TextChoices):
    NONE = "none", _("None")
    MEDICATION = "medication", _("Medication")
    ASPIRATION = "aspiration", _("Joint aspiration")
    ANTIBIOTICS = "antibiotics", _("Antibiotics")
    SURGERY = "surgery", _("Surgical intervention / washout")
    HOSPITAL_ADMISSION = "hospital_admission", _("Hospital admission")
    OTHER = "other", _("Other")


class AdverseOutcome(models.TextChoices):
    RECOVERING = "recovering", _("Recovering / resolving")
    RECOVERED = "recovered", _("Recovered / resolved")
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", _("Recovered with sequelae")
    NOT_RECOVERED = "not_recovered", _("Not recovered / not resolved")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class AdverseEvent(models.Model):
    SITE_PATH = "patient__site"

    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT,
                                related_name="adverse_events")
    episode = models.ForeignKey("clinic.JointEpisode", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="adverse_events")
    # A reference, not a foreign key: the procedure records live in another app (cellbank).
    procedure_reference = models.CharField(max_length=64, blank=True)
    term = models.CharField(max_length=30, choices=TERM_CHOICES)
    term_other = models.CharField("other term", max_length=200, blank=True)
    onset_on = models.DateField("onset")
    aware_on = models.DateField("clinic became aware on")
    ctcae_grade = models.PositiveSmallIntegerField("CTCAE v5.0 grade", choices=GRADE_CHOICES)
    seriousness = models.JSONField(default=list, blank=True,
                                   help_text=_("ICH E2A criteria met; empty = not serious"))
    expected = models.BooleanField(default=False)
    involves_communicable_disease = models.BooleanField(default=False)
    needed_intervention = models.BooleanField("needed medical or surgical intervention",
                                              default=False)
    procedure_relatedness = models.CharField(max_length=15, choices=RELATEDNESS_CHOICES)
    product_relatedness = models.CharField(max_length=15, choices=RELATEDNESS_CHOICES)
    action = models.CharField(max_length=20, choices=AdverseAction.choices)
    outcome = models.CharField(max_length=30, choices=AdverseOutcome.choices)
    resolved_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    report_dues = models.JSONField(default=list, blank=True,
                                   help_text=_("reports due (ae_clock), computed when recorded"))
    reports_done_on = models.DateField(null=True, blank=True)
    responsible_clinician = models.ForeignKey(settings.AUTH_USER_MODEL,
                                              on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="adverse_events_responsible")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField()
    # The key of the form submission that recorded the event (followup.submissions): unique, so
    # a double-click or a resubmitted form cannot record the event, or alert about it, twice.
    # Empty (NULL) for events recorded without a form (synthetic data, imports).
    submission_key = models.CharField(max_length=32, unique=True, null=True, blank=True,
                                      editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-onset_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "onset_on"], name="ae_patient_onset"),
            # The worklist's banner asks on every request for the serious events whose
            # reports are outstanding (safety.services.open_serious_events): a handful of
            # rows, found here instead of by reading every event of the registry.
            models.Index(fields=["-onset_on", "-id"], name="ae_serious_reports_open",
                         condition=~Q(seriousness=[]) & Q(reports_done_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.term_display} (grade {self.ctcae_grade}) from {self.onset_on:%d %b %Y}"

    @property
    def term_display(self) -> str:
        return self.term_other if self.term == InjectionEventTerm.OTHER else \
            self.get_term_display()

    @property
    def is_serious(self) -> bool:
        return bool(self.seriousness)


class OutcomeKind(models.TextChoices):
    ARTHROPLASTY = "arthroplasty", _("Conversion to joint replacement")


class OutcomeEvent(models.Model):
    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey("clinic.JointEpisode", on_delete=models.PROTECT,
                                related_name="outcome_events")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices,
                            default=OutcomeKind.ARTHROPLASTY)
    occurred_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_on", "id"]
        constraints = [models.UniqueConstraint(fields=["episode", "kind"],
                                               name="one_outcome_event_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on:%d %b %Y}"
