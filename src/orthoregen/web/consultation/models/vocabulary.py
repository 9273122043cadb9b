"""Choices for the consultation models, taken from the pathways enums so both use one vocabulary."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

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
ALLERGY_SEVERITY_CHOICES = [
    ("mild", _("Mild")), ("moderate", _("Moderate")), ("severe", _("Severe"))
]


class MedicationKind(models.TextChoices):
    ANTICOAGULANT_OR_ANTIPLATELET = (
        "anticoagulant_or_antiplatelet", _("Anticoagulant or antiplatelet")
    )
    SYSTEMIC_CORTICOSTEROID = "systemic_corticosteroid", _("Systemic corticosteroid")
    IMMUNOSUPPRESSANT = "immunosuppressant", _("Immunosuppressant")
    NSAID = "nsaid", _("NSAID")
    OTHER = "other", _("Other")


class CartilageLoss(models.TextChoices):
    NONE = "none", _("None")
    PARTIAL = "partial", _("Partial thickness")
    FULL = "full_thickness", _("Full thickness")


class RotatorCuff(models.TextChoices):
    INTACT = "intact", _("Intact")
    PARTIAL = "partial_tear", _("Partial-thickness tear")
    FULL = "full_thickness_tear", _("Full-thickness tear")


class Alignment(models.TextChoices):
    NEUTRAL = "neutral", _("Neutral")
    VARUS = "varus", _("Varus")
    VALGUS = "valgus", _("Valgus")


class DecisionKind(models.TextChoices):
    AGREE = "agree", _("Agreed with the protocol result")
    OVERRIDE = "override", _("Override: proceed despite the rules listed")
    DECLINE = "decline", _("Declined: not to be treated")


class ComputedBy(models.TextChoices):
    ENGINE = "engine", _("Candidacy engine")
    SYNTHETIC_BULK = "synthetic_bulk", _("Engine, synthetic bulk load (no snapshot kept)")


class ConsentingAs(models.TextChoices):
    PATIENT = "patient", _("The patient")
    REPRESENTATIVE = "representative", _("A legal representative")
