"""Synthetic injection sessions: one joint per procedure encounter, a passed bedside check
(and a few refused ones first), the administration, and the unit's custody to the joint."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    Procedure,
    ProcedureJoint,
    ProductUnit,
)
from orthoregen.web.synthetic.cellbank import (
    CUSTODY_COLUMNS,
    VOLUME_ML,
    IssuedUnits,
    Rows,
    custody_rows,
)

if TYPE_CHECKING:
    from orthoregen.web.synthetic.clinic import SynthContext

APPROACH = {"knee": "superolateral", "hip": "hip_anterior_oblique",
            "shoulder": "shoulder_posterior"}
GAUGE = {"knee": 21, "hip": 22, "shoulder": 22}


def synth_procedures(context: SynthContext, issued: IssuedUnits) -> None:
    """Inject each issued unit into its joint: session, bedside check, administration."""
    if not issued.units:
        return
    lab, ep_rows, at, units = issued.lab, issued.episode_rows, issued.at, issued.units
    clinicians = list(User.objects.filter(sites=context.site, role=Role.CLINICIAN)
                      .order_by("pk")) or [lab]
    rng = context.rng("procedures")
    episodes = context.cohort.episodes
    rows = Rows()
    sessions: dict[tuple[int, dt.date], int] = {}
    procedure_rows: list[Procedure] = []
    patient_of, joint_of, side_of = episodes["patient"], episodes["joint"], episodes["side"]
    for i, row in enumerate(ep_rows):
        owner = context.patient_ids[int(patient_of[row])]
        key = (owner, at[i].date())
        if key not in sessions:
            sessions[key] = len(procedure_rows)
            procedure_rows.append(Procedure(
                patient_id=owner, performed_on=key[1], operator=clinicians[i % len(clinicians)],
                time_out_completed=True, time_out_at=at[i] - dt.timedelta(minutes=10)))
    procedures = context.insert(Procedure, procedure_rows, "injection sessions")
    joints, attempts, given = [], [], []
    for i, row in enumerate(ep_rows):
        joint, side = str(joint_of[row]), str(side_of[row])
        unit, volume = units[i], VOLUME_ML[joint]
        concentration, viability = unit.concentration_per_ml, unit.viability_pct
        if concentration is None or viability is None:  # synthetic units always carry both
            raise RuntimeError(f"synthetic unit {unit.identifier} lacks its cell counts")
        guidance = "fluoroscopy" if joint == "hip" and rng.random() < 0.3 else "ultrasound"
        joints.append(ProcedureJoint(
            procedure=procedures[sessions[(context.patient_ids[int(patient_of[row])],
                                           at[i].date())]],
            episode_id=context.episode_ids[row], indication="Symptomatic osteoarthritis",
            guidance=guidance, approach=APPROACH[joint], needle_gauge=GAUGE[joint],
            aspirate_volume_ml=float(rng.choice([0, 0, 5, 10, 20])) if joint == "knee" else 0.0,
            injectate_volume_ml=volume, cell_dose=concentration * volume,
            viable_cell_dose=concentration * volume * viability / 100,
            adjuncts="PRP" if rng.random() < 0.1 else ""))
    joints = context.insert(ProcedureJoint, joints, "injected joints")
    for i, pj in enumerate(joints):
        unit, when = units[i], at[i]
        by = pj.procedure.operator
        joint, side = str(joint_of[ep_rows[i]]), str(side_of[ep_rows[i]])
        if rng.random() < 0.02:  # a few refused checks, as happens at a real bedside
            attempts.append(_attempt(pj, unit, by, when - dt.timedelta(minutes=2), joint, side,
                                     passed=False))
        attempts.append(_attempt(pj, unit, by, when, joint, side, passed=True))
        steps = [("issued", "Issued for this joint")]
        if unit.is_cryopreserved:
            steps.append(("thawed", "Thawed"))
        steps.append(("administered", "Administered after a passed bedside check"))
        if unit.parent_id is None:
            steps = [("quarantine", "Received"), ("released", "Released")] + steps
        else:
            steps = [("released", "Divided from sub-lot")] + steps
        custody_rows(rows, unit, steps, lab, when - dt.timedelta(minutes=len(steps)))
    attempts = context.insert(BedsideCheckAttempt, attempts, "bedside checks")
    passed = [a for a in attempts if a.passed]
    for pj, attempt in zip(joints, passed, strict=True):
        given.append(Administration(procedure_joint=pj, unit=attempt.unit, bedside_check=attempt,
                                    administered_at=attempt.at, by=attempt.by))
    context.insert(Administration, given, "administrations")
    context.insert_rows(CustodyEvent, CUSTODY_COLUMNS, rows.custody, "custody events (issue)")


def _attempt(pj: ProcedureJoint, unit: ProductUnit, by: User, when: dt.datetime, joint: str,
             side: str, *, passed: bool) -> BedsideCheckAttempt:
    shown = side if passed else ("left" if side == "right" else "right")
    mismatches = [] if passed else [{"kind": "wrong_side", "message":
                                     f"unit was issued for the {side} side, not the {shown}"}]
    return BedsideCheckAttempt(procedure_joint=pj, unit=unit, scanned_identifier=unit.identifier,
                               presented_name="(synthetic)", presented_mrn="(synthetic)",
                               joint=joint, side=shown, passed=passed, mismatches=mismatches,
                               by=by, at=when)
