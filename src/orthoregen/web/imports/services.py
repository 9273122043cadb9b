"""Import one CSV file of one kind for one site: validate every row, then all or nothing.

``import_file`` reads the file, checks every row against the rules the staff pages apply
(the clinic's patient and episode forms, the procedure room's injection form and checks,
the instruments' accepted codes and subscale ranges, the core vocabulary), and lists every
problem by row and column. A dry run stops there and writes nothing. A real run writes the
whole file in one transaction, or nothing if any row has a problem.

Idempotent on the source's identifiers (models.py): a row already imported with the same
values is counted as unchanged; one imported with other values is reported as changed and
not applied (a clinical record is corrected on its page, with a reason, never overwritten
by a file). Patients, episodes and procedures are saved one by one through the services
the pages use, so django-simple-history keeps them; historical responses and scores, which
can number millions, are validated in bulk with numpy and written with COPY (bulk.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.instruments import get_instrument, instrument_ids, score_batch
from orthoregen.instruments.definitions import Instrument, Item, Subscale, format_code
from orthoregen.products.dose import exceeds_joint_volume
from orthoregen.products.episode import Joint as CoreJoint
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.cellbank.models import Procedure, ProcedureJoint
from orthoregen.web.clinic.forms import JointEpisodeForm, PatientForm
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem
from orthoregen.web.clinic.services import episode_save, patient_save
from orthoregen.web.clinic.vocabulary import Joint, Side
from orthoregen.web.followup.models import (
    QuestionnaireResponse,
    ResponseSource,
    ScheduleProtocolVersion,
)
from orthoregen.web.imports import bulk
from orthoregen.web.imports.layouts import LAYOUTS, OPEN_ENDED
from orthoregen.web.imports.models import ImportKind, ImportRun, SourceRecord
from orthoregen.web.procedures.forms import ProcedureJointForm
from orthoregen.web.procedures.services import record_contradictions
from orthoregen.web.registry.measures import TIMEPOINTS

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_ROW = 2  # the header is row 1, as a spreadsheet numbers it
COPY_ROWS = 20_000
Advance = Callable[[int], None]


class ImportRefused(Exception):
    """The import cannot run at all (who is asking, or for which site)."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    changed: list[tuple[int, str]] = field(default_factory=list)  # (row, source id)
    problems: list[Problem] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """Say what happened in one line."""
        # Printed by the import command on the operator's console (English there) and shown
        # on the import page: whole sentences, one per outcome.
        counts = {"kind": self.kind, "rows": self.rows, "created": self.created,
                  "unchanged": self.unchanged, "changed": len(self.changed),
                  "problems": len(self.problems)}
        if self.problems:
            return gettext("%(kind)s: %(rows)s rows; would create %(created)s, unchanged "
                           "%(unchanged)s, changed (not applied) %(changed)s, problems "
                           "%(problems)s; nothing was saved") % counts
        if self.dry_run:
            return gettext("%(kind)s: %(rows)s rows; would create %(created)s, unchanged "
                           "%(unchanged)s, changed (not applied) %(changed)s, problems "
                           "%(problems)s; dry run, nothing was saved") % counts
        if not self.saved:
            return gettext("%(kind)s: %(rows)s rows; would create %(created)s, unchanged "
                           "%(unchanged)s, changed (not applied) %(changed)s, problems "
                           "%(problems)s") % counts
        return gettext("%(kind)s: %(rows)s rows; created %(created)s, unchanged %(unchanged)s, "
                       "changed (not applied) %(changed)s, problems %(problems)s") % counts


def import_file(kind: str, data: bytes, *, file_name: str, site: Site, by: User,
                dry_run: bool = False, path: str = "orthoregen import",
                advance: Advance | None = None) -> ImportReport:
    """Validate and (unless ``dry_run`` or a problem is found) import one file for a site."""
    if kind not in LAYOUTS:
        raise ImportRefused(gettext("Unknown kind %(kind)r; the kinds are %(kinds)s.")
                            % {"kind": kind, "kinds": ", ".join(LAYOUTS)})
    if not by.may(Action.IMPORT_DATA):
        raise ImportRefused(gettext("%(user)s's role may not import data.")
                            % {"user": by.username})
    if not by.sites.filter(pk=site.pk).exists():
        raise ImportRefused(gettext("%(user)s does not work at %(site)s.")
                            % {"user": by.username, "site": site.code})
    report = ImportReport(kind=kind, file_name=file_name[:200],
                          sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.problems.append(Problem(0, "", gettext(
            "the file is not UTF-8 text (%(reason)s at byte %(byte)s)")
            % {"reason": error.reason, "byte": error.start}))
        return report
    context = _Context(site=site, by=by, report=report, advance=advance)
    runner = _bulk_kind if kind in OPEN_ENDED else _row_kind
    with transaction.atomic():
        runner(context, text, data)
        if report.problems or dry_run:
            transaction.set_rollback(True)
            report.saved = False
        else:
            _record(context, path)
            report.saved = True
    return report


@dataclass
class _Context:
    site: Site
    by: User
    report: ImportReport
    advance: Advance | None
    run: ImportRun | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    def problem(self, row: int, column: str, message: str) -> None:
        self.report.problems.append(Problem(row, column, message))

    def ensure_run(self) -> ImportRun:
        if self.run is None:
            report = self.report
            self.run = ImportRun.objects.create(
                kind=report.kind, site=self.site, by=self.by, file_name=report.file_name,
                sha256=report.sha256, rows=0, created=0, unchanged=0, changed=0)
        return self.run


def _record(context: _Context, path: str) -> None:
    report = context.report
    run = context.ensure_run()
    run.rows, run.created, run.unchanged = report.rows, report.created, report.unchanged
    run.changed = len(report.changed)
    run.save()
    AccessRecord.objects.create(
        user=context.by, action=AccessAction.BULK_LOAD, path=path[:500],
        detail=(f"import {report.kind} site={context.site.code} file={report.file_name} "
                f"sha256={report.sha256} rows={report.rows} created={report.created} "
                f"unchanged={report.unchanged} changed={len(report.changed)}")[:500])


# ---------------------------------------------------------------- shared checks

def _header_problems(context: _Context, header: list[str], extra_ok: Callable[[str], bool]
                     ) -> bool:
    """Report missing and unknown columns; return True if the file can be read row by row."""
    layout = LAYOUTS[context.report.kind]
    known = {c.name for c in layout}
    for column in layout:
        if column.required and column.name not in header:
            context.problem(1, column.name, gettext("required column is missing"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            context.problem(1, name, gettext("column appears twice"))
        seen.add(name)
        if name not in known and not extra_ok(name):
            context.problem(1, name, gettext("unknown column"))
    return not context.report.problems


def _strict_date(value: str, *, today: dt.date) -> tuple[dt.date | None, str | None]:
    """Return (date, None) or (None, why not): only YYYY-MM-DD, never after today."""
    if not ISO_DATE.match(value):
        return None, gettext("%(value)r is not a date written YYYY-MM-DD") % {"value": value}
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, gettext("%(value)s is an impossible date") % {"value": value}
    if day > today:
        return None, gettext("%(value)s is in the future") % {"value": value}
    return day, None


class _Patients:
    """Find patients of the import site by MRN, saying why one is not there."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self.cache: dict[str, Patient | None] = {}

    def get(self, mrn: str) -> tuple[Patient | None, str | None]:
        if mrn not in self.cache:
            self.cache[mrn] = Patient.objects.filter(site=self.context.site, mrn=mrn).first()
        patient = self.cache[mrn]
        if patient is not None:
            return patient, None
        return None, _absent_patient(self.context, mrn)


def _absent_patient(context: _Context, mrn: str) -> str:
    # Another site's patient is named only if the importing user works there too; otherwise
    # the answer is the same as for a patient who does not exist (accounts.access).
    other = Patient.objects.filter(mrn=mrn, site__in=context.by.sites.all()) \
        .exclude(site=context.site).select_related("site").first()
    if other is not None:
        return gettext("MRN %(mrn)s is a patient of %(other)s, not of %(site)s; a file imports "
                       "into one site") % {"mrn": mrn, "other": other.site.code,
                                           "site": context.site.code}
    return gettext("no patient with MRN %(mrn)s at %(site)s") % {"mrn": mrn,
                                                                  "site": context.site.code}


def _episode_of(patient: Patient, joint: str, side: str) -> tuple[JointEpisode | None, str]:
    episodes = list(JointEpisode.objects.filter(patient=patient, joint=joint, side=side)[:2])
    if len(episodes) == 1:
        return episodes[0], ""
    if not episodes:
        return None, _no_episode(patient.mrn, side, joint)
    return None, _several_episodes(patient.mrn, side, joint)


def _no_episode(mrn: object, side: object, joint: object) -> str:
    # The file's own words for side and joint ("left", "knee"): the column's values.
    return gettext("MRN %(mrn)s has no %(side)s %(joint)s joint episode") % {
        "mrn": mrn, "side": side, "joint": joint}


def _several_episodes(mrn: object, side: object, joint: object) -> str:
    return gettext("MRN %(mrn)s has several %(side)s %(joint)s joint episodes; this import "
                   "cannot tell which one") % {"mrn": mrn, "side": side, "joint": joint}


def _fingerprint(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def timepoints() -> frozenset[str]:
    """Return the time points a response may carry: baseline and every protocol visit id."""
    names = set(TIMEPOINTS)
    for version in ScheduleProtocolVersion.objects.all():
        names |= {visit.visit_id for visit in version.as_protocol().visits}
    return frozenset(names)


# ---------------------------------------------------------------- patients, episodes, procedures

def _row_kind(context: _Context, text: str, data: bytes) -> None:
    report = context.report
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        context.problem(1, "", gettext("the file is empty"))
        return
    if not _header_problems(context, header, lambda name: False):
        return
    reader.fieldnames = header
    savers: dict[str, Callable[[_Context, int, dict[str, str], _Patients], int | None]] = {
        ImportKind.PATIENTS: _patient_row, ImportKind.EPISODES: _episode_row,
        ImportKind.PROCEDURES: _procedure_row}
    save = savers[report.kind]
    layout = LAYOUTS[report.kind]
    rows = list(reader)
    report.rows = len(rows)
    known = _known_sources(context, rows)
    first_row: dict[tuple[str, str], int] = {}
    patients = _Patients(context)
    for number, raw in enumerate(rows, start=FIRST_ROW):
        if None in raw:
            context.problem(number, "", gettext("more values than the header has columns"))
            continue
        values = {c.name: (raw.get(c.name) or "").strip() for c in layout}
        if not _source_ok(context, number, values, first_row):
            continue
        key = (values["source_system"], values["source_id"])
        fingerprint = _fingerprint({k: v for k, v in values.items()
                                    if k not in ("source_system", "source_id")})
        if key in known:
            if known[key].fingerprint == fingerprint:
                report.unchanged += 1
            else:
                report.changed.append((number, values["source_id"]))
            continue
        count = len(report.problems)
        for column in layout:
            if column.required and not values[column.name] and column.name not in (
                    "source_system", "source_id"):
                context.problem(number, column.name, gettext("required"))
        if len(report.problems) > count:
            continue
        try:
            with transaction.atomic():
                object_id = save(context, number, values, patients)
                if object_id is None:
                    raise _RowFailed
                SourceRecord.objects.create(
                    site=context.site, kind=report.kind, source_system=key[0],
                    source_id=key[1], object_id=object_id, fingerprint=fingerprint,
                    run=context.ensure_run())
        except _RowFailed:
            continue
        except ValidationError as error:
            # A service's refusal (an impossible date: clinic.plausible); the row rolls back.
            _form_problems(context, number, error.message_dict if hasattr(error, "error_dict")
                           else {"__all__": error.messages})
            continue
        except IntegrityError as error:
            context.problem(number, "", gettext("the database refused the row: %(error)s")
                            % {"error": error})
            continue
        report.created += 1
        if context.advance:
            context.advance(1)


class _RowFailed(Exception):
    """A row with problems: its savepoint is rolled back."""


def _known_sources(context: _Context, rows: list[dict[str, Any]]) -> dict[tuple[str, str],
                                                                            SourceRecord]:
    systems = {(row.get("source_system") or "").strip() for row in rows}
    records = SourceRecord.objects.filter(site=context.site, kind=context.report.kind,
                                          source_system__in=systems)
    return {(r.source_system, r.source_id): r for r in records}


def _source_ok(context: _Context, number: int, values: dict[str, str],
               first_row: dict[tuple[str, str], int]) -> bool:
    ok = True
    for column, limit in (("source_system", 30), ("source_id", 50)):
        if not values[column]:
            context.problem(number, column, gettext("required"))
            ok = False
        elif len(values[column]) > limit:
            context.problem(number, column, _longer_than(limit))
            ok = False
    if not ok:
        return False
    key = (values["source_system"], values["source_id"])
    if key in first_row:
        context.problem(number, "source_id", _duplicate(key[0], key[1], first_row[key]))
        return False
    first_row[key] = number
    return True


def _longer_than(limit: int) -> str:
    return gettext("longer than %(limit)s characters") % {"limit": limit}


def _duplicate(system: object, source_id: object, row: object) -> str:
    return gettext("duplicate in the file: %(system)s %(id)s is also row %(row)s") % {
        "system": system, "id": source_id, "row": row}


def _dates(context: _Context, number: int, values: dict[str, str], *names: str) -> bool:
    ok = True
    for name in names:
        if values.get(name):
            day, why = _strict_date(values[name], today=context.today)
            if why:
                context.problem(number, name, why)
                ok = False
    return ok


def _form_problems(context: _Context, number: int, errors: Any) -> None:
    for name, messages in errors.items():
        for message in messages:
            context.problem(number, "" if name == "__all__" else name, str(message))


def _patient_row(context: _Context, number: int, values: dict[str, str],
                 patients: _Patients) -> int | None:
    if not _dates(context, number, values, "date_of_birth"):
        return None
    form = PatientForm({**values, "site": context.site.pk}, user=context.by)
    if not form.is_valid():
        _form_problems(context, number, form.errors)
        return None
    cleaned = {k: v for k, v in form.cleaned_data.items() if k != "site"}
    patient = patient_save(None, site=context.site, by=context.by, **cleaned)
    patients.cache[patient.mrn] = patient
    return patient.pk


def _episode_row(context: _Context, number: int, values: dict[str, str],
                 patients: _Patients) -> int | None:
    if not _dates(context, number, values, "symptom_onset"):
        return None
    patient, why = patients.get(values["patient_mrn"])
    if patient is None:
        context.problem(number, "patient_mrn", why or "")
        return None
    form = JointEpisodeForm(values, instance=JointEpisode(patient=patient))
    if not form.is_valid():
        _form_problems(context, number, form.errors)
        return None
    episode = episode_save(patient, by=context.by, **form.cleaned_data)
    return episode.pk


def _procedure_row(context: _Context, number: int, values: dict[str, str],
                   patients: _Patients) -> int | None:
    if not _dates(context, number, values, "performed_on"):
        return None
    episode = _episode_for_row(context, number, values, patients)
    if episode is None:
        return None
    if implausible := date_problems(born=episode.patient.date_of_birth, performed_on=Day(
            dt.date.fromisoformat(values["performed_on"]), gettext("The procedure date"))):
        context.problem(number, "performed_on", first_problem(implausible))
        return None
    operator = context.by
    if values["operator"]:
        found = context.site.staff.filter(username=values["operator"]).first()
        if found is None:
            context.problem(number, "operator", gettext("no user %(user)s at %(site)s") % {
                "user": values["operator"], "site": context.site.code})
            return None
        operator = found
    form = ProcedureJointForm(values, joint=episode.joint)
    if not form.is_valid():
        _form_problems(context, number, form.errors)
        return None
    volume = form.cleaned_data.get("injectate_volume_ml")
    if volume is not None and exceeds_joint_volume(CoreJoint(episode.joint), volume):
        context.problem(number, "injectate_volume_ml",
                        gettext("%(volume)s mL is above the maximum injectate volume for the "
                                "%(joint)s") % {"volume": f"{volume:g}", "joint": episode.joint})
        return None
    procedure = Procedure(patient=episode.patient, operator=operator,
                          performed_on=dt.date.fromisoformat(values["performed_on"]),
                          time_out_completed=False, notes=values["notes"])
    procedure._history_user = context.by  # type: ignore[attr-defined]
    procedure.save()
    joint = ProcedureJoint(procedure=procedure, episode=episode, **form.cleaned_data)
    joint._history_user = context.by  # type: ignore[attr-defined]
    joint.save()
    if problems := record_contradictions(joint):
        for problem in problems:
            context.problem(number, "", problem.message)
        return None  # the row's savepoint takes the session back out
    return procedure.pk


def _episode_for_row(context: _Context, number: int, values: dict[str, str],
                     patients: _Patients) -> JointEpisode | None:
    ok = True
    if values["joint"] not in Joint.values:
        context.problem(number, "joint", _unknown("joint", values["joint"]))
        ok = False
    if values["side"] not in Side.values:
        context.problem(number, "side", _unknown("side", values["side"]))
        ok = False
    patient, why = patients.get(values["patient_mrn"])
    if patient is None:
        context.problem(number, "patient_mrn", why or "")
        return None
    if not ok:
        return None
    episode, why = _episode_of(patient, values["joint"], values["side"])
    if episode is None:
        context.problem(number, "side", why)
    return episode


# ---------------------------------------------------------------- responses and scores, in bulk

META = ("source_system", "source_id", "patient_mrn", "joint", "side", "instrument", "timepoint",
        "completed_on")
RESPONSE_FIELDS = ["episode", "visit", "timepoint", "instrument_id", "instrument_version",
                   "answers", "scores", "completed_on", "submitted_at", "source",
                   "idempotency_key"]


def response_key(site: Site, source_system: str, source_id: str) -> str:
    """Return the idempotency key an imported response is stored under."""
    return f"import:{site.code}:{source_system}:{source_id}"


def _open_columns(kind: str) -> set[str]:
    names: set[str] = set()
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        if kind == ImportKind.RESPONSES:
            names |= {item.id for item in instrument.items}
        else:
            names |= {s.id for s in instrument.subscales}
    return names


class _Flags:
    """Problems found column by column over the whole table, kept in row order."""

    def __init__(self, context: _Context, n: int) -> None:
        self.context = context
        self.bad = np.zeros(n, dtype=bool)
        self.found: list[tuple[int, int, Problem]] = []

    def add(self, mask: np.ndarray, column: str, message: Callable[..., str],
            order: int = 0) -> None:
        for position in np.flatnonzero(mask):
            row = int(position)
            self.found.append((row, order, Problem(row + FIRST_ROW, column, message(row))))
        self.bad |= mask

    def flush(self) -> None:
        self.found.sort(key=lambda entry: (entry[0], entry[1]))
        self.context.report.problems.extend(problem for _, _, problem in self.found)


def _bulk_kind(context: _Context, text: str, data: bytes) -> None:
    report = context.report
    kind = report.kind
    open_ok = _open_columns(kind)
    try:
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=dict.fromkeys(META, str),
                            keep_default_na=False, na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        context.problem(1, "", gettext("the file cannot be read as CSV: %(error)s")
                        % {"error": error})
        return
    frame.columns = [str(name).strip() for name in frame.columns]
    if not _header_problems(context, list(frame.columns), lambda name: name in open_ok):
        return
    n = report.rows = len(frame)
    if n == 0:
        return
    meta = {name: frame[name].fillna("").str.strip().to_numpy(dtype=object) for name in META}
    flags = _Flags(context, n)
    _check_meta(context, flags, meta)
    episode_ids = _resolve_episodes(context, flags, meta)
    completed = _check_dates(context, flags, meta["completed_on"])
    open_names = [name for name in frame.columns if name in open_ok]
    instruments = meta["instrument"]
    blocks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    known_ids = set(instrument_ids())
    for instrument_id in sorted(set(instruments) & known_ids):
        rows = np.flatnonzero(instruments == instrument_id)
        instrument = get_instrument(instrument_id)
        check = _check_items if kind == ImportKind.RESPONSES else _check_scores
        blocks[instrument_id] = (rows, check(flags, frame, rows, instrument, open_names))
    flags.flush()
    keys = np.array([response_key(context.site, system, source) for system, source
                     in zip(meta["source_system"], meta["source_id"], strict=True)], dtype=object)
    existing = _existing_responses(context.site, keys[~flags.bad])
    if report.problems:
        return
    fresh = np.ones(n, dtype=bool)
    if existing:
        _compare_existing(context, fresh, keys, existing, meta, episode_ids, completed, blocks)
    report.created = int(fresh.sum())
    if report.dry_run or report.created == 0:
        return
    _write_responses(context, fresh, keys, meta, episode_ids, completed, blocks)


def _check_meta(context: _Context, flags: _Flags, meta: dict[str, np.ndarray]) -> None:
    for column, limit in (("source_system", 30), ("source_id", 50)):
        values = meta[column]
        flags.add(values == "", column, lambda i: gettext("required"))
        lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
        flags.add(lengths > limit, column, lambda i, limit=limit: _longer_than(limit))
    pairs = pd.DataFrame({"system": meta["source_system"], "id": meta["source_id"]})
    duplicated = pairs.duplicated(keep="first").to_numpy() & (meta["source_id"] != "")
    if duplicated.any():
        first = pairs.reset_index().groupby(["system", "id"])["index"].transform("min").to_numpy()
        flags.add(duplicated, "source_id",
                  lambda i: _duplicate(meta["source_system"][i], meta["source_id"][i],
                                       first[i] + FIRST_ROW))
    ids = set(instrument_ids())
    instruments = meta["instrument"]
    flags.add(~pd.Series(instruments).isin(ids).to_numpy(), "instrument",
              lambda i: _unknown("instrument", instruments[i]) if instruments[i]
              else gettext("required"))
    known = timepoints()
    points = meta["timepoint"]
    flags.add(~pd.Series(points).isin(known).to_numpy(), "timepoint",
              lambda i: gettext("unknown time point %(value)r; baseline or a visit id such as "
                                "month_6") % {"value": points[i]} if points[i]
              else gettext("required"))


def _resolve_episodes(context: _Context, flags: _Flags, meta: dict[str, np.ndarray]
                      ) -> np.ndarray:
    joints, sides, mrns = meta["joint"], meta["side"], meta["patient_mrn"]
    bad_joint = ~pd.Series(joints).isin(Joint.values).to_numpy()
    bad_side = ~pd.Series(sides).isin(Side.values).to_numpy()
    flags.add(bad_joint, "joint", lambda i: _unknown("joint", joints[i]))
    flags.add(bad_side, "side", lambda i: _unknown("side", sides[i]))
    episodes = pd.DataFrame(list(JointEpisode.objects.filter(patient__site=context.site)
                                 .values_list("patient__mrn", "joint", "side", "id")),
                            columns=["mrn", "joint", "side", "id"])
    patients = set(episodes["mrn"]) | set(Patient.objects.filter(site=context.site)
                                          .values_list("mrn", flat=True))
    counted = episodes.groupby(["mrn", "joint", "side"])["id"].agg(["min", "count"])
    wanted = pd.MultiIndex.from_arrays([mrns, joints, sides])
    found = counted.reindex(wanted)
    ids = found["min"].astype(float).fillna(0).to_numpy(dtype=np.int64)
    counts = found["count"].astype(float).fillna(0).to_numpy(dtype=np.int64)
    no_patient = ~pd.Series(mrns).isin(patients).to_numpy()
    absent: dict[str, str] = {}

    def patient_message(i: int) -> str:
        mrn = str(mrns[i])
        if not mrn:
            return gettext("required")
        if mrn not in absent:
            absent[mrn] = _absent_patient(context, mrn)
        return absent[mrn]

    flags.add(no_patient, "patient_mrn", patient_message)
    checkable = ~no_patient & ~bad_joint & ~bad_side
    flags.add(checkable & (counts == 0), "side",
              lambda i: _no_episode(mrns[i], sides[i], joints[i]))
    flags.add(checkable & (counts > 1), "side",
              lambda i: _several_episodes(mrns[i], sides[i], joints[i]))
    return ids


def _check_dates(context: _Context, flags: _Flags, values: np.ndarray) -> np.ndarray:
    series = pd.Series(values)
    shaped = series.str.match(ISO_DATE.pattern).to_numpy(dtype=bool)
    parsed = pd.to_datetime(series.where(shaped), format="%Y-%m-%d", errors="coerce")
    impossible = shaped & parsed.isna().to_numpy()
    future = (parsed.dt.date > context.today).fillna(False).to_numpy(dtype=bool)
    flags.add(~shaped, "completed_on",
              lambda i: gettext("%(value)r is not a date written YYYY-MM-DD")
              % {"value": values[i]} if values[i] else gettext("required"))
    flags.add(impossible, "completed_on", lambda i: gettext("%(value)s is an impossible date")
              % {"value": values[i]})
    flags.add(future, "completed_on", lambda i: gettext("%(value)s is in the future")
              % {"value": values[i]})
    return parsed.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def _at(n: int, rows: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Return a mask over the table's n rows that is true at the chosen ones of ``rows``."""
    mask = np.zeros(n, dtype=bool)
    mask[rows[which]] = True
    return mask


def _numeric(flags: _Flags, frame: pd.DataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    column = frame[name]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)[rows]
    raw = column.iloc[rows]
    numbers = pd.to_numeric(raw, errors="coerce")
    not_number = (numbers.isna() & raw.notna()).to_numpy()
    texts = column.to_numpy(dtype=object)
    flags.add(_at(len(frame), rows, not_number), name,
              lambda i: gettext("%(value)r is not a number") % {"value": texts[i]})
    return numbers.to_numpy(dtype=float)


def _accepted(item: Item, values: np.ndarray) -> np.ndarray:
    if item.scale is None:
        return np.isin(values, np.asarray(item.options))
    valid = (values >= item.scale.minimum) & (values <= item.scale.maximum)
    if item.scale.whole_numbers:
        valid &= np.floor(values) == values
    return np.asarray(valid)


def _foreign_columns(flags: _Flags, frame: pd.DataFrame, rows: np.ndarray, own: set[str],
                     open_names: list[str], instrument: Instrument, what: str) -> None:
    n = len(frame)
    for name in open_names:
        if name in own:
            continue
        given = frame[name].iloc[rows].notna().to_numpy()
        if given.any():
            flags.add(_at(n, rows, given), name,
                      lambda i, name=name: _not_one_of(what, name, instrument.id))


def _not_one_of(what: str, name: str, instrument: str) -> str:
    """Say a column is not an item (what "item") or a subscale (what "subscale")."""
    if what == "item":
        return gettext("%(name)s is not an item of %(instrument)s; leave it blank") % {
            "name": name, "instrument": instrument}
    return gettext("%(name)s is not a subscale of %(instrument)s; leave it blank") % {
        "name": name, "instrument": instrument}


def _unknown(what: str, value: object) -> str:
    """Say a joint, side or instrument column holds a value the clinic does not know."""
    words = {"joint": gettext("unknown joint %(value)r"), "side": gettext("unknown side %(value)r"),
             "instrument": gettext("unknown instrument %(value)r")}
    return words[what] % {"value": value}


# A column the import checks: its id, which numbers it accepts, and how the allowed values read.
_Column = tuple[str, Callable[[np.ndarray], np.ndarray], Callable[[], str]]


def _checked_block(flags: _Flags, frame: pd.DataFrame, rows: np.ndarray, instrument: Instrument,
                   open_names: list[str], what: str, columns: list[_Column]) -> np.ndarray:
    """Return the rows' values of the columns (column order, NaN = none), flagging bad cells.

    Items and subscale scores are read the same way; only what a column accepts differs.
    """
    n = len(frame)
    _foreign_columns(flags, frame, rows, {name for name, _, _ in columns}, open_names,
                     instrument, what)
    block = np.full((len(rows), len(columns)), np.nan)
    present = set(open_names)
    for position, (name, accepts, allowed) in enumerate(columns):
        if name not in present:
            continue
        values = _numeric(flags, frame, name, rows)
        bad = ~np.isnan(values) & ~accepts(np.nan_to_num(values, nan=-1e300))
        if bad.any():
            column = frame[name].to_numpy()
            flags.add(_at(n, rows, bad), name, partial(_out_of_range, column, instrument, name,
                                                         allowed), order=1)
            values = np.where(bad, np.nan, values)
        block[:, position] = values
    return block


def _out_of_range(column: np.ndarray, instrument: Instrument, name: str,
                  allowed: Callable[[], str], i: int) -> str:
    return gettext("%(value)s is out of range for %(instrument)s %(column)s: %(allowed)s") % {
        "value": _shown(column[i]), "instrument": instrument.id, "column": name,
        "allowed": allowed()}


def _in_range(subscale: Subscale, values: np.ndarray) -> np.ndarray:
    return (values >= subscale.minimum) & (values <= subscale.maximum)


def _range_text(subscale: Subscale) -> str:
    return gettext("%(lowest)s to %(highest)s") % {"lowest": format_code(subscale.minimum),
                                                   "highest": format_code(subscale.maximum)}


def _check_items(flags: _Flags, frame: pd.DataFrame, rows: np.ndarray, instrument: Instrument,
                 open_names: list[str]) -> np.ndarray:
    """Return the rows' item codes (item order, NaN = not answered), flagging bad cells."""
    return _checked_block(flags, frame, rows, instrument, open_names, "item", [
        (item.id, partial(_accepted, item), item.allowed) for item in instrument.items])


def _check_scores(flags: _Flags, frame: pd.DataFrame, rows: np.ndarray, instrument: Instrument,
                  open_names: list[str]) -> np.ndarray:
    """Return the rows' subscale scores (subscale order, NaN = none), flagging bad cells."""
    block = _checked_block(flags, frame, rows, instrument, open_names, "subscale", [
        (s.id, partial(_in_range, s), partial(_range_text, s)) for s in instrument.subscales])
    none = np.isnan(block).all(axis=1)
    flags.add(_at(len(frame), rows, none), "",
              lambda i: gettext("no score given for any subscale of %(instrument)s")
              % {"instrument": instrument.id})

    return block


def _shown(value: object) -> str:
    if isinstance(value, float | np.floating):
        return format_code(float(value))
    return str(value)


def _existing_responses(site: Site, keys: np.ndarray) -> dict[str, tuple[Any, ...]]:
    """Return the stored responses among these keys: key -> comparable values."""
    found: dict[str, tuple[Any, ...]] = {}
    wanted = list(keys)
    if not wanted:
        return found
    stored = set(QuestionnaireResponse.objects.filter(
        idempotency_key__startswith=response_key(site, "", "")[:-1]).values_list(
            "idempotency_key", flat=True))
    common = [key for key in wanted if key in stored]
    for start in range(0, len(common), 5000):
        chunk = common[start:start + 5000]
        for row in QuestionnaireResponse.objects.filter(idempotency_key__in=chunk).values_list(
                "idempotency_key", "episode_id", "timepoint", "instrument_id", "completed_on",
                "answers", "scores"):
            found[row[0]] = row[1:]
    return found


def _compare_existing(context: _Context, fresh: np.ndarray, keys: np.ndarray,
                      existing: dict[str, tuple[Any, ...]], meta: dict[str, np.ndarray],
                      episode_ids: np.ndarray, completed: np.ndarray,
                      blocks: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    report = context.report
    position_in_block: dict[int, tuple[str, int]] = {}
    for instrument_id, (rows, _) in blocks.items():
        for offset, row in enumerate(rows):
            if keys[row] in existing:
                position_in_block[int(row)] = (instrument_id, offset)
    for row, (instrument_id, offset) in sorted(position_in_block.items()):
        fresh[row] = False
        stored = existing[keys[row]]
        block = blocks[instrument_id][1]
        values = _content(report.kind, instrument_id, block[offset])
        now = (int(episode_ids[row]), meta["timepoint"][row], instrument_id,
               dt.date.fromisoformat(completed[row]), values)
        then = (stored[0], stored[1], stored[2], stored[3],
                stored[4] if report.kind == ImportKind.RESPONSES else stored[5])
        if _same(now, then):
            report.unchanged += 1
        else:
            report.changed.append((row + FIRST_ROW, str(meta["source_id"][row])))


def _content(kind: str, instrument_id: str, values: np.ndarray) -> dict[str, float | None]:
    instrument = get_instrument(instrument_id)
    names = ([item.id for item in instrument.items] if kind == ImportKind.RESPONSES
             else [s.id for s in instrument.subscales])
    return {name: None if np.isnan(v) else float(v) for name, v in zip(names, values,
                                                                         strict=True)}


def _same(now: tuple[Any, ...], then: tuple[Any, ...]) -> bool:
    if now[:4] != then[:4]:
        return False
    stored = then[4] or {}
    given = now[4]
    names = set(stored) | set(given)
    return all(_close(given.get(name), stored.get(name)) for name in names)


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))  # type: ignore[arg-type]


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, double_precision=15)
    return text.rstrip("\n").split("\n")


def _group_json(kind: str, instrument: Instrument, block: np.ndarray
                ) -> tuple[list[str], list[str]]:
    """Return (answers, scores) JSON texts of a group of rows of one instrument."""
    if kind == ImportKind.RESPONSES:
        items = pd.DataFrame(block, columns=[item.id for item in instrument.items])
        scores = score_batch(instrument.id, items)
        # Codes as people write them, 2 not 2.0 (the portal stores whole codes as integers);
        # on the JSON text in C, since a nullable-integer cast costs more than the COPY.
        text = items.to_json(orient="records", lines=True, double_precision=15)
        text = text.replace(".0,", ",").replace(".0}", "}")
        return text.rstrip("\n").split("\n"), _json_lines(scores)
    scores = pd.DataFrame(block, columns=[s.id for s in instrument.subscales])
    return ["{}"] * len(block), _json_lines(scores)


def _write_responses(context: _Context, fresh: np.ndarray, keys: np.ndarray,
                     meta: dict[str, np.ndarray], episode_ids: np.ndarray,
                     completed: np.ndarray, blocks: dict[str, tuple[np.ndarray, np.ndarray]]
                     ) -> None:
    kind = context.report.kind
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    stamp = now.isoformat() if postgres else connection.ops.adapt_datetimefield_value(now)
    source = ResponseSource.STAFF.value

    def groups() -> Iterator[tuple[str, np.ndarray, list[str], list[str]]]:
        for instrument_id, (rows, block) in blocks.items():
            take = fresh[rows]
            if not take.any():
                continue
            instrument = get_instrument(instrument_id)
            for start in range(0, int(take.sum()), COPY_ROWS):
                chosen = rows[take][start:start + COPY_ROWS]
                part = block[take][start:start + COPY_ROWS]
                answers, scores = _group_json(kind, instrument, part)
                yield instrument.version, chosen, answers, scores

    if postgres:
        def chunks() -> Iterator[tuple[str, int]]:
            for version, chosen, answers, scores in groups():
                episode = episode_ids[chosen].astype(str)
                points, instruments = meta["timepoint"][chosen], meta["instrument"][chosen]
                dates = completed[chosen]
                lines = [f"{e}\t\\N\t{t}\t{i}\t{version}\t{a}\t{s}\t{d}\t{stamp}\t{source}\t"
                         f"{bulk.copy_escape(k)}\n" for e, t, i, a, s, d, k in zip(
                             episode, points, instruments, answers, scores, dates,
                             keys[chosen], strict=True)]
                yield "".join(lines), len(lines)

        bulk.copy_text(QuestionnaireResponse, RESPONSE_FIELDS, chunks(),
                       advance=context.advance)
    else:
        def batches() -> Iterator[list[tuple[Any, ...]]]:
            for version, chosen, answers, scores in groups():
                yield [(int(e), None, t, i, version, a, s, d, stamp, source, k)
                       for e, t, i, a, s, d, k in zip(
                           episode_ids[chosen], meta["timepoint"][chosen],
                           meta["instrument"][chosen], answers, scores, completed[chosen],
                           keys[chosen], strict=True)]

        bulk.insert_many(QuestionnaireResponse, RESPONSE_FIELDS, batches(),
                         advance=context.advance)
    context.ensure_run()
