"""Check kinds for comorbidities, medication, imaging findings and laboratory values."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import ClassVar

from orthoregen.pathways.checks import (
    Check,
    Finding,
    failed,
    missing,
    non_negative,
    not_applicable,
    not_before,
    passed,
    register,
)
from orthoregen.pathways.facts import CandidacyFacts, LabValue, MalignancyStatus
from orthoregen.pathways.intervals import add_years
from orthoregen.pathways.snapshot import coerce_enum_fields
from orthoregen.vocabulary import Sex


class Flag(StrEnum):
    """Name a yes/no fact that counts against candidacy when true; the value is its path."""

    SYSTEMIC_CORTICOSTEROID = "medications.systemic_corticosteroid"
    IMMUNOSUPPRESSANT = "medications.immunosuppressant"
    ANTICOAGULANT_OR_ANTIPLATELET = "medications.anticoagulant_or_antiplatelet"
    IMMUNODEFICIENCY = "comorbidities.immunodeficiency"
    ACTIVE_INFECTION = "comorbidities.active_infection"
    INFLAMMATORY_ARTHRITIS = "comorbidities.inflammatory_arthritis"
    BLEEDING_DISORDER = "comorbidities.bleeding_disorder"
    CURRENT_SMOKER = "comorbidities.current_smoker"
    MECHANICAL_SYMPTOMS = "examination.mechanical_symptoms"
    POST_TRAUMATIC_OA = "post_traumatic_oa"
    AVASCULAR_NECROSIS = "mri.avascular_necrosis"
    FULL_THICKNESS_ROTATOR_CUFF_TEAR = "mri.full_thickness_rotator_cuff_tear"

    def read(self, facts: CandidacyFacts) -> bool | None:
        """Return the flag's value in ``facts`` (None when not recorded)."""
        value: bool | None = operator.attrgetter(self.value)(facts)
        return value


class LabTest(StrEnum):
    """Name a laboratory value; the unit is part of the name (see ``facts.Labs``)."""

    HBA1C_PERCENT = "hba1c_percent"
    ALT_IU_L = "alt_iu_l"
    AST_IU_L = "ast_iu_l"
    CREATININE_MG_DL = "creatinine_mg_dl"

    def read(self, facts: CandidacyFacts) -> LabValue | None:
        value: LabValue | None = getattr(facts.labs, self.value)
        return value


@register
@dataclass(frozen=True)
class NoneOf(Check):
    """Fail when any flag is true; a known true fails even if another flag is unknown."""

    kind: ClassVar[str] = "none_of"
    flags: tuple[Flag, ...]

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        if not self.flags:
            raise ValueError("flags must name at least one fact")

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        values = {flag.value: flag.read(facts) for flag in self.flags}
        if any(values.values()):
            return failed(**values)
        unknown = tuple(path for path, value in values.items() if value is None)
        if unknown:
            return missing(*unknown)
        return passed(**values)


@register
@dataclass(frozen=True)
class NotPregnantOrLactating(Check):
    """Fail on pregnancy or lactation; not applicable to a male patient."""

    kind: ClassVar[str] = "not_pregnant_or_lactating"

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        # Only a recorded male sex rules pregnancy out. Female, other, unknown and unrecorded
        # sex are all asked: nothing in such a record excludes pregnancy.
        if facts.sex is Sex.MALE:
            return not_applicable(sex=facts.sex)
        value = facts.comorbidities.pregnant_or_lactating
        if value is None:
            return missing("comorbidities.pregnant_or_lactating")
        finding = failed if value else passed
        return finding(comorbidities__pregnant_or_lactating=value)


@register
@dataclass(frozen=True)
class ContraceptionIfChildbearing(Check):
    """Fail for a woman of childbearing potential without effective contraception."""

    kind: ClassVar[str] = "contraception_if_childbearing"

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        # As for pregnancy: only a recorded male sex is exempt; other and unknown are asked.
        if facts.sex is Sex.MALE:
            return not_applicable(sex=facts.sex)
        status = facts.comorbidities
        if status.childbearing_potential is None:
            return missing("comorbidities.childbearing_potential")
        if not status.childbearing_potential:
            return passed(comorbidities__childbearing_potential=False)
        if status.effective_contraception is None:
            return missing("comorbidities.effective_contraception")
        finding = passed if status.effective_contraception else failed
        return finding(comorbidities__childbearing_potential=True,
                       comorbidities__effective_contraception=status.effective_contraception)


@register
@dataclass(frozen=True)
class NoActiveMalignancy(Check):
    kind: ClassVar[str] = "no_active_malignancy"

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        history = facts.comorbidities.malignancy
        if history is None:
            return missing("comorbidities.malignancy")
        finding = failed if history.status is MalignancyStatus.ACTIVE else passed
        return finding(comorbidities__malignancy__status=history.status)


@register
@dataclass(frozen=True)
class NoMalignancyWithin(Check):
    """Fail while the last known disease is less than ``years`` ago (active disease fails)."""

    kind: ClassVar[str] = "no_malignancy_within"
    years: int

    def __post_init__(self) -> None:
        non_negative(years=self.years)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        history = facts.comorbidities.malignancy
        if history is None:
            return missing("comorbidities.malignancy")
        status = {"comorbidities__malignancy__status": history.status}
        if history.status is MalignancyStatus.NEVER:
            return passed(**status)
        if history.status is MalignancyStatus.ACTIVE:
            return failed(**status)
        if history.last_active_on is None:
            return missing("comorbidities.malignancy.last_active_on", **status)
        used = {**status, "comorbidities__malignancy__last_active_on": history.last_active_on}
        return not_before(add_years(history.last_active_on, self.years), on_date, used)


def current_lab(test: LabTest, facts: CandidacyFacts, on_date: date, valid_for_days: int) -> (
    LabValue | None
):
    """Return the lab value if collected within ``valid_for_days`` before ``on_date``."""
    value = test.read(facts)
    if value is None or value.collected_on > on_date:
        return None
    if on_date - value.collected_on > timedelta(days=valid_for_days):
        return None
    return value


@register
@dataclass(frozen=True, kw_only=True)
class LabAtMost(Check):
    """Pass when a current lab value is at most ``upper_limit`` (in the test's own unit)."""

    kind: ClassVar[str] = "lab_at_most"
    test: LabTest
    upper_limit: float
    valid_for_days: int

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        non_negative(upper_limit=self.upper_limit, valid_for_days=self.valid_for_days)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        value = current_lab(self.test, facts, on_date, self.valid_for_days)
        path = f"labs.{self.test.value}"
        if value is None:
            return missing(path)
        finding = passed if value.value <= self.upper_limit else failed
        return finding(**{path: value})


@register
@dataclass(frozen=True, kw_only=True)
class DiabetesControlled(Check):
    """Pass without diabetes, or with a current HbA1c at most ``max_hba1c_percent``."""

    kind: ClassVar[str] = "diabetes_controlled"
    max_hba1c_percent: float
    hba1c_valid_for_days: int

    def __post_init__(self) -> None:
        non_negative(max_hba1c_percent=self.max_hba1c_percent,
                     hba1c_valid_for_days=self.hba1c_valid_for_days)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        diabetes = facts.comorbidities.diabetes
        if diabetes is None:
            return missing("comorbidities.diabetes")
        if not diabetes:
            return passed(comorbidities__diabetes=False)
        test = LabAtMost(
            test=LabTest.HBA1C_PERCENT,
            upper_limit=self.max_hba1c_percent,
            valid_for_days=self.hba1c_valid_for_days,
        )
        finding = test.evaluate(facts, on_date)
        return Finding(finding.status, (("comorbidities.diabetes", True), *finding.data_used),
                       finding.missing)
