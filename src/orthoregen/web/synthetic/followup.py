"""Synthetic follow-up: each treated joint's course, its schedule, answers and attrition.

Procedure encounters of the synthetic cohort stand in for administrations. The course of
each treated joint (its pain over time and when, if ever, it is replaced) is drawn here,
since both the answers and the visits it stops depend on it; the safety stage
(synthetic.safety) records the replacements and draws the adverse events. Parameters are
docs/evidence.md#synthetic-cohort-parameters, "realistic" scenario (not the optimistic one):
- baseline WOMAC pain by grade (docs/evidence.md#baseline-scores), mean change -24 / -24 /
  -19 at 3 / 6 / 12 months with SD about 22 (docs/evidence.md#change-after-injection); the
  6-8 week, 24 and 36 month means (-20, -14, -10) are assumptions following the same section
  (benefit peaks at 3-6 months and wanes);
- true score and measurement error simulated apart (error SD 9,
  docs/evidence.md#change-after-injection);
- 30 % missing at 12 months, missing not at random: non-responders 1.6 x as likely to be
  lost (docs/evidence.md#loss-to-follow-up); other time points' completion rates are
  assumptions shaped like registries (about 90 % before treatment, about 60 % at 2 years);
- arthroplasty hazards by grade, BMI and baseline pain
  (docs/evidence.md#conversion-to-arthroplasty), not reduced by MSC.

Answers come from the latent pain score (WOMAC pain scale, 0-100, higher = worse;
docs/evidence.md#baseline-scores, #change-after-injection) and are scored by the instruments
package (``scored``). Other measures are scaled from it as
docs/evidence.md#change-after-injection suggests (VAS change about 1.1 x WOMAC pain change;
KOOS/HOOS pain about -0.9 x, higher = better), with item-level noise; the KOOS/HOOS
quality-of-life and sport items sit lower than pain, as docs/evidence.md#baseline-scores
shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils import timezone

from orthoregen.instruments import get_instrument, score_batch
from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import ScheduleProtocol
from orthoregen.vocabulary import GradeScale
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
from orthoregen.web.synthetic.bulk import JsonText

if TYPE_CHECKING:
    from orthoregen.web.synthetic.clinic import SynthContext

MEAN_CHANGE = {"week_6_8": -20, "month_3": -24, "month_6": -24, "month_12": -19,
               "month_24": -14, "month_36": -10}
COMPLETION = {"week_6_8": 0.85, "month_3": 0.80, "month_6": 0.76, "month_12": 0.70,
              "month_24": 0.60, "month_36": 0.52}
BASELINE_COMPLETION = 0.90
NON_RESPONDER_MULTIPLIER = 1.6  # 1.5-2x more likely to be lost (docs/evidence.md#loss-to-follow-up)
PERSON_SD, VISIT_SD, ERROR_SD = 18.0, 8.0, 9.0
BASELINE_BY_GRADE = {1: 42, 2: 42, 3: 48, 4: 55}  # by KL grade (docs/evidence.md#baseline-scores)
SYNTH_INSTRUMENTS = {"knee": ("nrs_pain", "womac_lk31", "koos"),
                     "hip": ("nrs_pain", "womac_lk31", "hoos"),
                     "shoulder": ("nrs_pain", "ases")}
COMPLICATION_YES = 0.03
# docs/evidence.md#conversion-to-arthroplasty: annual hazard by KL grade; HR 1.2 per +5 kg/m2,
# 1.15 per +10 WOMAC pain.
ANNUAL_HAZARD = {1: 0.005, 2: 0.005, 3: 0.025, 4: 0.08}
NEVER = np.datetime64("9999-12-31", "D")
ITEM_NOISE = 0.6  # SD in response categories: items of one subscale disagree a little
# Multiplier from the latent score to each item group's mean on a 0-4 "problem" scale,
# chosen so a latent 48 (KL3 baseline) gives KOOS pain ~46, ADL ~50, QoL ~26
# (docs/evidence.md#baseline-scores).
KOOS_GROUP_SCALE = {"S": 1.0, "P": 1.12, "A": 1.05, "SP": 1.45, "Q": 1.55}


@dataclass(frozen=True)
class Course:
    """Each treated joint's course after its injection, one entry per procedure encounter."""

    episode_rows: np.ndarray  # row of cohort.episodes
    patient_rows: np.ndarray  # row of cohort.patients
    administered: np.ndarray  # datetime64[D]
    replaced_on: np.ndarray  # datetime64[D] of a joint replacement by as_of, else NEVER


def _day(values: Any) -> np.ndarray:  # dates as pandas reads them: Series, array, index
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def _as_dates(days: np.ndarray) -> list[dt.date]:
    return days.astype("datetime64[D]").astype(dt.date).tolist()


def synth_followup(context: SynthContext) -> Course:
    """Add the follow-up stage's synthetic rows to a fresh cohort; return the joints' course."""
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
    # Every synthetic patient is of the loaded site: each row's copy of it
    # (FollowUpSchedule.site) is that site.
    site_id = context.site.pk

    schedules = context.insert(FollowUpSchedule, [
        FollowUpSchedule(episode_id=context.episode_ids[e], site_id=site_id,
                         administered_on=day, protocol=version, source="synthetic")
        for e, day in zip(episode_rows, _as_dates(administered), strict=True)
    ], "follow-up schedules")
    schedule_ids = np.array([s.pk for s in schedules])

    baseline_true = np.clip(rng.normal([BASELINE_BY_GRADE[g] for g in grade], 17), 0, 100)
    person = rng.normal(0, PERSON_SD, len(episode_rows))
    non_responder = person > 0
    replaced_on = _replacements(rng, administered, grade, bmi, baseline_true, as_of)

    visits, plan = _visit_plan(rng, protocol, administered, as_of, non_responder, replaced_on)
    due = _due_by_joint(protocol)
    columns = ("schedule_id", "site_id", "timepoint", "label", "kind", "earliest", "target",
               "latest", "instruments_due", "status", "completed_on")
    schedule_id = schedule_ids.tolist()
    # Rows stream into the insert (a generator), and ids come back in row order, which is
    # the plan's order: no second list of every visit and no lookup by key.
    plan["visit_id"] = context.insert_rows(ScheduledVisit, columns, (
        (schedule_id[i], site_id, spec.visit_id, spec.label, kind, e, t, lt,
         list(due[joints[i]]) if kind == VisitKind.VISIT else [], str(status), done)
        for i, spec, kind, e, t, lt, status, done in visits
    ), "follow-up visits", total=len(visits))
    del visits

    _responses(context, rng, plan, episode_rows, joints, administered, baseline_true, person)
    _reminders_and_tasks(context, rng, plan, as_of)
    return Course(episode_rows=episode_rows, patient_rows=patient_rows,
                  administered=administered, replaced_on=replaced_on)


def _replacements(rng: np.random.Generator, administered: np.ndarray, grade: np.ndarray,
                  bmi: np.ndarray, baseline: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Draw each joint's conversion to arthroplasty; return its date if by as_of, else NEVER."""
    hazard = np.array([ANNUAL_HAZARD[g] for g in grade]) * 1.2 ** ((bmi - 28.5) / 5) \
        * 1.15 ** ((baseline - 48) / 10)
    years = rng.exponential(1 / hazard)
    replaced = administered + np.rint(years * 365.25).astype("timedelta64[D]")
    return np.where(replaced <= as_of, replaced, NEVER)


def _grade_as_kl(episodes: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    grade = episodes["grade"].to_numpy()[rows].astype(int)
    scale = episodes["grade_scale"].to_numpy()[rows]
    # Tönnis 1-3 and Samilson-Prieto I-III read as KL 2-4 for the score and hazard tables.
    shifted = (scale == GradeScale.TONNIS) | (scale == GradeScale.SAMILSON_PRIETO)
    grade[shifted] = grade[shifted] + 1
    return np.clip(grade, 1, 4)


_DUE_CACHE: dict = {}


def _due_by_joint(protocol: ScheduleProtocol) -> dict[str, tuple[str, ...]]:
    if protocol.version not in _DUE_CACHE:
        _DUE_CACHE[protocol.version] = {
            joint.value: tuple(c.default for c in protocol.instruments_for(joint))
            for joint in Joint}
    return _DUE_CACHE[protocol.version]


def _visit_plan(rng: np.random.Generator, protocol: ScheduleProtocol, administered: np.ndarray,
                as_of: np.datetime64, non_responder: np.ndarray,
                replaced_on: np.ndarray) -> tuple[list[tuple], pd.DataFrame]:
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


def _responses(context: SynthContext, rng: np.random.Generator, plan: pd.DataFrame,
               episode_rows: np.ndarray, joints: np.ndarray, administered: np.ndarray,
               baseline_true: np.ndarray, person: np.ndarray) -> None:
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
    instruments = sorted({i for ids in SYNTH_INSTRUMENTS.values() for i in ids})
    parts = [table[table["joint"].isin([j for j, ids in SYNTH_INSTRUMENTS.items()
                                        if instrument_id in ids])]
             for instrument_id in instruments]
    context.insert_rows(QuestionnaireResponse, (
        "episode_id", "visit_id", "timepoint", "instrument_id", "instrument_version", "answers",
        "scores", "completed_on", "submitted_at", "source", "idempotency_key"),
        _response_rows(context, rng, zip(instruments, parts, strict=True), episode_rows, now),
        "questionnaire responses", total=sum(len(part) for part in parts))
    _complications(context, rng, done, now)


RESPONSE_CHUNK = 20_000  # rows of one instrument written as JSON at a time


def _response_rows(context: SynthContext, rng: np.random.Generator,
                   parts: Iterable[tuple[str, pd.DataFrame]], episode_rows: np.ndarray,
                   now: dt.datetime) -> Iterator[tuple]:
    """Yield questionnaire rows, instrument by instrument, as the insert reads them.

    Each instrument's answers are drawn and scored whole (the same draws as ever), but
    their JSON texts and row tuples are made RESPONSE_CHUNK rows at a time: at 100,000
    patients the million rows' texts and tuples held at once were over a gigabyte.
    """
    prefix = f"synth-{context.site.code}-{context.seed}"
    episode_ids = np.asarray(context.episode_ids)
    for instrument_id, part in parts:
        if part.empty:
            continue
        items, scores = scored_frames(rng, instrument_id, part["latent"].to_numpy())
        version = get_instrument(instrument_id).version
        episodes = episode_ids[episode_rows[part["schedule"].to_numpy()]].tolist()
        visits = [None if v < 0 else v for v in part["visit_id"].to_numpy().tolist()]
        timepoints, days = part["timepoint"].tolist(), part["on"].to_numpy()
        for start in range(0, len(part), RESPONSE_CHUNK):
            stop = start + RESPONSE_CHUNK
            yield from (
                (episode, visit, timepoint, instrument_id, version, answer, score_row, on, now,
                 ResponseSource.SYNTHETIC.value, f"{prefix}-{instrument_id}-{n}")
                for n, episode, visit, timepoint, on, answer, score_row in zip(
                    range(start, start + RESPONSE_CHUNK), episodes[start:stop],
                    visits[start:stop], timepoints[start:stop], _as_dates(days[start:stop]),
                    _json_lines(items[start:stop]), _json_lines(scores[start:stop]),
                    strict=False))


def _complications(context: SynthContext, rng: np.random.Generator, done: pd.DataFrame,
                   now: dt.datetime) -> None:
    said_yes = done[rng.random(len(done)) < COMPLICATION_YES]
    as_of = np.datetime64(context.as_of, "D")
    reports, tasks = [], []
    for visit_id, on in zip(said_yes["visit_id"], said_yes["completed_on"], strict=True):
        recent = np.datetime64(on, "D") >= as_of - np.timedelta64(30, "D")
        reports.append(ComplicationReport(visit_id=int(visit_id), answers={"new_swelling": True},
                                          any_yes=True, submitted_at=now))
        tasks.append(ReviewTask(visit_id=int(visit_id), site_id=context.site.pk,
                                kind=TaskKind.COMPLICATION_REVIEW,
                                status=TaskStatus.OPEN if recent else TaskStatus.DONE,
                                detail="Patient answered yes: new swelling", created_at=now,
                                closed_at=None if recent else now))
    context.insert(ComplicationReport, reports, "complication reports")
    context.insert(ReviewTask, tasks, "complication reviews")


def _reminders_and_tasks(context: SynthContext, rng: np.random.Generator, plan: pd.DataFrame,
                         as_of: np.datetime64) -> None:
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
                tasks.append(ReviewTask(visit_id=int(visit_id), site_id=context.site.pk,
                                        kind=TaskKind.CALL_PATIENT,
                                        detail="No reply to email or text", created_at=at))
    context.insert(Message, messages, "reminder log")
    context.insert(ReviewTask, tasks, "call tasks")


def _items(rng: np.random.Generator, latent: np.ndarray, scale: float, count: int,
           top: int) -> np.ndarray:
    mean = np.clip(latent, 0, 100)[:, None] * scale / 100 * top
    noisy = mean + rng.normal(0, ITEM_NOISE, (len(latent), count))
    return np.clip(np.rint(noisy), 0, top)


def _group(item_id: str) -> str:
    return item_id.rstrip("0123456789")


def item_table(rng: np.random.Generator, instrument_id: str, latent: np.ndarray) -> pd.DataFrame:
    """Return item answers (columns = item ids) for each latent pain score."""
    instrument = get_instrument(instrument_id)
    ids = [item.id for item in instrument.items]
    vas_mm = np.clip(latent * 1.1 + 10 + rng.normal(0, 6, len(latent)), 0, 100)
    if instrument_id == "nrs_pain":
        values = np.clip(np.rint(vas_mm / 10), 0, 10)[:, None]
    elif instrument_id == "vas_pain":
        values = np.rint(vas_mm)[:, None]
    elif instrument_id == "womac_lk31":
        function = latent + rng.normal(0, 10, len(latent))  # pain-function r about 0.75
        values = np.hstack([_items(rng, latent, 1.0, 7, 4), _items(rng, function, 1.0, 17, 4)])
    elif instrument_id in ("koos", "hoos"):
        values = np.hstack([_items(rng, latent, KOOS_GROUP_SCALE[_group(i)], 1, 4) for i in ids])
    elif instrument_id == "ases":
        vas_cm = np.rint(vas_mm) / 10
        values = np.hstack([vas_cm[:, None], 3 - _items(rng, latent, 0.9, 10, 3)])
    else:
        raise ValueError(f"no synthetic answers for {instrument_id}")
    return pd.DataFrame(values.astype(float), columns=ids)


def scored_frames(rng: np.random.Generator, instrument_id: str,
                  latent: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (answers, scores) tables, one row per latent score, scored by the instruments
    package; answers are whole numbers except the ASES pain VAS."""
    items = item_table(rng, instrument_id, latent)
    scores = score_batch(instrument_id, items)
    whole = [c for c in items.columns if not (instrument_id == "ases" and c == "VAS")]
    return items.astype({column: int for column in whole}), scores


def _json_lines(frame: pd.DataFrame) -> list[JsonText]:
    """pandas writes the JSON in C (NaN as null), far faster than a dict per row at a million
    rows; scores keep 15 significant digits."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, double_precision=15)
    return [JsonText(line) for line in text.rstrip("\n").split("\n")]
