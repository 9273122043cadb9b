"""Add intake, candidacy decisions and consents to a freshly loaded synthetic cohort.

Outcomes come from the real engine (``pathways.assess``) on the facts the pages would
read (``facts.facts_from_records`` on the rows inserted here), run once per class of
equivalent facts and on a random sample (see ``synth_outcomes``). To keep a 100k-patient
registry small, only the sampled decisions keep their facts snapshot and rule results
(``SNAPSHOT_SAMPLE``; every decision when the cohort is smaller); the others are marked
``synthetic_bulk``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orthoregen.pathways import ConsentElement, Outcome, facts_to_dict
from orthoregen.pathways.consent import PROCEEDING_OUTCOMES
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.clinic.models import Patient
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.models import (
    CandidacyDecision,
    ConsentRecord,
    ConservativeCare,
    Intake,
    LabResult,
    Medication,
    PriorInjection,
    PriorSurgery,
)
from orthoregen.web.consultation.models.vocabulary import ComputedBy, DecisionKind
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.consultation.synth_insert import rows_insert
from orthoregen.web.consultation.synth_outcomes import engine_verdicts
from orthoregen.web.consultation.synth_plan import CARE, draw_plan

SNAPSHOT_SAMPLE = 2000
TABLE_MODELS = {"injections": PriorInjection, "surgeries": PriorSurgery,
                "conservative_care": ConservativeCare, "medications": Medication,
                "labs": LabResult}
OVERRIDE_REASON = ("Discussed the rules listed and the limited expected benefit; the patient "
                   "chose to proceed (synthetic record).")


def consultation_synth(context) -> None:
    """Insert intakes, decisions and consents for every episode of ``context``'s cohort."""
    document = consent_document_seed(context.site)
    stored_protocol = protocol_current(context.site)
    protocol = stored_protocol.protocol()
    rng = context.rng("consultation")
    episodes, patients = context.cohort.episodes, context.cohort.patients
    plan = draw_plan(rng, episodes, patients)
    consulted = [day.date() for day in episodes["consulted_on"]]
    intakes, tables = _intake_rows(context, plan, consulted)
    _insert_intakes(context, intakes)
    _insert_tables(context, intakes, tables)
    patient_rows = _patients(patients)
    sample = _sample(rng, len(episodes))
    clinicians = _clinicians(context)
    verdicts = engine_verdicts(context, plan, intakes, tables, patient_rows, consulted,
                               protocol, sample)
    decisions = []
    for i, verdict in enumerate(verdicts):
        if verdict.outcome != Outcome.INCOMPLETE:
            by = clinicians[i % len(clinicians)] if clinicians else None
            decisions.append(_decision(context.episode_ids[i], stored_protocol, verdict,
                                       consulted[i], by=by))
    rows_insert(CandidacyDecision, decisions, context.progress, "candidacy decisions")
    _insert_consents(context, plan, consulted, decisions, document, clinicians)


def _sample(rng, n: int) -> set[int]:
    if n <= SNAPSHOT_SAMPLE:
        return set(range(n))
    return set(rng.choice(n, SNAPSHOT_SAMPLE, replace=False).tolist())


def _patients(patients) -> list[Patient]:
    return [Patient(date_of_birth=born.date(), sex=sex)
            for born, sex in zip(patients["date_of_birth"], patients["sex"], strict=True)]


def _clinicians(context) -> list[int]:
    return list(User.objects.filter(sites=context.site, role=Role.CLINICIAN)
                .order_by("pk").values_list("pk", flat=True))


def _decision(episode_id, stored_protocol, verdict, decided_on, *, by) -> CandidacyDecision:
    proceeding = Outcome(verdict.outcome) in PROCEEDING_OUTCOMES
    override = proceeding and bool(verdict.rules_needing_reason)
    kept = verdict.assessment is not None
    return CandidacyDecision(
        episode_id=episode_id, protocol=stored_protocol,
        kind=DecisionKind.OVERRIDE if override else DecisionKind.AGREE,
        outcome=verdict.outcome, defer_until=verdict.defer_until,
        reason=OVERRIDE_REASON if override else "", assessed_on=decided_on,
        rules_needing_reason=list(verdict.rules_needing_reason),
        facts=facts_to_dict(verdict.facts) if kept else None,
        assessment=verdict.assessment.to_dict() if kept else None,
        computed_by=ComputedBy.ENGINE if kept else ComputedBy.SYNTHETIC_BULK,
        decided_on=decided_on, decided_by_id=by)


def _insert_intakes(context, intakes: list[Intake]) -> None:
    """Insert the intakes and give each its new primary key (the tables point at it)."""
    rows_insert(Intake, intakes, context.progress, "consultation intakes")
    keys = dict(Intake.objects.filter(episode__patient__site=context.site)
                .values_list("episode_id", "pk"))
    for intake in intakes:
        intake.pk = keys[intake.episode_id]


def _insert_tables(context, intakes: list[Intake], tables: list[dict]) -> None:
    for name, model in TABLE_MODELS.items():
        rows = []
        for intake, table in zip(intakes, tables, strict=True):
            for row in table[name]:
                row.intake_id = intake.pk
                rows.append(row)
        rows_insert(model, rows, context.progress, f"intake {name.replace('_', ' ')}")


def _intake_rows(context, plan, consulted: list[dt.date]) -> tuple[list[Intake], list[dict]]:
    episodes = context.cohort.episodes
    patients = context.cohort.patients
    born = [day.date() for day in patients["date_of_birth"]]
    sexes = patients["sex"].to_numpy()
    intakes, tables = [], []
    for i, (episode, drawn) in enumerate(zip(episodes.itertuples(index=False),
                                            plan.itertuples(index=False), strict=True)):
        day = consulted[i]
        female = sexes[episode.patient] == "female"
        age = day.year - born[episode.patient].year
        intakes.append(_intake(context.episode_ids[i], episode, drawn, day, female, age))
        tables.append(_tables(episode, drawn, day))
    return intakes, tables


def _intake(episode_id, episode, drawn, day, female: bool, age: int) -> Intake:
    contra = drawn.contraindication
    before = lambda days: day - dt.timedelta(days=int(days))  # noqa: E731
    knee, hip, shoulder = (episode.joint == joint for joint in ("knee", "hip", "shoulder"))
    has_mri = hip or shoulder or drawn.knee_mri
    childbearing = female and age < 50
    return Intake(
        episode_id=episode_id, recorded_on=day, diabetes=bool(drawn.diabetes),
        inflammatory_arthritis=contra == "inflammatory_arthritis",
        malignancy_status=("active" if contra == "malignancy_active"
                           else "in_remission" if drawn.remission_years > 0 else "never"),
        malignancy_last_active_on=(before(365 * drawn.remission_years)
                                   if drawn.remission_years > 0 else None),
        bleeding_disorder=False, immunodeficiency=False,
        active_infection=contra == "active_infection",
        pregnant_or_lactating=False if female else None,
        childbearing_potential=childbearing if female else None,
        effective_contraception=bool(drawn.contraception) if childbearing else None,
        current_smoker=bool(drawn.smoker), injections_reviewed=True, surgeries_reviewed=True,
        conservative_care_reviewed=True, medications_reviewed=True,
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
        height_cm=float(drawn.height_cm), weight_kg=float(drawn.weight_kg),
        pain_scale="nrs" if drawn.pain_nrs else "vas_mm",
        pain_value=float(drawn.pain_value if drawn.pain_nrs else drawn.pain_value * 10),
        pain_recorded_on=day, other_trial_enrolled=False,
        planned_product_source="autologous" if drawn.autologous else "allogeneic",
    )


def _tables(episode, drawn, day: dt.date) -> dict[str, list]:
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
    return {"injections": injections, "surgeries": surgeries, "conservative_care": care,
            "medications": medications, "labs": labs}


def _insert_consents(context, plan, consulted, decisions, document, clinicians) -> None:
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
            lead = dt.timedelta(days=int(plan["consent_lead_days"].iat[i]))
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
    rows_insert(ConsentRecord, records, context.progress, "consent records")
