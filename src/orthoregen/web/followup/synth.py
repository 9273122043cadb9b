"""Synthetic follow-up for the demo and benchmarks: schedules, answers, attrition, safety.

Procedure encounters of the synthetic cohort stand in for administrations. Parameters are
shared/evidence.md section 9, "realistic" scenario (not the optimistic one):
- baseline WOMAC pain by grade (9.2), mean change -24 / -24 / -19 at 3 / 6 / 12 months with
  SD about 22 (9.3); the 6-8 week, 24 and 36 month means (-20, -14, -10) are assumptions
  following 9.3 note 4 (benefit peaks at 3-6 months and wanes);
- true score and measurement error simulated apart (9.3 note 1, error SD 9);
- 30 % missing at 12 months, missing not at random: non-responders 1.6 x as likely to be
  lost (9.4); other time points' completion rates are assumptions shaped like registries
  (about 90 % before treatment, about 60 % at 2 years);
- arthroplasty hazards by grade, BMI and baseline pain (9.5), not reduced by MSC;
- adverse event rates per injection are assumptions (no rates in the shared specs): flare
  12 %, effusion 5 %, harvest-site pain 5 %, haematoma 1.5 %, vasovagal 1 %, allergic 0.2 %,
  septic arthritis 0.03 % (serious).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.utils import timezone

from orthoregen.instruments import get_instrument
from orthoregen.products.episode import Joint
from orthoregen.vocabulary import GradeScale
from orthoregen.web.followup.bulk import insert_rows
from orthoregen.web.followup.models import (
    ComplicationReport,
    FollowUpSchedule,
    Message,
    MessageStatus,
    QuestionnaireResponse,
    ResponseSource,
    ReviewTask,
    ScheduledVisit,
    TaskKind,
    TaskStatus,
    VisitKind,
    VisitState,
)
from orthoregen.web.followup.protocols import active_protocol
from orthoregen.web.followup.synth_safety import synth_adverse_events, synth_outcomes
from orthoregen.web.followup.synth_scores import scored

MEAN_CHANGE = {"week_6_8": -20, "month_3": -24, "month_6": -24, "month_12": -19,
               "month_24": -14, "month_36": -10}
COMPLETION = {"week_6_8": 0.85, "month_3": 0.80, "month_6": 0.76, "month_12": 0.70,
              "month_24": 0.60, "month_36": 0.52}
BASELINE_COMPLETION = 0.90
NON_RESPONDER_MULTIPLIER = 1.6  # evidence.md 9.4: 1.5-2x more likely to be lost
PERSON_SD, VISIT_SD, ERROR_SD = 18.0, 8.0, 9.0
BASELINE_BY_GRADE = {1: 42, 2: 42, 3: 48, 4: 55}  # evidence.md 9.2 (KL)
SYNTH_INSTRUMENTS = {"knee": ("nrs_pain", "womac_lk31", "koos"),
                     "hip": ("nrs_pain", "womac_lk31", "hoos"),
                     "shoulder": ("nrs_pain", "ases")}
COMPLICATION_YES = 0.03


def _day(values) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def _as_dates(days: np.ndarray) -> list[dt.date]:
    return days.astype("datetime64[D]").astype(dt.date).tolist()


def synth_followup(context) -> None:
    """Add the follow-up stage's synthetic rows to a freshly loaded cohort."""
    rng = context.rng("followup")
    cohort = context.cohort
    episodes = cohort.episodes
    procedures = cohort.encounters[cohort.encounters["kind"] == "procedure"]
    as_of = np.datetime64(context.as_of, "D")
    version = active_protocol()
    protocol = version.as_protocol()

    episode_rows = procedures["episode"].to_numpy()
    administered = _day(procedures["occurred_on"])
    joints = episodes["joint"].to_numpy()[episode_rows]
    grade = _grade_as_kl(episodes, episode_rows)
    bmi = cohort.patients["bmi"].to_numpy()[episodes["patient"].to_numpy()[episode_rows]]
    patient_rows = episodes["patient"].to_numpy()[episode_rows]

    schedules = context.insert(FollowUpSchedule, [
        FollowUpSchedule(episode_id=context.episode_ids[e], administered_on=day,
                         protocol=version, source="synthetic")
        for e, day in zip(episode_rows, _as_dates(administered), strict=True)
    ], "follow-up schedules")
    schedule_ids = np.array([s.pk for s in schedules])

    baseline_true = np.clip(rng.normal([BASELINE_BY_GRADE[g] for g in grade], 17), 0, 100)
    person = rng.normal(0, PERSON_SD, len(episode_rows))
    non_responder = person > 0
    replaced_on = synth_outcomes(context, rng, episode_rows, administered, grade, bmi,
                                 baseline_true, as_of)

    visits, plan = _visit_plan(rng, protocol, administered, as_of, non_responder, replaced_on)
    due = _due_by_joint(protocol)
    columns = ("schedule", "timepoint", "label", "kind", "earliest", "target", "latest",
               "instruments_due", "status", "completed_on")
    insert_rows(ScheduledVisit, [f"{c}_id" if c == "schedule" else c for c in columns], [
        (int(schedule_ids[i]), spec.visit_id, spec.label, kind, e, t, lt,
         list(due[joints[i]]) if kind == VisitKind.VISIT else [], str(status), done)
        for i, spec, kind, e, t, lt, status, done in visits
    ], context.progress, "follow-up visits")
    # A range, not IN (…90,000 ids…): the new schedules' ids are one contiguous block.
    low, high = (int(schedule_ids.min()), int(schedule_ids.max())) if len(schedule_ids) \
        else (0, -1)
    stored = ScheduledVisit.objects.filter(schedule_id__gte=low, schedule_id__lte=high) \
        .values_list("schedule_id", "timepoint", "kind", "id")
    visit_id = {(s, tp, str(k)): pk for s, tp, k, pk in stored.iterator(chunk_size=20000)}
    plan["visit_id"] = [visit_id[(int(schedule_ids[s]), tp, str(k))] for s, tp, k in
                        zip(plan["schedule"], plan["timepoint"], plan["kind"], strict=True)]

    _responses(context, rng, plan, episode_rows, joints, administered, baseline_true, person)
    _reminders_and_tasks(context, rng, plan, as_of)
    synth_adverse_events(context, rng, episode_rows, patient_rows, administered, as_of)


def _grade_as_kl(episodes: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    grade = episodes["grade"].to_numpy()[rows].astype(int)
    scale = episodes["grade_scale"].to_numpy()[rows]
    # Tönnis 1-3 and Samilson-Prieto I-III read as KL 2-4 for the score and hazard tables.
    shifted = (scale == GradeScale.TONNIS) | (scale == GradeScale.SAMILSON_PRIETO)
    grade[shifted] = grade[shifted] + 1
    return np.clip(grade, 1, 4)


_DUE_CACHE: dict = {}


def _due_by_joint(protocol) -> dict[str, tuple[str, ...]]:
    if protocol.version not in _DUE_CACHE:
        _DUE_CACHE[protocol.version] = {
            joint.value: tuple(c.default for c in protocol.instruments_for(joint))
            for joint in Joint}
    return _DUE_CACHE[protocol.version]


def _visit_plan(rng, protocol, administered, as_of, non_responder, replaced_on):
    """Return visit tuples and a table of questionnaire visits with their state."""
    n = len(administered)
    admin_index = pd.DatetimeIndex(administered.astype("datetime64[ns]"))
    share_nr = non_responder.mean() if n else 0.0
    responder_weight = (1 - NON_RESPONDER_MULTIPLIER * share_nr) / max(1 - share_nr, 1e-9)
    weight = np.where(non_responder, NON_RESPONDER_MULTIPLIER, responder_weight)
    visits, frames = [], []
    for spec in protocol.visits:
        target = _day(admin_index + pd.DateOffset(months=spec.months)) \
            + np.timedelta64(spec.days, "D")
        earliest = target - np.timedelta64(spec.days_before, "D")
        latest = target + np.timedelta64(spec.days_after, "D")
        missing = np.clip((1 - COMPLETION[spec.visit_id]) * weight, 0, 1)
        answers = rng.random(n) >= missing
        spread = max((spec.days_before + spec.days_after) / 4, 1)
        offset = np.clip(np.rint(rng.normal(0, spread, n)), -spec.days_before, spec.days_after)
        done_on = target + offset.astype("timedelta64[D]")
        completed = answers & (done_on <= as_of)
        stopped = replaced_on <= earliest
        status = np.where(stopped, VisitState.STOPPED,
                          np.where(completed, VisitState.COMPLETED, VisitState.PENDING))
        done_dates = [d if c else None for d, c in
                      zip(_as_dates(done_on), completed & ~stopped, strict=True)]
        rows = zip(range(n), _as_dates(earliest), _as_dates(target), _as_dates(latest),
                   status, done_dates, strict=True)
        for i, e, t, lt, st, done in rows:
            visits.append((i, spec, VisitKind.VISIT, e, t, lt, st, done))
        frames.append(pd.DataFrame({"schedule": np.arange(n), "timepoint": spec.visit_id,
                                    "earliest": earliest, "latest": latest, "status": status,
                                    "completed_on": done_on, "kind": VisitKind.VISIT}))
        if "mri" in spec.imaging:
            mri_done = (rng.random(n) < 0.6) & (target <= as_of)
            mri_status = np.where(stopped, VisitState.STOPPED,
                                  np.where(mri_done, VisitState.COMPLETED, VisitState.PENDING))
            rows = zip(range(n), _as_dates(earliest), _as_dates(target), _as_dates(latest),
                       mri_status, [t if d else None for t, d in
                                    zip(_as_dates(target), mri_done & ~stopped, strict=True)],
                       strict=True)
            for i, e, t, lt, st, done in rows:
                visits.append((i, spec, VisitKind.MRI, e, t, lt, st, done))
            frames.append(pd.DataFrame({"schedule": np.arange(n), "timepoint": spec.visit_id,
                                        "earliest": earliest, "latest": latest,
                                        "status": mri_status, "completed_on": target,
                                        "kind": VisitKind.MRI}))
    plan = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return visits, plan


def _responses(context, rng, plan, episode_rows, joints, administered, baseline_true, person):
    """Insert baseline and follow-up questionnaires, each instrument scored by score_batch."""
    done = plan[(plan["kind"] == VisitKind.VISIT) & (plan["status"] == VisitState.COMPLETED)]
    schedule = done["schedule"].to_numpy()
    change = done["timepoint"].map(MEAN_CHANGE).to_numpy() + person[schedule] \
        + rng.normal(0, VISIT_SD, len(done))
    follow_latent = np.clip(baseline_true[schedule] + change, 0, 100)
    consulted = _day(context.cohort.episodes["consulted_on"].to_numpy()[episode_rows])
    baseline = rng.random(len(episode_rows)) < BASELINE_COMPLETION
    base_rows = np.flatnonzero(baseline)
    table = pd.DataFrame({
        "schedule": np.concatenate([base_rows, schedule]),
        "visit_id": np.concatenate([np.full(len(base_rows), -1), done["visit_id"].to_numpy()]),
        "timepoint": np.concatenate([np.full(len(base_rows), "baseline", dtype=object),
                                     done["timepoint"].to_numpy()]),
        "on": np.concatenate([consulted[base_rows], done["completed_on"].to_numpy()
                              .astype("datetime64[D]")]),
        "latent": np.concatenate([baseline_true[base_rows], follow_latent]),
    })
    table["latent"] = np.clip(table["latent"] + rng.normal(0, ERROR_SD, len(table)), 0, 100)
    table["joint"] = joints[table["schedule"].to_numpy()]
    now = timezone.now()
    prefix = f"synth-{context.site.code}-{context.seed}"
    rows: list[tuple] = []
    for instrument_id in sorted({i for ids in SYNTH_INSTRUMENTS.values() for i in ids}):
        joints_using = [j for j, ids in SYNTH_INSTRUMENTS.items() if instrument_id in ids]
        part = table[table["joint"].isin(joints_using)]
        if part.empty:
            continue
        answers, scores = scored(rng, instrument_id, part["latent"].to_numpy())
        version = get_instrument(instrument_id).version
        episode_ids = [context.episode_ids[episode_rows[s]] for s in part["schedule"]]
        visit_ids = [None if v < 0 else int(v) for v in part["visit_id"]]
        rows += [
            (episode, visit, timepoint, instrument_id, version, answer, score_row, on, now,
             ResponseSource.SYNTHETIC.value, f"{prefix}-{instrument_id}-{n}")
            for n, (episode, visit, timepoint, on, answer, score_row) in enumerate(zip(
                episode_ids, visit_ids, part["timepoint"], _as_dates(part["on"].to_numpy()),
                answers, scores, strict=True))
        ]
    insert_rows(QuestionnaireResponse, (
        "episode_id", "visit_id", "timepoint", "instrument_id", "instrument_version", "answers",
        "scores", "completed_on", "submitted_at", "source", "idempotency_key"), rows,
        context.progress, "questionnaire responses")
    _complications(context, rng, done, now)


def _complications(context, rng, done, now) -> None:
    said_yes = done[rng.random(len(done)) < COMPLICATION_YES]
    as_of = np.datetime64(context.as_of, "D")
    reports, tasks = [], []
    for visit_id, on in zip(said_yes["visit_id"], said_yes["completed_on"], strict=True):
        recent = np.datetime64(on, "D") >= as_of - np.timedelta64(30, "D")
        reports.append(ComplicationReport(visit_id=int(visit_id), answers={"new_swelling": True},
                                          any_yes=True, submitted_at=now))
        tasks.append(ReviewTask(visit_id=int(visit_id), kind=TaskKind.COMPLICATION_REVIEW,
                                status=TaskStatus.OPEN if recent else TaskStatus.DONE,
                                detail="Patient answered yes: new_swelling", created_at=now,
                                closed_at=None if recent else now))
    context.insert(ComplicationReport, reports, "complication reports")
    context.insert(ReviewTask, tasks, "complication reviews")


def _reminders_and_tasks(context, rng, plan, as_of) -> None:
    """Log the reminders the planner would have sent for visits open today (default delays)."""
    open_now = plan[(plan["kind"] == VisitKind.VISIT) & (plan["status"] == VisitState.PENDING)
                    & (plan["earliest"] <= as_of) & (plan["latest"] >= as_of)]
    zone = timezone.get_current_timezone()
    messages, tasks = [], []
    for visit_id, earliest in zip(open_now["visit_id"], open_now["earliest"], strict=True):
        opened = np.datetime64(earliest, "D").astype(dt.date)
        for step, days in (("email", 0), ("sms", 7), ("call_task", 14)):
            day = opened + dt.timedelta(days=days)
            if np.datetime64(day) > as_of:
                break
            at = dt.datetime.combine(day, dt.time(9, 0), zone)
            status = MessageStatus.TASK_CREATED if step == "call_task" else MessageStatus.SENT
            messages.append(Message(visit_id=int(visit_id), step=step, channel=step,
                                    sent_at=at, status=status, detail="synthetic"))
            if step == "call_task":
                tasks.append(ReviewTask(visit_id=int(visit_id), kind=TaskKind.CALL_PATIENT,
                                        detail="No reply to email or text", created_at=at))
    context.insert(Message, messages, "reminder log")
    context.insert(ReviewTask, tasks, "call tasks")

