"""Consultation records: intake, protocol versions, candidacy decisions and consent."""

from orthoregen.web.consultation.models.consent import ConsentDocument, ConsentRecord
from orthoregen.web.consultation.models.decisions import CandidacyDecision
from orthoregen.web.consultation.models.intake import (
    Allergy,
    BodyMeasurement,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PatientConditions,
    PatientHistory,
    PriorInjection,
    PriorSurgery,
)
from orthoregen.web.consultation.models.protocols import ProtocolVersion

__all__ = [
    "Allergy",
    "BodyMeasurement",
    "CandidacyDecision",
    "ConsentDocument",
    "ConsentRecord",
    "ConservativeCare",
    "Intake",
    "LabResult",
    "Medication",
    "PatientConditions",
    "PatientHistory",
    "PriorInjection",
    "PriorSurgery",
    "ProtocolVersion",
]
