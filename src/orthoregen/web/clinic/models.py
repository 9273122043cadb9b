"""Patients, the joints they are treated for, and their encounters.

Every model here holds patient data: each names the path to its site in SITE_PATH so that
accounts.access.scope() can confine any query to the asking user's sites, and each keeps
its full change history (django-simple-history) for the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.vocabulary import GRADE_RANGE
from orthoregen.web.accounts.models import Site
from orthoregen.web.clinic.languages import Language
from orthoregen.web.clinic.plausible import birth_refusal
from orthoregen.web.clinic.search import search_text_of
from orthoregen.web.clinic.vocabulary import (
    ICD10CM_CHOICES,
    EncounterKind,
    GradeScale,
    Joint,
    Sex,
    Side,
    diagnosis_problems,
    grade_problems,
    label,
)


class Patient(models.Model):
    SITE_PATH = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("medical record number", max_length=32)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.TextField(blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("The language of the patient's questionnaire pages and reminders."))
    created_at = models.DateTimeField(auto_now_add=True)
    # Written by save() from the names, MRN, email and phone (clinic.search); a TextField so
    # that PostgreSQL's LIKE on it is answered by the trigram index of migration 0002.
    search_text = models.TextField(default="", editable=False)
    history = HistoricalRecords(excluded_fields=["search_text"])
    _stored_site_id: int | None = None  # from_db() says why

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "mrn"], name="patient_mrn_unique_per_site"),
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name", "id"], name="patient_name_order"),
            # Search by date of birth (clinic.search) reads this column alone.
            models.Index(fields=["date_of_birth"], name="patient_date_of_birth"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Patient:
        patient = super().from_db(*args, **kwargs)
        # The site as stored: a registered patient keeps it (services.patient_save), and
        # follow-up rows keep a copy of it (followup FollowUpSchedule.site), so save() and
        # clean() refuse a move, whichever page or command tries it.
        patient._stored_site_id = patient.__dict__.get("site_id")  # None if deferred
        return patient

    def site_moved(self) -> bool:
        """Whether this registered patient's site differs from the one stored."""
        stored = self._stored_site_id
        return stored is not None and self.site_id != stored

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.site_moved():
            raise ValueError("A registered patient keeps their site.")
        self.search_text = search_text_of(
            family_name=self.family_name, given_name=self.given_name, mrn=self.mrn,
            email=self.email, phone=self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)
        self._stored_site_id = self.site_id

    def clean(self) -> None:
        if self.site_moved():
            raise ValidationError({"site": gettext("A registered patient keeps their site: "
                                                   "moving between clinics is a registry "
                                                   "operation.")})
        if refusal := birth_refusal(self.date_of_birth):
            raise ValidationError({"date_of_birth": refusal})

    def age_on(self, day: dt.date) -> int:
        """Return the patient's age in whole years on a day."""
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def grade_within_scale() -> Q:
    """Return the condition that a grade is blank or within its scale's range."""
    # From the core vocabulary's ranges, so a bulk load that skips clean() cannot store a
    # Samilson-Prieto 4 either.
    condition = Q(grade__isnull=True)
    for scale, grades in GRADE_RANGE.items():
        condition |= Q(grade_scale=scale.value, grade__range=(grades.lowest, grades.highest))
    return condition


class JointEpisode(models.Model):
    """One treated joint of one patient: the unit the follow-up clock and outcomes run on."""

    SITE_PATH = "patient__site"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    joint = models.CharField(max_length=10, choices=Joint.choices)
    side = models.CharField(max_length=5, choices=Side.choices)
    diagnosis_code = models.CharField("diagnosis (ICD-10-CM)", max_length=8,
                                      choices=ICD10CM_CHOICES)
    grade_scale = models.CharField(max_length=20, choices=GradeScale.choices)
    grade = models.PositiveSmallIntegerField("radiographic grade", null=True, blank=True)
    symptom_onset = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    _stored_patient_id: int | None = None  # from_db() says why

    class Meta:
        ordering = ["patient", "joint", "side", "id"]
        constraints = [
            models.CheckConstraint(condition=grade_within_scale(),
                                   name="episode_grade_within_scale"),
            models.CheckConstraint(condition=Q(joint__in=Joint.values), name="episode_joint_known"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="episode_side_known"),
        ]

    def __str__(self) -> str:
        # label(), not get_FOO_display(): an episode is named in every row of long tables.
        return f"{label(Side, self.side)} {label(Joint, self.joint).lower()}"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> JointEpisode:
        episode = super().from_db(*args, **kwargs)
        # As Patient.from_db: an episode's follow-up rows copy its patient's site, so an
        # episode may be corrected to another patient of its site only.
        episode._stored_patient_id = episode.__dict__.get("patient_id")
        return episode

    def site_moved(self) -> bool:
        """Whether this stored episode now names a patient of another site."""
        stored = self._stored_patient_id
        if stored is None or self.patient_id is None or self.patient_id == stored:
            return False
        sites = Patient.objects.filter(pk__in=[stored, self.patient_id]) \
            .values_list("site_id", flat=True)
        return len(set(sites)) > 1

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.site_moved():
            raise ValueError("A joint episode stays at its patient's site.")
        super().save(*args, **kwargs)
        self._stored_patient_id = self.patient_id

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.site_moved():
            errors["patient"] = [gettext("A joint episode stays at its patient's site.")]
        if self.joint and self.side and self.diagnosis_code:
            if problems := diagnosis_problems(self.diagnosis_code, self.joint, self.side):
                errors["diagnosis_code"] = problems
        if self.joint and self.grade_scale:
            if problems := grade_problems(self.joint, self.grade_scale, self.grade):
                errors["grade"] = problems
        if self.symptom_onset and self.symptom_onset > timezone.localdate():
            errors["symptom_onset"] = [gettext("Symptom onset cannot be in the future.")]
        if errors:
            raise ValidationError(errors)


class Encounter(models.Model):
    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, related_name="encounters")
    kind = models.CharField(max_length=20, choices=EncounterKind.choices)
    occurred_on = models.DateField("date")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="encounters")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["episode", "occurred_on"], name="encounter_episode_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on:%d %b %Y}"
