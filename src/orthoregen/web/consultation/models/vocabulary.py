"""Choices for the consultation models, taken from the pathways enums so both use one vocabulary."""

from __future__ import annotations

from enum import StrEnum

from django.db import models

from orthoregen.pathways.conditions import LabTest
from orthoregen.pathways.facts import (
    ConservativeTreatment,
    InjectionAgent,
    MalignancyStatus,
    PainScale,
    ProductSource,
    SurgeryKind,
)


def enum_choices(
    enum: type[StrEnum], labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """Return Django choices for a pathways enum, labelled in plain words."""
    labels = labels or {}
    return [(m.value, labels.get(m.value, m.value.replace("_", " ").capitalize())) for m in enum]


AGENT_CHOICES = enum_choices(InjectionAgent, {
    "hyaluronic_acid": "Hyaluronic acid (HA)", "prp": "Platelet-rich plasma (PRP)",
    "local_anaesthetic_only": "Local anaesthetic only",
})
SURGERY_CHOICES = enum_choices(SurgeryKind)
CONSERVATIVE_CHOICES = enum_choices(ConservativeTreatment, {
    "oral_nsaid": "Oral NSAID", "topical_nsaid": "Topical NSAID",
    "prp_injection": "PRP injection",
})
MALIGNANCY_CHOICES = enum_choices(MalignancyStatus, {"never": "Never had cancer"})
PAIN_SCALE_CHOICES = enum_choices(PainScale, {"vas_mm": "VAS (0-100 mm)", "nrs": "NRS (0-10)"})
PRODUCT_SOURCE_CHOICES = enum_choices(ProductSource)
LAB_CHOICES = enum_choices(LabTest, {
    "hba1c_percent": "HbA1c (%)", "alt_iu_l": "ALT (IU/L)", "ast_iu_l": "AST (IU/L)",
    "creatinine_mg_dl": "Creatinine (mg/dL)",
})

# HL7 FHIR R4 AllergyIntolerance.reaction.severity (value set reaction-event-severity):
# mild, moderate, severe.
ALLERGY_SEVERITY_CHOICES = [("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]


class MedicationKind(models.TextChoices):
    ANTICOAGULANT_OR_ANTIPLATELET = "anticoagulant_or_antiplatelet", "Anticoagulant or antiplatelet"
    SYSTEMIC_CORTICOSTEROID = "systemic_corticosteroid", "Systemic corticosteroid"
    IMMUNOSUPPRESSANT = "immunosuppressant", "Immunosuppressant"
    NSAID = "nsaid", "NSAID"
    OTHER = "other", "Other"


class CartilageLoss(models.TextChoices):
    NONE = "none", "None"
    PARTIAL = "partial", "Partial thickness"
    FULL = "full_thickness", "Full thickness"


class RotatorCuff(models.TextChoices):
    INTACT = "intact", "Intact"
    PARTIAL = "partial_tear", "Partial-thickness tear"
    FULL = "full_thickness_tear", "Full-thickness tear"


class Alignment(models.TextChoices):
    NEUTRAL = "neutral", "Neutral"
    VARUS = "varus", "Varus"
    VALGUS = "valgus", "Valgus"


class DecisionKind(models.TextChoices):
    AGREE = "agree", "Agreed with the protocol result"
    OVERRIDE = "override", "Override: proceed despite the rules listed"
    DECLINE = "decline", "Declined: not to be treated"


class ComputedBy(models.TextChoices):
    ENGINE = "engine", "Candidacy engine"
    SYNTHETIC_BULK = "synthetic_bulk", "Engine, synthetic bulk load (no snapshot kept)"


class ConsentingAs(models.TextChoices):
    PATIENT = "patient", "The patient"
    REPRESENTATIVE = "representative", "A legal representative"
