"""Add intake, candidacy decisions and consents to a freshly loaded synthetic cohort.

The consultation facts of each episode are drawn vectorised (``draw_plan``). Shares are
assumptions for a demonstration clinic (no published anchor;
docs/evidence.md#synthetic-cohort-parameters): most joints pass the default protocol; about
6 % had a corticosteroid injection into the joint less than 90 days before the consultation
(deferred), 3 % have a contraindication (not suitable) and 1 % lack the radiograph grade
(incomplete). Grades are the episode's own.

Outcomes come from the real engine (``pathways.assess``) on the facts the pages would
read (``facts.facts_from_records`` on the rows inserted here), run once per class of
equivalent facts and on a random sample (``engine_verdicts``). To keep a 100k-patient
registry small, only the sampled decisions keep their facts snapshot and rule results
(``SNAPSHOT_SAMPLE``; every decision when the cohort is smaller); the others are marked
``synthetic_bulk``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils import timezone

from orthoregen.pathways import (
    Assessment,
    CandidacyFacts,
    ConsentElement,
    Outcome,
    Protocol,
    assess,
    facts_to_dict,
)
from orthoregen.pathways.consent import PROCEEDING_OUTCOMES
from orthoregen.pathways.engine import needs_override_reason
from orthoregen.pathways.facts import InjectionAgent
from orthoregen.pathways.history import InjectionWashout
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.facts import (
    INTAKE_TABLES,
    PATIENT_TABLES,
    facts_from_records,
    is_post_traumatic,
    whole_months,
)
from orthoregen.web.consultation.models import (
    BodyMeasurement,
    CandidacyDecision,
    ConsentRecord,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PatientConditions,
    PatientHistory,
    PriorInjection,
    PriorSurgery,
)
from orthoregen.web.consultation.models.vocabulary import ComputedBy, DecisionKind
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.synthetic import SynthError

if TYPE_CHECKING:
    from orthoregen.web.consultation.models import ConsentDocument, ProtocolVersion
    from orthoregen.web.synthetic.clinic import SynthContext

# A row of DataFrame.itertuples (an episode of the cohort, or its drawn facts): a namedtuple
# whose fields pandas makes at run time, so typed as Any.
Row = Any

SNAPSHOT_SAMPLE = 2000
CONTRAINDICATIONS = np.array(["active_infection", "inflammatory_arthritis", "malignancy_active",
                              "immunosuppressant", "avascular_necrosis"])
CARE = np.array(["physiotherapy", "oral_nsaid", "weight_loss", "paracetamol", "topical_nsaid"])
TABLE_MODELS = {"injections": PriorInjection, "surgeries": PriorSurgery,
                "conservative_care": ConservativeCare, "medications": Medication,
                "labs": LabResult, "body_measurements": BodyMeasurement}
# Drawn per episode but the patient's own (one medical history, one body): every joint of a
# patient takes its first joint's draw (harmonised in draw_plan).
PATIENT_COLUMNS = ("height_cm", "weight_kg", "smoker", "diabetes", "hba1c", "remission_years",
                   "contraception")
PATIENT_CONTRAINDICATIONS = ("inflammatory_arthritis", "malignancy_active")
# Every synthetic patient's histories were taken (an empty table reads as "none").
HISTORY_TAKEN = PatientHistory(injections_reviewed=True, surgeries_reviewed=True,
                               medications_reviewed=True, allergies_reviewed=True)
OVERRIDE_REASON = ("Discussed the rules listed and the limited expected benefit; the patient "
                   "chose to proceed (synthetic record).")


def synth_consultation(context: SynthContext) -> None:
    """Insert intakes, decisions and consents for every episode of ``context``'s cohort."""
    document = consent_document_seed(context.site)
    stored_protocol = protocol_current(context.site)
    protocol = stored_protocol.protocol()
    rng = context.rng("consultation")
    episodes, patients = context.cohort.episodes, context.cohort.patients
    plan = draw_plan(rng, episodes, patients)
    consulted = [day.date() for day in episodes["consulted_on"]]
    intakes, tables = _intake_rows(context, plan, consulted)
    conditions = _conditions(context, plan, consulted)
    _insert_intakes(context, intakes)
    _insert_histories(context)
    context.insert(PatientConditions, list(conditions.values()), "patient comorbidities")
    _insert_tables(context, intakes, tables)
    patient_rows = _patients(patients)
    sample = _sample(rng, len(episodes))
    clinicians = _clinicians(context)
    verdicts = engine_verdicts(context, plan, intakes, tables, patient_rows, consulted,
                               protocol, sample, conditions)
    decisions = []
    for i, verdict in enumerate(verdicts):
        if verdict.outcome != Outcome.INCOMPLETE:
            by = clinicians[i % len(clinicians)] if clinicians else None
            decisions.append(_decision(context.episode_ids[i], stored_protocol, verdict,
                                       consulted[i], by=by))
    context.insert(CandidacyDecision, decisions, "candidacy decisions")
    _insert_consents(context, plan, consulted, decisions, document, clinicians)


def _paired(episodes: pd.DataFrame, plan: pd.DataFrame) -> Iterator[tuple[Row, Row]]:
    """Each episode of the cohort with the facts drawn for it, as itertuples rows."""
    return zip(episodes.itertuples(index=False), plan.itertuples(index=False), strict=True)


def _sample(rng: np.random.Generator, n: int) -> set[int]:
    if n <= SNAPSHOT_SAMPLE:
        return set(range(n))
    return set(rng.choice(n, SNAPSHOT_SAMPLE, replace=False).tolist())


def _patients(patients: pd.DataFrame) -> list[Patient]:
    return [Patient(date_of_birth=born.date(), sex=sex)
            for born, sex in zip(patients["date_of_birth"], patients["sex"], strict=True)]


def _clinicians(context: SynthContext) -> list[int]:
    return list(User.objects.filter(sites=context.site, role=Role.CLINICIAN)
                .order_by("pk").values_list("pk", flat=True))


def _decision(episode_id: int, stored_protocol: ProtocolVersion, verdict: Verdict,
              decided_on: dt.date, *, by: int | None) -> CandidacyDecision:
    proceeding = Outcome(verdict.outcome) in PROCEEDING_OUTCOMES
    override = proceeding and bool(verdict.rules_needing_reason)
    facts, assessment = verdict.facts, verdict.assessment
    kept = assessment is not None
    return CandidacyDecision(
        episode_id=episode_id, protocol=stored_protocol,
        kind=DecisionKind.OVERRIDE if override else DecisionKind.AGREE,
        outcome=verdict.outcome, defer_until=verdict.defer_until,
        reason=OVERRIDE_REASON if override else "", assessed_on=decided_on,
        rules_needing_reason=list(verdict.rules_needing_reason),
        facts=facts_to_dict(facts) if facts is not None else None,
        assessment=assessment.to_dict() if assessment is not None else None,
        computed_by=ComputedBy.ENGINE if kept else ComputedBy.SYNTHETIC_BULK,
        decided_on=decided_on, decided_by_id=by)


def _insert_intakes(context: SynthContext, intakes: list[Intake]) -> None:
    """Insert the intakes, each given its new primary key (the tables point at it)."""
    context.insert(Intake, intakes, "consultation intakes")


def _insert_histories(context: SynthContext) -> None:
    context.insert(PatientHistory, [
        PatientHistory(patient_id=pk, injections_reviewed=True, surgeries_reviewed=True,
                       medications_reviewed=True, allergies_reviewed=True)
        for pk in context.patient_ids], "patient histories")


def _insert_tables(context: SynthContext, intakes: list[Intake], tables: list[dict]) -> None:
    """Insert each joint's rows: care and labs on its intake, the rest on its patient."""
    owners = context.cohort.episodes["patient"].to_numpy()
    for name, model in TABLE_MODELS.items():
        rows = []
        for i, (intake, table) in enumerate(zip(intakes, tables, strict=True)):
            for row in table[name]:
                if name in PATIENT_TABLES:
                    row.patient_id = context.patient_ids[owners[i]]
                else:
                    row.intake_id = intake.pk
                rows.append(row)
        context.insert(model, rows, f"intake {name.replace('_', ' ')}")


def _intake_rows(context: SynthContext, plan: pd.DataFrame,
                 consulted: list[dt.date]) -> tuple[list[Intake], list[dict]]:
    episodes = context.cohort.episodes
    patients = context.cohort.patients
    born = [day.date() for day in patients["date_of_birth"]]
    sexes = patients["sex"].to_numpy()
    intakes, tables = [], []
    for i, (episode, drawn) in enumerate(_paired(episodes, plan)):
        day = consulted[i]
        female = sexes[episode.patient] == "female"
        age = day.year - born[episode.patient].year
        intakes.append(_intake(context.episode_ids[i], episode, drawn, day, female, age))
        tables.append(_tables(episode, drawn, day))
    return intakes, tables


def _conditions(context: SynthContext, plan: pd.DataFrame,
                consulted: list[dt.date]) -> dict[int, PatientConditions]:
    """Return each patient's comorbidities, from the draw of the patient's first joint."""
    patients = context.cohort.patients
    born = [day.date() for day in patients["date_of_birth"]]
    sexes = patients["sex"].to_numpy()
    conditions: dict[int, PatientConditions] = {}
    for i, (episode, drawn) in enumerate(_paired(context.cohort.episodes, plan)):
        owner = int(episode.patient)
        if owner in conditions:
            continue
        day, female = consulted[i], sexes[owner] == "female"
        childbearing = female and day.year - born[owner].year < 50
        contra = drawn.contraindication
        remission = (day - dt.timedelta(days=int(365 * drawn.remission_years))
                     if drawn.remission_years > 0 else None)
        conditions[owner] = PatientConditions(
            patient_id=context.patient_ids[owner], asked_on=day,
            diabetes=bool(drawn.diabetes),
            inflammatory_arthritis=contra == "inflammatory_arthritis",
            malignancy_status=("active" if contra == "malignancy_active"
                               else "in_remission" if remission else "never"),
            malignancy_last_active_on=remission, bleeding_disorder=False,
            immunodeficiency=False, childbearing_potential=childbearing if female else None,
            effective_contraception=bool(drawn.contraception) if childbearing else None,
            current_smoker=bool(drawn.smoker))
    return conditions


def _intake(episode_id: int, episode: Row, drawn: Row, day: dt.date, female: bool,
            age: int) -> Intake:
    contra = drawn.contraindication
    before = lambda days: day - dt.timedelta(days=int(days))  # noqa: E731
    knee, hip, shoulder = (episode.joint == joint for joint in ("knee", "hip", "shoulder"))
    has_mri = hip or shoulder or drawn.knee_mri
    return Intake(
        episode_id=episode_id, recorded_on=day,
        active_infection=contra == "active_infection",
        pregnant_or_lactating=False if female else None,
        conservative_care_reviewed=True,
        radiograph_scale="" if drawn.missing_grade else episode.grade_scale,
        radiograph_grade=None if drawn.missing_grade else int(episode.grade),
        radiograph_grader="" if drawn.missing_grade else "Consultant radiologist",
        radiograph_graded_on=None if drawn.missing_grade else before(7),
        mri_reviewed_on=before(14) if has_mri else None,
        mri_avascular_necrosis=(contra == "avascular_necrosis") if hip else None,
        mri_rotator_cuff=drawn.cuff if shoulder else "",
        mri_bone_marrow_lesions=None,
        examined_on=day, alignment=drawn.alignment if knee else "",
        alignment_degrees=(float(drawn.alignment_degrees)
                           if knee and drawn.alignment != "neutral" else None),
        effusion=bool(drawn.effusion), mechanical_symptoms=bool(drawn.mechanical),
        pain_scale="nrs" if drawn.pain_nrs else "vas_mm",
        pain_value=float(drawn.pain_value if drawn.pain_nrs else drawn.pain_value * 10),
        pain_recorded_on=day, other_trial_enrolled=False,
        planned_product_source="autologous" if drawn.autologous else "allogeneic",
    )


def _tables(episode: Row, drawn: Row, day: dt.date) -> dict[str, list]:
    before = lambda days: day - dt.timedelta(days=int(days))  # noqa: E731
    joint, side = episode.joint, episode.side
    injections = []
    if drawn.steroid_recent_days > 0:
        injections.append(PriorInjection(agent="corticosteroid", joint=joint, side=side,
                                         given_on=before(drawn.steroid_recent_days)))
    if drawn.steroid_old_days > 0:
        injections.append(PriorInjection(agent="corticosteroid", joint=joint, side=side,
                                         given_on=before(drawn.steroid_old_days)))
    if drawn.ha_recent_days > 0:
        injections.append(PriorInjection(agent="hyaluronic_acid", joint=joint, side=side,
                                         given_on=before(drawn.ha_recent_days)))
    medications = []
    if drawn.anticoagulant:
        medications.append(Medication(kind="anticoagulant_or_antiplatelet", name="Apixaban"))
    if drawn.contraindication == "immunosuppressant":
        medications.append(Medication(kind="immunosuppressant", name="Methotrexate"))
    if drawn.nsaid_days > 0:
        medications.append(Medication(kind="nsaid", name="Naproxen",
                                      current=drawn.nsaid_days < 7,
                                      last_dose_on=before(drawn.nsaid_days)))
    labs = [LabResult(test=test, value=value, collected_on=before(drawn.labs_days))
            for test, value in (("alt_iu_l", 25.0), ("ast_iu_l", 24.0),
                                ("creatinine_mg_dl", 0.9))]
    if drawn.diabetes:
        labs.append(LabResult(test="hba1c_percent", value=float(drawn.hba1c),
                              collected_on=before(drawn.labs_days)))
    care = [ConservativeCare(treatment=CARE[(drawn.care_first + k) % len(CARE)])
            for k in range(drawn.care_count)]
    surgeries = []
    if drawn.surgery_years > 0:
        surgeries.append(PriorSurgery(kind="meniscectomy", joint=joint, side=side,
                                      performed_on=before(365 * drawn.surgery_years)))
    body = [BodyMeasurement(measured_on=day, height_cm=float(drawn.height_cm),
                            weight_kg=float(drawn.weight_kg))]
    return {"injections": injections, "surgeries": surgeries, "conservative_care": care,
            "medications": medications, "labs": labs, "body_measurements": body}


def _insert_consents(context: SynthContext, plan: pd.DataFrame, consulted: list[dt.date],
                     decisions: list[CandidacyDecision], document: ConsentDocument,
                     clinicians: list[int]) -> None:
    encounters = context.cohort.encounters
    procedures = encounters[encounters["kind"] == "procedure"]
    procedure_on = dict(zip(procedures["episode"], procedures["occurred_on"], strict=True))
    index_of = {pk: i for i, pk in enumerate(context.episode_ids)}
    elements = sorted(element.value for element in ConsentElement)
    names = (context.cohort.patients["given_name"] + " "
             + context.cohort.patients["family_name"]).to_numpy()
    owners = context.cohort.episodes["patient"].to_numpy()
    now = timezone.now()
    records = []
    for n, decision in enumerate(decisions):
        i = index_of[decision.episode_id]
        proceeds = Outcome(decision.outcome) in PROCEEDING_OUTCOMES
        treated = i in procedure_on
        if not proceeds or not (treated or plan["consents_untreated"].iat[i]):
            continue
        day = consulted[i]
        if treated:
            lead = dt.timedelta(days=int(plan["consent_lead_days"].to_numpy()[i]))
            day = max(day, procedure_on[i].date() - lead)
        record = ConsentRecord(episode_id=decision.episode_id, document=document,
                               consented_on=day, consenting_person=names[owners[i]],
                               taken_by_id=clinicians[n % len(clinicians)] if clinicians
                               else None,
                               elements_confirmed=elements)
        withdrawn = day + dt.timedelta(days=14)
        if not treated and plan["withdraws"].iat[i] and withdrawn <= context.as_of:
            record.withdrawn_on = withdrawn
            record.withdrawal_reason = "Decided to try physiotherapy first (synthetic record)."
            record.withdrawal_recorded_by_id = record.taken_by_id
            record.withdrawal_recorded_at = now
        records.append(record)
    context.insert(ConsentRecord, records, "consent records")


def draw_plan(rng: np.random.Generator, episodes: pd.DataFrame,
              patients: pd.DataFrame) -> pd.DataFrame:
    """Return one row of drawn facts per episode (columns named after intake fields)."""
    n = len(episodes)
    owner = episodes["patient"].to_numpy()
    joint = episodes["joint"].to_numpy()
    female = patients["sex"].to_numpy()[owner] == "female"
    height = np.clip(np.where(female, rng.normal(163, 7, n), rng.normal(177, 7, n)), 145, 200)
    bmi = patients["bmi"].to_numpy()[owner]
    contra = np.where(rng.random(n) < 0.03, CONTRAINDICATIONS[rng.integers(0, 4, n)], "")
    hip_contra = (joint == "hip") & (contra != "") & (rng.random(n) < 0.4)
    contra[hip_contra] = "avascular_necrosis"
    plan = pd.DataFrame({
        "height_cm": height.round(1),
        "weight_kg": (bmi * (height / 100) ** 2).round(1),
        "missing_grade": rng.random(n) < 0.01,
        "contraindication": contra,
        "steroid_recent_days": np.where(rng.random(n) < 0.06, rng.integers(10, 90, n), -1),
        "steroid_old_days": np.where(rng.random(n) < 0.20, rng.integers(120, 900, n), -1),
        "ha_recent_days": np.where(rng.random(n) < 0.03, rng.integers(20, 90, n), -1),
        "smoker": rng.random(n) < 0.12,
        "anticoagulant": rng.random(n) < 0.07,
        "nsaid_days": np.where(rng.random(n) < 0.35,
                               np.where(rng.random(n) < 0.3, rng.integers(1, 7, n),
                                        rng.integers(8, 60, n)), -1),
        "diabetes": rng.random(n) < 0.09,
        "hba1c": np.clip(rng.normal(7.0, 1.0, n), 5.5, 11).round(1),
        "alignment": np.where(joint != "knee", "",
                              np.array(["neutral", "varus", "valgus"])[
                                  rng.choice(3, n, p=[0.6, 0.3, 0.1])]),
        "alignment_degrees": np.abs(rng.normal(3, 2, n)).round(1) + 0.5,
        "mechanical": rng.random(n) < 0.05,
        "effusion": rng.random(n) < 0.2,
        "cuff": np.array(["intact", "partial_tear", "full_thickness_tear"])[
            rng.choice(3, n, p=[0.6, 0.25, 0.15])],
        "knee_mri": rng.random(n) < 0.6,
        "care_count": rng.choice([1, 2, 3], n, p=[0.08, 0.5, 0.42]),
        "care_first": rng.integers(0, len(CARE), n),
        "surgery_years": np.where((joint == "knee") & (rng.random(n) < 0.1),
                                  rng.integers(2, 15, n), -1),
        "remission_years": np.where(rng.random(n) < 0.03, rng.integers(6, 20, n), -1),
        "contraception": rng.random(n) < 0.95,
        "autologous": rng.random(n) < 0.65,
        "pain_nrs": rng.random(n) < 0.6,
        "pain_value": rng.integers(3, 10, n),
        "labs_days": rng.integers(1, 60, n),
        "consent_lead_days": rng.integers(0, 10, n),
        "withdraws": rng.random(n) < 0.25,
        "consents_untreated": rng.random(n) < 0.3,
    })
    return _harmonised(plan, owner)


def _harmonised(plan: pd.DataFrame, owner: np.ndarray) -> pd.DataFrame:
    """Give every joint of a patient the patient-level draws of the patient's first joint."""
    first = plan.groupby(owner, sort=False)
    for column in PATIENT_COLUMNS:
        plan[column] = first[column].transform("first")
    contra = plan["contraindication"].to_numpy(copy=True)
    own = np.where(np.isin(contra, PATIENT_CONTRAINDICATIONS), "", contra)
    shared = pd.Series(np.where(np.isin(contra, PATIENT_CONTRAINDICATIONS), contra, ""))
    patient_level = shared.groupby(owner, sort=False).transform("first").to_numpy()
    plan["contraindication"] = np.where(patient_level != "", patient_level, own)
    return plan

# Running the engine fast enough for 100k patients: episodes whose drawn facts fall in the
# same class (same grade, same side of every threshold the default protocol uses, same
# planted contraindication...) get the same outcome, so the engine runs once per class and
# once on every episode of a random sample. Each sampled episode's real result must equal
# its class's (outcome, rules needing a reason, deferral measured from the injection);
# otherwise the load stops with SynthError, so a protocol change that the classes miss can
# never pass silently.

@dataclass(frozen=True)
class Verdict:
    outcome: str
    defer_until: dt.date | None
    rules_needing_reason: tuple[str, ...]
    facts: CandidacyFacts | None = None  # kept for sampled episodes only
    assessment: Assessment | None = None


def engine_verdicts(context: SynthContext, plan: pd.DataFrame, intakes: list[Intake],
                    tables: list[dict], patients: list[Patient], consulted: list[dt.date],
                    protocol: Protocol, sample: set[int], conditions: dict[int, PatientConditions]
                    ) -> list[Verdict]:
    """Return one verdict per episode: the engine's own for the sample, its class's otherwise."""
    classes: dict[tuple, tuple] = {}
    verdicts = []
    owners = context.cohort.episodes["patient"].to_numpy()
    # The patient-level rows every joint of a patient reads (facts.PATIENT_TABLES).
    shared: dict[int, dict[str, list]] = {}
    for i, owner in enumerate(owners):
        mine = shared.setdefault(int(owner), {name: [] for name in PATIENT_TABLES})
        for name in PATIENT_TABLES:
            mine[name].extend((i, row) for row in tables[i][name])
    windows = _steroid_windows(protocol)
    rows = _paired(context.cohort.episodes, plan)
    for i, (row, drawn) in enumerate(rows):
        day, patient = consulted[i], patients[row.patient]
        others = {name: [r for j, r in shared[int(owners[i])][name] if j != i]
                  for name in PATIENT_TABLES}
        # This joint's own corticosteroid also counts for the any-joint washouts: its class
        # says on which side of each washout's days it falls.
        own_steroid = tuple(0 < int(drawn.steroid_recent_days) < days for days in windows)
        own_conditions = conditions[int(owners[i])]
        key = (*_class(row, drawn, own_conditions, patient, day), own_steroid,
               _others(others, drawn, day))
        given = day - dt.timedelta(days=int(drawn.steroid_recent_days))
        if i not in sample and key in classes:
            outcome, offset, needing = classes[key]
            until = given + offset if offset is not None else None
            verdicts.append(Verdict(outcome, until, needing))
            continue
        episode = JointEpisode(pk=context.episode_ids[i], joint=row.joint, side=row.side,
                               diagnosis_code=row.diagnosis_code,
                               symptom_onset=row.symptom_onset.date())
        table = {name: tables[i][name] for name in INTAKE_TABLES}
        table.update({name: [r for _, r in shared[int(owners[i])][name]]
                      for name in PATIENT_TABLES})
        facts = facts_from_records(episode, patient, intakes[i], table, day,
                                   history=HISTORY_TAKEN, conditions=own_conditions)
        assessment = assess(facts, protocol, day)
        summary = _summary(assessment, given)
        if classes.setdefault(key, summary) != summary:
            raise SynthError(f"Synthetic outcome classes disagree with the engine for episode "
                             f"{context.episode_ids[i]}: {summary} != {classes[key]}; update "
                             "synthetic.consultation for the current protocol.")
        keep = i in sample
        verdicts.append(Verdict(summary[0], assessment.defer_until, summary[2],
                                facts if keep else None, assessment if keep else None))
    return verdicts


def _summary(assessment: Assessment, given: dt.date) -> tuple:
    offset = assessment.defer_until - given if assessment.defer_until else None
    needing = tuple(sorted(result.rule_id for result in needs_override_reason(assessment)))
    return assessment.outcome.value, offset, needing


def _steroid_windows(protocol: Protocol) -> tuple[int, ...]:
    """Return the days of every corticosteroid washout of the protocol, this joint or any."""
    return tuple(sorted({rule.check.days for rule in protocol.rules
                         if isinstance(rule.check, InjectionWashout)
                         and InjectionAgent.CORTICOSTEROID in rule.check.agents}))


def _others(others: dict[str, list], drawn: Row, day: dt.date) -> tuple:
    """Return what the patient's other joints' rows can change of this joint's outcome.

    Their medications count as this joint's (anticoagulant, immunosuppressant, an NSAID in
    the last 7 days); their corticosteroid injections count through the any-joint washouts,
    exactly to the day within 90 days (with this joint's own date, for the deferral's end).
    """
    if not any(others.values()):
        return ()
    kinds = {row.kind for row in others["medications"] if row.current}
    nsaid = any(row.kind == "nsaid" and row.last_dose_on and (day - row.last_dose_on).days < 7
                for row in others["medications"])
    steroids = tuple(sorted((day - row.given_on).days for row in others["injections"]
                            if row.agent == "corticosteroid"
                            and (day - row.given_on).days < 90))
    own = int(drawn.steroid_recent_days) if steroids else None
    return ("anticoagulant_or_antiplatelet" in kinds, "immunosuppressant" in kinds, nsaid,
            steroids, own)


def _class(row: Row, drawn: Row, conditions: PatientConditions, patient: Patient,
           day: dt.date) -> tuple:
    """Return the facts that can change an outcome, on each side of the default thresholds."""
    # Height and weight are drawn once per patient (_harmonised): every measurement agrees.
    bmi = round(drawn.weight_kg / (drawn.height_cm / 100) ** 2, 1)
    anticoagulated = bool(drawn.anticoagulant)
    return (
        row.joint, row.grade_scale, int(row.grade), bool(drawn.missing_grade),
        conditions.childbearing_potential, conditions.effective_contraception, bmi > 30,
        bmi > 35,
        patient.age_on(day) > 80, (whole_months(row.symptom_onset.date(), day) or 0) < 3,
        is_post_traumatic(row.diagnosis_code), drawn.contraindication,
        drawn.steroid_recent_days > 0, drawn.ha_recent_days > 0, bool(drawn.smoker),
        # The product source on its own: another joint's anticoagulant (patient-level, in
        # _others) with an autologous harvest needs the harvest's review (ANTICOAGULATION-03).
        anticoagulated, bool(drawn.autologous), 0 < drawn.nsaid_days < 7,
        bool(drawn.diabetes) and drawn.hba1c > 8.5,
        row.joint == "knee" and drawn.alignment != "neutral" and drawn.alignment_degrees > 5,
        bool(drawn.mechanical), row.joint == "shoulder" and drawn.cuff == "full_thickness_tear",
        drawn.care_count < 2,
    )
