"""The patient's own history and the consultation intake of each joint episode.

What belongs to the patient is recorded once and read by every joint's candidacy
assessment: the injection and surgery history (every joint, each row naming its joint and
side), medications and allergies, with the ``*_reviewed`` flags of PatientHistory; the
comorbidities and smoking (PatientConditions, one record whose past versions are kept);
height and weight (dated BodyMeasurement rows) and laboratory results (dated LabResult
rows). What belongs to one joint stays on that joint's Intake: imaging, examination,
baseline pain, conservative care of the joint, the plan, and the two day-of-procedure
questions (an active infection, pregnancy) that an answer given for another joint cannot
settle.

A blank yes/no field means "not asked"; the candidacy engine then asks for it instead of
passing its rule silently. The ``*_reviewed`` flags say a history was taken, so that an
empty table reads as "none" rather than "not recorded" (pathways.facts module docstring).
Rows are never deleted: one entered in error is marked removed with a reason and its
removal is kept by simple-history (Corrigible).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.pathways.facts import PAIN_SCALE_TOP, PainScale
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import GradeScale, Joint, Side, grade_problems
from orthoregen.web.consultation.models.vocabulary import (
    AGENT_CHOICES,
    ALLERGY_SEVERITY_CHOICES,
    CONSERVATIVE_CHOICES,
    LAB_CHOICES,
    MALIGNANCY_CHOICES,
    PAIN_SCALE_CHOICES,
    PRODUCT_SOURCE_CHOICES,
    SURGERY_CHOICES,
    Alignment,
    CartilageLoss,
    MedicationKind,
    RotatorCuff,
)

if TYPE_CHECKING:
    from orthoregen.web.consultation.body import Body


def yes_no(label: str) -> models.BooleanField:
    return models.BooleanField(label, null=True, blank=True)


def degrees(label: str, low: int = -30, high: int = 200) -> models.SmallIntegerField:
    return models.SmallIntegerField(label, null=True, blank=True,
                                    validators=[MinValueValidator(low), MaxValueValidator(high)])


class Entered(models.Model):
    """Who entered a row and when: every intake item is dated and attributed.

    So a decision re-reads the data it saw (docs/candidacy.md#protocols-as-versioned-data).
    """

    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CorrigibleQuerySet(models.QuerySet):
    def current(self) -> CorrigibleQuerySet:
        """Return the rows not removed as entered in error."""
        return self.filter(removed_at__isnull=True)


class Corrigible(models.Model):
    """A clinical row that is corrected, never deleted: a removal keeps who, when and why."""

    removed_at = models.DateTimeField("removed at", null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    removal_reason = models.CharField("reason for removal", max_length=500, blank=True)

    objects = CorrigibleQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class PatientHistory(Entered):
    """Which of the patient's histories were taken (one per patient, seen by every joint)."""

    SITE_PATH = "patient__site"

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT,
                                   related_name="consultation_history")
    injections_reviewed = models.BooleanField("injection history taken (every joint)",
                                              default=False)
    surgeries_reviewed = models.BooleanField("surgical history taken (every joint)",
                                             default=False)
    medications_reviewed = models.BooleanField("medication list taken", default=False)
    allergies_reviewed = models.BooleanField("allergies asked", default=False)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"History of {self.patient}"


class PatientItem(Entered, Corrigible):
    """A dated row of the patient's own history, first recorded by ``recorded_by``."""

    SITE_PATH = "patient__site"

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class PatientConditions(Entered):
    """The patient's comorbidities and smoking: one record per patient, seen by every joint.

    A changed answer keeps its earlier version (simple-history: when, by whom, and the
    reason services.patient_conditions_save requires for changing a recorded answer).
    """

    SITE_PATH = "patient__site"

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="conditions")
    asked_on = models.DateField("asked on")
    diabetes = yes_no("diabetes")
    inflammatory_arthritis = yes_no("inflammatory arthritis (RA, PsA, gout, CPPD)")
    malignancy_status = models.CharField("malignancy", max_length=20, blank=True,
                                         choices=MALIGNANCY_CHOICES)
    malignancy_last_active_on = models.DateField("malignancy last active on", null=True,
                                                 blank=True)
    bleeding_disorder = yes_no("bleeding disorder")
    immunodeficiency = yes_no("immunodeficiency")
    childbearing_potential = yes_no("childbearing potential")
    effective_contraception = yes_no("effective contraception")
    current_smoker = yes_no("current smoker")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("patient conditions")

    def __str__(self) -> str:
        return f"Comorbidities of {self.patient}"

    def clean(self) -> None:
        if self.malignancy_status == "in_remission" and not self.malignancy_last_active_on:
            raise ValidationError({"malignancy_last_active_on":
                                   gettext("Give the date the cancer was last active.")})


class BodyMeasurement(PatientItem):
    """A dated height and/or weight of the patient; the latest of each gives the BMI."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="body_measurements")
    measured_on = models.DateField("measured on")
    height_cm = models.FloatField("height (cm)", null=True, blank=True,
                                  validators=[MinValueValidator(100), MaxValueValidator(250)])
    weight_kg = models.FloatField("weight (kg)", null=True, blank=True,
                                  validators=[MinValueValidator(25), MaxValueValidator(350)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["-measured_on", "id"]

    def __str__(self) -> str:
        values = [f"{self.height_cm:g} cm" if self.height_cm is not None else "",
                  f"{self.weight_kg:g} kg" if self.weight_kg is not None else ""]
        return f"{', '.join(v for v in values if v)} on {self.measured_on:%d %b %Y}"

    def clean(self) -> None:
        if self.height_cm is None and self.weight_kg is None:
            raise ValidationError(gettext("Give a height, a weight or both."))


class Intake(Entered):
    SITE_PATH = "episode__patient__site"

    episode = models.OneToOneField(JointEpisode, on_delete=models.PROTECT, related_name="intake")
    recorded_on = models.DateField("intake date")
    # Asked again for each joint: about the day of the procedure (the patient's other
    # comorbidities are PatientConditions).
    active_infection = yes_no("active local or systemic infection")
    pregnant_or_lactating = yes_no("pregnant or breastfeeding")
    # Histories taken (an empty table then means "none"); the patient's own histories are
    # marked on PatientHistory.
    conservative_care_reviewed = models.BooleanField("conservative care history taken",
                                                     default=False)
    # Radiograph
    radiograph_scale = models.CharField("radiograph scale", max_length=20, blank=True,
                                        choices=GradeScale.choices)
    radiograph_grade = models.PositiveSmallIntegerField("radiograph grade", null=True, blank=True)
    radiograph_grader = models.CharField("graded by", max_length=100, blank=True)
    radiograph_graded_on = models.DateField("graded on", null=True, blank=True)
    # MRI review
    mri_reviewed_on = models.DateField("MRI reviewed on", null=True, blank=True)
    mri_cartilage_medial = models.CharField("cartilage loss, medial compartment", max_length=20,
                                            blank=True, choices=CartilageLoss.choices)
    mri_cartilage_lateral = models.CharField("cartilage loss, lateral compartment", max_length=20,
                                             blank=True, choices=CartilageLoss.choices)
    mri_cartilage_patellofemoral = models.CharField(
        "cartilage loss, patellofemoral compartment", max_length=20, blank=True,
        choices=CartilageLoss.choices)
    mri_cartilage_joint = models.CharField("cartilage loss, hip or glenohumeral joint",
                                           max_length=20, blank=True,
                                           choices=CartilageLoss.choices)
    mri_bone_marrow_lesions = yes_no("bone marrow lesions")
    mri_meniscal_or_labral_tear = yes_no("meniscal or labral tear")
    mri_rotator_cuff = models.CharField("rotator cuff", max_length=20, blank=True,
                                        choices=RotatorCuff.choices)
    mri_avascular_necrosis = yes_no("avascular necrosis")
    # Examination
    examined_on = models.DateField("examined on", null=True, blank=True)
    flexion_degrees = degrees("flexion (degrees)")
    extension_degrees = degrees("extension (degrees)")
    abduction_degrees = degrees("abduction (degrees)")
    external_rotation_degrees = degrees("external rotation (degrees)")
    alignment = models.CharField("knee alignment", max_length=10, blank=True,
                                 choices=Alignment.choices)
    alignment_degrees = models.FloatField("deviation from neutral (degrees)", null=True,
                                          blank=True, validators=[MinValueValidator(0),
                                                                  MaxValueValidator(45)])
    effusion = yes_no("effusion")
    mechanical_symptoms = yes_no("mechanical symptoms (locking, loose bodies, instability)")
    # Baseline pain (height and weight are the patient's: BodyMeasurement)
    pain_scale = models.CharField("baseline pain scale", max_length=10, blank=True,
                                  choices=PAIN_SCALE_CHOICES)
    pain_value = models.FloatField("baseline pain", null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    pain_recorded_on = models.DateField("pain recorded on", null=True, blank=True)
    # Trials and plan
    other_trial_enrolled = yes_no("enrolled in another clinical trial")
    other_trial_last_product_on = models.DateField("last investigational product on",
                                                   null=True, blank=True)
    planned_product_source = models.CharField("planned cell product", max_length=12, blank=True,
                                              choices=PRODUCT_SOURCE_CHOICES)
    # The same patient's intake of another joint whose patient-level answers pre-filled
    # this one (consultation.carry_forward); its history keeps the choice if it is removed.
    carried_forward_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("patient-level answers carried forward from"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["episode"]

    def __str__(self) -> str:
        return f"Intake of {self.episode} on {self.recorded_on:%d %b %Y}"

    @cached_property
    def body(self) -> Body:
        """Return the patient's height, weight and BMI as measured by the intake date."""
        from orthoregen.web.consultation.body import body_on  # it reads these models

        return body_on(self.episode.patient_id, self.recorded_on)

    @property
    def bmi_kg_m2(self) -> float | None:
        return self.body.bmi_kg_m2

    @property
    def height_cm(self) -> float | None:
        return self.body.height_cm

    @property
    def weight_kg(self) -> float | None:
        return self.body.weight_kg

    def clean(self) -> None:
        errors: dict[str, str | list[str]] = {}
        self._clean_radiograph(errors)
        self._clean_pain(errors)
        if self.alignment == Alignment.NEUTRAL and self.alignment_degrees:
            errors["alignment_degrees"] = "A neutral knee has 0 degrees of deviation."
        if self.alignment in (Alignment.VARUS, Alignment.VALGUS) and self.alignment_degrees is None:
            errors["alignment_degrees"] = "Give the varus or valgus angle in degrees."
        if errors:
            raise ValidationError(errors)

    def _clean_radiograph(self, errors: dict) -> None:
        joint = self.episode.joint if self.episode_id else None
        if self.radiograph_grade is not None and not self.radiograph_scale:
            errors["radiograph_scale"] = "Name the scale the grade is on."
        elif self.radiograph_scale and self.radiograph_grade is None:
            errors["radiograph_grade"] = "Give the grade on this scale."
        elif joint and self.radiograph_scale:
            if problems := grade_problems(joint, self.radiograph_scale, self.radiograph_grade):
                errors["radiograph_grade"] = problems

    def _clean_pain(self, errors: dict) -> None:
        if self.pain_value is not None and not self.pain_scale:
            errors["pain_scale"] = "Name the scale the pain score is on."
        elif self.pain_scale and self.pain_value is None:
            errors["pain_value"] = "Give the pain score on this scale."
        elif self.pain_scale and self.pain_value is not None \
                and self.pain_value > PAIN_SCALE_TOP[PainScale(self.pain_scale)]:
            top = PAIN_SCALE_TOP[PainScale(self.pain_scale)]
            errors["pain_value"] = f"This scale runs from 0 to {top:g}."


class IntakeItem(Entered, Corrigible):
    """A dated row of one joint's intake history table."""

    SITE_PATH = "intake__episode__patient__site"

    class Meta:
        abstract = True


class PriorInjection(PatientItem):
    """An injection into any of the patient's joints; each joint's assessment reads it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="injections")
    agent = models.CharField(max_length=30, choices=AGENT_CHOICES)
    joint = models.CharField(max_length=10, choices=Joint.choices)
    side = models.CharField(max_length=5, choices=Side.choices, blank=True,
                            help_text=_("Leave blank only if the patient does not know."))
    given_on = models.DateField("date given", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-given_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_agent_display()} into {self.side} {self.joint}"


class PriorSurgery(PatientItem):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="surgeries")
    kind = models.CharField("operation", max_length=30, choices=SURGERY_CHOICES)
    joint = models.CharField(max_length=10, choices=Joint.choices)
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    performed_on = models.DateField("date performed", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-performed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.side} {self.joint}"


class ConservativeCare(IntakeItem):
    """A non-operative treatment of this joint tried without sufficient relief."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="conservative_care")
    treatment = models.CharField(max_length=30, choices=CONSERVATIVE_CHOICES)
    last_tried_on = models.DateField("last tried on", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["treatment", "id"]

    def __str__(self) -> str:
        return self.get_treatment_display()


class Medication(PatientItem):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    kind = models.CharField(max_length=30, choices=MedicationKind.choices)
    name = models.CharField("drug name", max_length=100)
    current = models.BooleanField("taken currently", default=True)
    last_dose_on = models.DateField("last dose on", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Allergy(PatientItem):
    """An allergy or intolerance: substance, reaction and severity (as HL7 FHIR R4
    AllergyIntolerance.reaction: substance, manifestation, severity mild/moderate/severe)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField("substance", max_length=200)
    reaction = models.CharField("reaction", max_length=200, blank=True,
                                help_text=_("What happened, e.g. rash, anaphylaxis."))
    severity = models.CharField("severity", max_length=10, blank=True,
                                choices=ALLERGY_SEVERITY_CHOICES)
    history = HistoricalRecords()

    class Meta:
        ordering = ["substance", "id"]
        verbose_name_plural = _("allergies")

    def __str__(self) -> str:
        words = [self.substance]
        if self.reaction:
            words.append(f"({self.reaction})")
        if self.severity:
            words.append(f"— {self.get_severity_display().lower()}")
        return " ".join(words)


class LabResult(PatientItem):
    """A dated laboratory result of the patient; every joint's assessment reads the latest."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="labs")
    test = models.CharField(max_length=20, choices=LAB_CHOICES)
    value = models.FloatField(validators=[MinValueValidator(0)])
    collected_on = models.DateField("collected on")
    history = HistoricalRecords()

    class Meta:
        ordering = ["test", "-collected_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_test_display()} {self.value:g} on {self.collected_on}"
