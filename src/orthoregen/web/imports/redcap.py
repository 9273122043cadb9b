"""REDCap exchange: export a cohort as a longitudinal REDCap project, import a records export.

Export writes four CSV files a REDCap project takes in unchanged, in this order:

- ``orthoregen_DataDictionary.csv``: the data dictionary in REDCap's 18-column layout, one
  form for the patient and joint and one per instrument (its items, completion date and
  stored scores, the scores marked ``@READONLY``);
- ``orthoregen_events.csv``: one event per time point (baseline and each follow-up visit of
  the default protocol) in arm 1;
- ``orthoregen_InstrumentDesignations.csv``: the instrument-event mapping (the patient form
  at baseline, every instrument form at every event);
- ``orthoregen_records.csv``: the records in REDCap's flat "raw" layout, one row per record
  and event. A record is one treated joint (the unit outcomes run on), ``<site>-<episode>``.

Item wording of a proprietary instrument goes out only when every exported site holds a
current licence for it (accounts.InstrumentLicence) and its text pack is installed; otherwise
a field's label is the item's id and topic, and its choices are the bare codes.

Import reads a records export with its data dictionary and a mapping file (two columns,
``redcap`` and ``orthoregen``): ``koos_p1,koos.P1`` maps a field to an item,
``koos_date,koos.completed_on`` to the completion date, ``koos_pain,koos.pain`` to a stored
score, ``mrn,patient.mrn`` to a patient or episode column. Without a mapping file the
default is the names this exporter writes (``<instrument>_<item in lower case>``); see
docs/imports.md for what could and could not be checked against the REDCap Shared Library.
Events map to time points by their unique name less ``_arm_<n>``. The rows then go through
the CSV import (services.import_file) as patients, joint episodes and responses, so they are
checked, and made idempotent, exactly as CSV files are; all three are saved or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from orthoregen.instruments import get_instrument, instrument_ids
from orthoregen.instruments.definitions import Instrument, format_code
from orthoregen.instruments.textpacks import TextPack, text_pack_for
from orthoregen.scheduling.protocol import DEFAULT_VISITS
from orthoregen.web.accounts.licences import licence_problem
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.vocabulary import GradeScale, Joint, Sex, Side
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.followup.questionnaires import text_language, text_pack_dirs
from orthoregen.web.imports.layouts import LAYOUTS
from orthoregen.web.imports.models import ImportKind
from orthoregen.web.imports.services import ImportReport, Problem, import_file

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

DICTIONARY_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min",
    "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)",
    "Matrix Group Name", "Matrix Ranking?", "Field Annotation"]
PATIENT_FORM = "patient"
TIMEPOINTS = ("baseline", *(visit.visit_id for visit in DEFAULT_VISITS))
SOURCE_SYSTEM = "redcap"
EVENT_SUFFIX = re.compile(r"_arm_\d+$")


class RedcapError(Exception):
    """A REDCap file that cannot be read or a mapping that does not fit it."""


def event_name(timepoint: str) -> str:
    """Return the unique event name REDCap derives from an event named like the time point."""
    return f"{timepoint}_arm_1"


# ---------------------------------------------------------------- export

def _choices(pairs: Iterable[tuple[str, str]]) -> str:
    return " | ".join(f"{code}, {label}" for code, label in pairs)


@dataclass(frozen=True)
class _Field:
    name: str
    form: str
    kind: str
    label: str
    choices: str = ""
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    identifier: bool = False
    annotation: str = ""
    note: str = ""

    def row(self) -> list[str]:
        return [self.name, self.form, "", self.kind, self.label, self.choices, self.note,
                self.validation, self.minimum, self.maximum, "y" if self.identifier else "",
                "", "", "", "", "", "", self.annotation]


PATIENT_FIELDS = (
    ("record_id", "text", "Record (site and joint episode)", "", ""),
    ("site_code", "text", "Site code", "", ""),
    ("mrn", "text", "Medical record number", "", "id"),
    ("family_name", "text", "Family name", "", "id"),
    ("given_name", "text", "Given name", "", "id"),
    ("date_of_birth", "text", "Date of birth", "date_ymd", "id"),
    ("sex", "radio", "Sex", "", ""),
    ("joint", "radio", "Joint", "", ""),
    ("side", "radio", "Side", "", ""),
    ("diagnosis_code", "text", "Diagnosis (ICD-10-CM)", "", ""),
    ("grade_scale", "radio", "Radiographic grading scale", "", ""),
    ("grade", "text", "Radiographic grade", "integer", ""),
)
PATIENT_CHOICES = {"sex": Sex.choices, "joint": Joint.choices, "side": Side.choices,
                   "grade_scale": GradeScale.choices}


def item_field(instrument_id: str, item_id: str) -> str:
    """Return the REDCap field of an item: ``koos_p1`` (lower case, as REDCap requires)."""
    return f"{instrument_id}_{item_id}".lower()


def _wording(instrument: Instrument, sites: Sequence[Site], on: dt.date) -> TextPack | None:
    """Return the licensed text pack, or None if any exported site may not show the wording."""
    if any(licence_problem(site, instrument.id, on) for site in sites):
        return None
    return text_pack_for(instrument.id, text_language(), text_pack_dirs())


def dictionary_fields(instruments: Sequence[str], sites: Sequence[Site]) -> list[_Field]:
    """Return the data dictionary: the patient form, then one form per instrument."""
    fields = [_Field(name, PATIENT_FORM, kind, label, validation=validation,
                     identifier=flag == "id",
                     choices=_choices(PATIENT_CHOICES[name]) if name in PATIENT_CHOICES else "")
              for name, kind, label, validation, flag in PATIENT_FIELDS]
    today = timezone.localdate()
    for instrument_id in instruments:
        instrument = get_instrument(instrument_id)
        pack = _wording(instrument, sites, today)
        form = instrument_id
        fields.append(_Field(f"{instrument_id}_date", form, "text",
                             f"{instrument.name}: date completed", validation="date_ymd"))
        for item in instrument.items:
            text = pack.item(item.id) if pack else None
            label = text.text if text else f"{instrument.name} {item.id} ({item.topic})"
            if item.scale is None:
                options = [(format_code(code), text.label(code) if text else format_code(code))
                           for code in item.options]
                fields.append(_Field(item_field(instrument_id, item.id), form, "radio", label,
                                     choices=_choices(options)))
            else:
                fields.append(_Field(
                    item_field(instrument_id, item.id), form, "text", label,
                    validation="integer" if item.scale.whole_numbers else "number",
                    minimum=format_code(item.scale.minimum),
                    maximum=format_code(item.scale.maximum), note=item.scale.unit))
        for subscale in instrument.subscales:
            fields.append(_Field(
                f"{instrument_id}_{subscale.id}".lower(), form, "text",
                f"{instrument.name} {subscale.name} (scored by orthoregen "
                f"{instrument.version})", validation="number",
                minimum=format_code(subscale.minimum), maximum=format_code(subscale.maximum),
                annotation="@READONLY"))
    return fields


def export_project(sites: Sequence[Site], out: Path) -> dict[str, int]:
    """Write the four REDCap CSV files for these sites' cohort; return rows per file."""
    episodes = list(JointEpisode.objects.filter(patient__site__in=sites)
                    .select_related("patient__site").order_by("patient__site__code", "id"))
    responses = list(QuestionnaireResponse.objects.filter(episode__in=episodes,
                                                          timepoint__in=TIMEPOINTS)
                     .order_by("episode_id", "timepoint", "instrument_id", "completed_on",
                               "id"))
    instruments = sorted({r.instrument_id for r in responses})
    fields = dictionary_fields(instruments, sites)
    forms = [PATIENT_FORM, *instruments]
    written = {}
    written["orthoregen_DataDictionary.csv"] = _write(out / "orthoregen_DataDictionary.csv",
                                                      DICTIONARY_HEADER,
                                                      [f.row() for f in fields])
    written["orthoregen_events.csv"] = _write(
        out / "orthoregen_events.csv", ["event_name", "arm_num"],
        [[timepoint, "1"] for timepoint in TIMEPOINTS])
    mapping = [["1", event_name("baseline"), PATIENT_FORM]]
    mapping += [["1", event_name(t), form] for t in TIMEPOINTS for form in instruments]
    written["orthoregen_InstrumentDesignations.csv"] = _write(
        out / "orthoregen_InstrumentDesignations.csv", ["arm_num", "unique_event_name", "form"],
        mapping)
    header = ["record_id", "redcap_event_name"]
    for form in forms:
        header += [f.name for f in fields if f.form == form and f.name != "record_id"]
        header.append(f"{form}_complete")
    by_event: dict[tuple[int, str], dict[str, str]] = {}
    for episode in episodes:
        patient = episode.patient
        by_event[(episode.pk, "baseline")] = {
            "site_code": patient.site.code, "mrn": patient.mrn,
            "family_name": patient.family_name, "given_name": patient.given_name,
            "date_of_birth": patient.date_of_birth.isoformat(), "sex": patient.sex,
            "joint": episode.joint, "side": episode.side,
            "diagnosis_code": episode.diagnosis_code, "grade_scale": episode.grade_scale,
            "grade": "" if episode.grade is None else str(episode.grade),
            f"{PATIENT_FORM}_complete": "2"}
    record_ids = {e.pk: f"{e.patient.site.code}-{e.pk}" for e in episodes}
    for response in responses:
        row = by_event.setdefault((response.episode_id, response.timepoint), {})
        if f"{response.instrument_id}_complete" in row:
            continue  # one form per event: the first completed counts, as in the registry
        row[f"{response.instrument_id}_date"] = response.completed_on.isoformat()
        for item_id, value in (response.answers or {}).items():
            row[item_field(response.instrument_id, item_id)] = _number(value)
        for subscale_id, value in (response.scores or {}).items():
            row[f"{response.instrument_id}_{subscale_id}".lower()] = _number(value)
        row[f"{response.instrument_id}_complete"] = "2"
    order = {t: i for i, t in enumerate(TIMEPOINTS)}
    rows = [[record_ids[episode_id], event_name(timepoint),
             *[values.get(name, "") for name in header[2:]]]
            for (episode_id, timepoint), values in sorted(
                by_event.items(), key=lambda entry: (entry[0][0], order[entry[0][1]]))]
    written["orthoregen_records.csv"] = _write(out / "orthoregen_records.csv", header, rows)
    return written


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return format_code(number) if number.is_integer() else repr(number)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


# ---------------------------------------------------------------- import

def default_mapping() -> dict[str, str]:
    """Return the default mapping: REDCap field -> ``form.target``, as this exporter names."""
    mapping = {name: f"patient.{name}" for name, *_ in PATIENT_FIELDS if name != "record_id"}
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        mapping[f"{instrument_id}_date"] = f"{instrument_id}.completed_on"
        for item in instrument.items:
            mapping[item_field(instrument_id, item.id)] = f"{instrument_id}.{item.id}"
        for subscale in instrument.subscales:
            mapping[f"{instrument_id}_{subscale.id}".lower()] = f"{instrument_id}.{subscale.id}"
    return mapping


def read_mapping(path: Path) -> dict[str, str]:
    rows = _read_csv(path, "mapping")
    if not rows or not {"redcap", "orthoregen"} <= set(rows[0]):
        raise RedcapError(f"{path.name}: a mapping file has the columns redcap,orthoregen")
    mapping = {}
    for number, row in enumerate(rows, start=2):
        target = (row["orthoregen"] or "").strip()
        form, _, name = target.partition(".")
        if form != "patient" and form not in instrument_ids():
            raise RedcapError(f"{path.name} row {number}: {target!r} names no instrument")
        mapping[(row["redcap"] or "").strip()] = target
    return mapping


def _read_csv(path: Path, what: str) -> list[dict[str, str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise RedcapError(f"cannot read the {what} file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RedcapError(f"the {what} file {path.name} is not UTF-8 text") from None
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def import_records(records: Path, *, dictionary: Path, mapping: Path | None, site: Site,
                   by: User, dry_run: bool = False) -> list[ImportReport]:
    """Import a REDCap records export (flat, raw codes) into a site; all or nothing."""
    fields = _read_csv(dictionary, "data dictionary")
    if not fields or "Variable / Field Name" not in fields[0]:
        raise RedcapError(f"{dictionary.name} is not a REDCap data dictionary (no "
                          "'Variable / Field Name' column)")
    known = {row["Variable / Field Name"].strip() for row in fields}
    forms = {row["Form Name"].strip() for row in fields}
    known |= {f"{form}_complete" for form in forms}
    targets = read_mapping(mapping) if mapping else default_mapping()
    rows = _read_csv(records, "records")
    if not rows:
        raise RedcapError(f"{records.name} holds no records")
    header = list(rows[0])
    for required in ("record_id", "redcap_event_name"):
        if required not in header:
            raise RedcapError(f"{records.name}: no {required} column (export the records "
                              "with raw values from a longitudinal project)")
    unknown = [name for name in header if name not in known and name != "redcap_event_name"]
    if unknown:
        raise RedcapError(f"{records.name}: fields not in the data dictionary: "
                          + ", ".join(unknown[:10]))
    built = _build(rows, targets)
    reports = []
    # Each kind is imported for real inside one outer transaction, so that the episodes see
    # the patients before them even in a dry run; the dry run then rolls all of it back.
    with transaction.atomic():
        for kind, (data, origin) in built.items():
            report = import_file(kind, data, file_name=f"{records.name} ({kind})", site=site,
                                 by=by, path="orthoregen redcap import")
            report.problems = [_back(problem, origin) for problem in report.problems]
            report.changed = [(origin.get(row, (row, ""))[0], source_id)
                              for row, source_id in report.changed]
            report.dry_run = dry_run
            reports.append(report)
            if report.problems:
                break  # the next kinds would only repeat these rows' problems
        if dry_run or any(report.problems for report in reports):
            transaction.set_rollback(True)
            for report in reports:
                report.saved = False
    return reports


Origin = dict[int, tuple[int, dict[str, str]]]  # built row -> (records row, column -> field)


def _back(problem: Problem, origin: Origin) -> Problem:
    if problem.row not in origin:
        return problem
    row, columns = origin[problem.row]
    return Problem(row, columns.get(problem.column, problem.column), problem.message)


def _build(rows: list[dict[str, str]], targets: dict[str, str]
           ) -> dict[str, tuple[bytes, Origin]]:
    """Turn REDCap rows into the three CSV import files, remembering where each came from."""
    by_record: dict[str, dict[str, str]] = {}
    patient_rows: list[list[str]] = []
    episode_rows: list[list[str]] = []
    patient_origin: Origin = {}
    episode_origin: Origin = {}
    seen_mrn: set[str] = set()
    reverse: dict[str, str] = {}
    for field_name, target in targets.items():
        reverse.setdefault(target, field_name)
    patient_columns = [c.name for c in LAYOUTS[ImportKind.PATIENTS]]
    episode_columns = [c.name for c in LAYOUTS[ImportKind.EPISODES]]
    for number, row in enumerate(rows, start=2):
        values = {target.partition(".")[2]: (row.get(name) or "").strip()
                  for name, target in targets.items()
                  if target.startswith("patient.") and name in row}
        if not any(values.values()):
            continue
        record = row["record_id"].strip()
        by_record[record] = values
        where = {name: reverse.get(f"patient.{name}", name) for name in values}
        if values.get("mrn") and values["mrn"] not in seen_mrn:
            seen_mrn.add(values["mrn"])
            patient_rows.append([SOURCE_SYSTEM, values["mrn"], values["mrn"],
                                 *[values.get(c, "") for c in patient_columns[3:]]])
            patient_origin[len(patient_rows) + 1] = (number, where)
        episode = {**values, "source_system": SOURCE_SYSTEM, "source_id": record,
                   "patient_mrn": values.get("mrn", ""), "symptom_onset": ""}
        episode_rows.append([episode.get(c, "") for c in episode_columns])
        episode_origin[len(episode_rows) + 1] = (number, {**where,
                                                          "patient_mrn": reverse.get(
                                                              "patient.mrn", "mrn")})
    response_rows, response_header, response_origin = _responses(rows, targets, by_record)
    return {
        ImportKind.PATIENTS: (_csv(patient_columns, patient_rows), patient_origin),
        ImportKind.EPISODES: (_csv(episode_columns, episode_rows), episode_origin),
        ImportKind.RESPONSES: (_csv(response_header, response_rows), response_origin),
    }


def _responses(rows: list[dict[str, str]], targets: dict[str, str],
               by_record: dict[str, dict[str, str]]
               ) -> tuple[list[list[str]], list[str], Origin]:
    meta = [c.name for c in LAYOUTS[ImportKind.RESPONSES]]
    per_instrument: dict[str, dict[str, str]] = {}
    for field_name, target in targets.items():
        form, _, name = target.partition(".")
        if form != "patient":
            per_instrument.setdefault(form, {})[name] = field_name
    items: list[str] = []
    for instrument_id in sorted(per_instrument):
        for item in get_instrument(instrument_id).items:
            if item.id not in items and item.id in per_instrument[instrument_id]:
                items.append(item.id)
    header = meta + items
    out: list[list[str]] = []
    origin: Origin = {}
    for number, row in enumerate(rows, start=2):
        record = row["record_id"].strip()
        event = row["redcap_event_name"].strip()
        timepoint = EVENT_SUFFIX.sub("", event)
        patient = by_record.get(record, {})
        for instrument_id, names in sorted(per_instrument.items()):
            own = {item.id for item in get_instrument(instrument_id).items}
            answers = {item_id: (row.get(field_name) or "").strip()
                       for item_id, field_name in names.items() if item_id in own}
            date = (row.get(names.get("completed_on", ""), "") or "").strip()
            if not date and not any(answers.values()):
                continue
            out.append([SOURCE_SYSTEM, f"{record}:{event}:{instrument_id}",
                        patient.get("mrn", ""), patient.get("joint", ""),
                        patient.get("side", ""), instrument_id, timepoint, date,
                        *[answers.get(item_id, "") for item_id in items]])
            where = {item_id: field_name for item_id, field_name in names.items()}
            where.update({"completed_on": names.get("completed_on", "completed_on"),
                          "timepoint": "redcap_event_name", "source_id": "record_id",
                          "patient_mrn": "record_id", "side": "record_id"})
            origin[len(out) + 1] = (number, where)
    return out, header, origin
