"""Receiving MRI studies and recording their reads; each unit of work is one transaction.

A study is linked to the patient's follow-up MRI visit by identity and date or refused with
a specific reason, storing nothing: the DICOM Patient ID must be a patient's medical record
number (at the receiving site when one is named), the birth date, when the files carry
one, the patient's; the body part and laterality, when present, those of a treated joint;
and the study date inside one MRI visit's window. Receiving the same Study Instance UID
again changes nothing. A received study marks its visit done, as the follow-up page's
"Mark MRI done" does (followup.services.visit_complete).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, date_problems, first_problem
from orthoregen.web.clinic.vocabulary import Joint, Side
from orthoregen.web.followup.models import ScheduledVisit, VisitKind, VisitState
from orthoregen.web.followup.services import visit_complete
from orthoregen.web.imaging.deidentify import deidentify, new_uid
from orthoregen.web.imaging.grading import measure_problems
from orthoregen.web.imaging.models import (
    MriStudy,
    ReceivedVia,
    SiteImagingSettings,
    StructuralMeasure,
)

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

# DICOM PS3.16 Annex L body part defined terms of the joints orthoregen treats.
BODY_PARTS = {"KNEE": "knee", "HIP": "hip", "SHOULDER": "shoulder"}
SIDES = {"L": "left", "R": "right"}
MR_MODALITY = "MR"
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"  # Media Storage Directory: an index, not an image
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_BYTES = 4 * 1024**3


class InputRefused(Exception):
    """The folder or zip as a whole cannot be read (an unsafe path, a file not DICOM)."""


class StudyRefused(Exception):
    """The study does not belong to a visit we can name; nothing was stored."""


@dataclass
class Outcome:
    """What became of one study: stored, already there, or refused (with why)."""

    study_uid: str
    study: MriStudy | None = None
    created: bool = False
    refused: str = ""
    instances: int = 0

    def __str__(self) -> str:
        # Shown to staff after an upload (and printed by the dicom command and logged by
        # the DICOM listener): translated when it is made into words.
        if self.refused:
            return _("refused: %(reason)s") % {"reason": self.refused}
        if not self.created:
            return _("already received; nothing changed")
        assert self.study is not None
        visit = self.study.visit
        return _("stored %(count)s images for %(visit)s MRI of the %(episode)s "
                 "(visit %(id)s)") % {"count": self.instances, "visit": visit.label,
                                      "episode": self.study.episode, "id": visit.pk}


@dataclass
class Instance:
    name: str
    dataset: Dataset = field(repr=False)


# ---- reading ------------------------------------------------------------------------------

def _read(name: str, data: io.BytesIO | Path) -> Instance | None:
    try:
        ds = dcmread(data)
    except InvalidDicomError:
        raise InputRefused(_("%(name)s is not a DICOM file (no DICM preamble).")
                           % {"name": name}) from None
    except Exception as error:  # a damaged file: pydicom raises many kinds, all refusals
        raise InputRefused(_("%(name)s is not a readable DICOM file (%(error)s).")
                           % {"name": name, "error": error}) from None
    if str(ds.get("SOPClassUID", "")) == DICOMDIR_CLASS:
        return None
    if "StudyInstanceUID" not in ds:
        raise InputRefused(_("%(name)s has no Study Instance UID.") % {"name": name})
    return Instance(name, ds)


def read_folder(folder: Path) -> list[Instance]:
    """Read every DICOM file under a folder (hidden files and DICOMDIR skipped)."""
    if not folder.is_dir():
        raise InputRefused(_("%(folder)s is not a folder.") % {"folder": folder})
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.parts):
            instance = _read(str(path.relative_to(folder)), path)
            if instance is not None:
                found.append(instance)
    if not found:
        raise InputRefused(_("%(name)s holds no DICOM file.") % {"name": folder})
    return found


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def read_zip(source: Path | io.BytesIO, *, name: str = "upload.zip") -> list[Instance]:
    """Read every member of a zip as DICOM, refusing the whole zip for an unsafe member.

    Members are read in memory, never extracted, and a member whose path leaves the archive
    (absolute, "..", a drive letter) or is a link refuses the zip: such a file is made to
    write outside the folder it is unpacked in ("zip slip").
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise InputRefused(_("%(name)s is not a zip file (%(error)s).")
                           % {"name": name, "error": error}) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for member in archive.infolist():
            if _unsafe(member.filename):
                raise InputRefused(_("%(name)s: member %(member)r has an unsafe path (it "
                                     "would be written outside the folder); nothing read.")
                                   % {"name": name, "member": member.filename})
            if (member.external_attr >> 16) & 0o170000 == 0o120000:
                raise InputRefused(_("%(name)s: member %(member)r is a symbolic link; "
                                     "nothing read.") % {"name": name, "member": member.filename})
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise InputRefused(_("%(name)s is larger than %(files)s files or %(gb)s GB "
                                 "unpacked.") % {"name": name, "files": MAX_ZIP_MEMBERS,
                                                 "gb": MAX_ZIP_BYTES // 1024**3})
        found = []
        for member in members:
            if PurePosixPath(member.filename).name.startswith(".") \
                    or member.filename.startswith("__MACOSX/"):
                continue
            instance = _read(f"{name}: {member.filename}", io.BytesIO(archive.read(member)))
            if instance is not None:
                found.append(instance)
    if not found:
        raise InputRefused(_("%(name)s holds no DICOM file.") % {"name": name})
    return found


def read_path(path: Path) -> tuple[list[Instance], str]:
    """Read a folder, a zip or one DICOM file; return the instances and how they came."""
    if path.is_dir():
        return read_folder(path), ReceivedVia.FOLDER
    if zipfile.is_zipfile(path):
        return read_zip(path, name=path.name), ReceivedVia.ZIP
    if path.is_file():
        instance = _read(path.name, path)
        if instance is None:
            raise InputRefused(_("%(name)s is a DICOMDIR index, not an image.")
                               % {"name": path.name})
        return [instance], ReceivedVia.FOLDER
    raise InputRefused(_("%(path)s does not exist.") % {"path": path})


def by_study(instances: Iterable[Instance]) -> dict[str, list[Instance]]:
    studies: dict[str, list[Instance]] = {}
    for instance in instances:
        studies.setdefault(str(instance.dataset.StudyInstanceUID), []).append(instance)
    return studies


# ---- linking ------------------------------------------------------------------------------

def _one(instances: list[Instance], keyword: str, what: str) -> str:
    values = {str(i.dataset.get(keyword, "") or "").strip() for i in instances}
    values.discard("")
    if len(values) > 1:
        raise StudyRefused(_("The study's images disagree on %(what)s: %(values)s.")
                           % {"what": what, "values": ", ".join(sorted(values))})
    return values.pop() if values else ""


def _date(text: str, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        raise StudyRefused(_("The %(what)s %(text)r is not a DICOM date (YYYYMMDD).")
                           % {"what": what, "text": text}) from None


def _patient(patient_id: str, site: Site | None) -> Patient:
    if not patient_id:
        raise StudyRefused(_("Unknown patient: the study carries no Patient ID."))
    patients = Patient.objects.select_related("site").filter(mrn=patient_id)
    if site is not None:
        here = patients.filter(site=site).first()
        if here is not None:
            return here
        if patients.exists():
            raise StudyRefused(_("Another site's patient: Patient ID %(id)r is not a patient "
                                 "of %(site)s.") % {"id": patient_id, "site": site.code})
        raise StudyRefused(_("Unknown patient: no patient of %(site)s has the medical record "
                             "number %(id)r.") % {"id": patient_id, "site": site.code})
    found = list(patients[:2])
    if not found:
        raise StudyRefused(_("Unknown patient: no patient has the medical record number "
                             "%(id)r.") % {"id": patient_id})
    if len(found) > 1:
        raise StudyRefused(_("Patient ID %(id)r is a medical record number at more than one "
                             "site; name the receiving site.") % {"id": patient_id})
    return found[0]


def _episodes(patient: Patient, body_part: str, laterality: str) -> list[JointEpisode]:
    episodes = list(patient.episodes.all())
    named = ", ".join(str(e) for e in episodes) or _("none")
    if body_part:
        joint = BODY_PARTS.get(body_part)
        if joint is None:
            raise StudyRefused(_("Wrong body part: the study shows %(part)r, not a knee, hip "
                                 "or shoulder.") % {"part": body_part})
        episodes = [e for e in episodes if e.joint == joint]
        if not episodes:
            raise StudyRefused(_("Wrong body part: the study shows the %(joint)s; the "
                                 "patient's treated joints: %(joints)s.")
                               % {"joint": str(Joint(joint).label).lower(), "joints": named})
    if laterality:
        side = SIDES.get(laterality)
        if side is None:
            raise StudyRefused(_("Laterality %(laterality)r names no single side (L or R).")
                               % {"laterality": laterality})
        matching = [e for e in episodes if e.side == side]
        if not matching:
            raise StudyRefused(_("Laterality differs from the joint's side: the study is of "
                                 "the %(side)s side; the patient's treated joints: "
                                 "%(joints)s.") % {"side": str(Side(side).label).lower(),
                                                    "joints": named})
        episodes = matching
    return episodes


def _visit(episodes: list[JointEpisode], study_date: dt.date) -> ScheduledVisit:
    visits = ScheduledVisit.objects.filter(
        schedule__episode__in=episodes, kind=VisitKind.MRI).exclude(status=VisitState.STOPPED) \
        .select_related("schedule__episode").order_by("target")
    inside = [v for v in visits if v.earliest <= study_date <= v.latest]
    if not inside:
        windows = "; ".join(f"{v.schedule.episode} {v.label} {date_format(v.earliest, 'd M Y')}-"
                            f"{date_format(v.latest, 'd M Y')}" for v in visits) \
            or _("none scheduled")
        raise StudyRefused(_("No MRI visit in the window: the study is dated %(date)s; MRI "
                             "visits: %(windows)s.")
                           % {"date": date_format(study_date, "d M Y"), "windows": windows})
    if len({v.schedule.episode_id for v in inside}) > 1:
        raise StudyRefused(_("The study names no laterality or body part and more than one "
                             "treated joint has an MRI visit open on its date."))
    return min(inside, key=lambda v: abs((v.target - study_date).days))


def _series(instances: list[Instance]) -> list[dict]:
    series: dict[str, dict] = {}
    for instance in instances:
        ds = instance.dataset
        uid = str(ds.get("SeriesInstanceUID", ""))
        entry = series.setdefault(uid, {
            "uid": uid, "number": _number(ds.get("SeriesNumber")),
            "description": str(ds.get("SeriesDescription", "") or ""), "instances": 0})
        entry["instances"] += 1
    return sorted(series.values(), key=lambda s: (s["number"] is None, s["number"] or 0))


def _number(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def dicom_root() -> Path:
    return Path(settings.DATA_DIR) / "dicom"


def study_ingest(instances: list[Instance], *, site: Site | None, received_via: str,
                 received_from: str = "", by: User | None = None) -> Outcome:
    """Link one study's images to its MRI visit and store it, or refuse it storing nothing."""
    uid = str(instances[0].dataset.StudyInstanceUID)
    try:
        return _ingest(uid, instances, site=site, received_via=received_via,
                       received_from=received_from, by=by)
    except StudyRefused as refused:
        return Outcome(uid, refused=str(refused))


def _ingest(uid: str, instances: list[Instance], *, site: Site | None, received_via: str,
            received_from: str, by: User | None) -> Outcome:
    existing = MriStudy.objects.select_related("patient__site").filter(
        study_instance_uid=uid).first()
    if existing is not None:
        if site is not None and existing.patient.site_id != site.pk:
            raise StudyRefused(_("Another site's patient: this study was received for a "
                                 "patient of another site."))
        return Outcome(uid, study=existing, created=False)
    modality = _one(instances, "Modality", _("the modality"))
    if modality != MR_MODALITY:
        raise StudyRefused(_("Not an MR study: the modality is %(modality)s.")
                           % {"modality": modality or _("missing")})
    patient = _patient(_one(instances, "PatientID", _("the Patient ID")), site)
    born = _date(_one(instances, "PatientBirthDate", _("the birth date")), _("birth date"))
    if born is not None and born != patient.date_of_birth:
        raise StudyRefused(_("Birth date differs: the study says %(study)s, the patient's "
                             "record %(record)s.")
                           % {"study": date_format(born, "d M Y"),
                              "record": date_format(patient.date_of_birth, "d M Y")})
    study_date = _date(_one(instances, "StudyDate", _("the study date")), _("study date"))
    if study_date is None:
        raise StudyRefused(_("The study carries no study date."))
    if problems := date_problems(born=patient.date_of_birth,
                                 study_date=Day(study_date, _("The study date"))):
        raise StudyRefused(first_problem(problems))
    body_part = _one(instances, "BodyPartExamined", _("the body part")).upper()
    laterality = _one(instances, "Laterality", _("the laterality")) \
        or _one(instances, "ImageLaterality", _("the image laterality"))
    laterality = laterality.upper()
    visit = _visit(_episodes(patient, body_part, laterality), study_date)
    try:
        return _store(uid, instances, patient=patient, visit=visit, study_date=study_date,
                      modality=modality, body_part=body_part, laterality=laterality,
                      received_via=received_via, received_from=received_from, by=by)
    except IntegrityError:  # the same study arrived at the same moment by another way
        existing = MriStudy.objects.filter(study_instance_uid=uid).first()
        if existing is None:
            raise
        return Outcome(uid, study=existing, created=False)


def _store(uid: str, instances: list[Instance], *, patient: Patient, visit: ScheduledVisit,
           study_date: dt.date, modality: str, body_part: str, laterality: str,
           received_via: str, received_from: str, by: User | None) -> Outcome:
    options, _created = SiteImagingSettings.objects.get_or_create(site=patient.site)
    burned_in = any(str(i.dataset.get("BurnedInAnnotation", "")).upper() == "YES"
                    for i in instances)
    keep = options.keep_files and not burned_in  # pixels with text cannot be cleaned here
    new_study_uid = new_uid(options.uid_secret, uid)
    folder = dicom_root() / patient.site.code / new_study_uid
    try:
        with transaction.atomic():
            study = MriStudy.objects.create(
                patient=patient, episode=visit.schedule.episode, visit=visit,
                study_instance_uid=uid, deidentified_study_uid=new_study_uid,
                modality=modality, series=_series(instances), body_part=body_part,
                laterality=laterality, study_date=study_date,
                study_description=_one(instances, "StudyDescription",
                                       _("the description"))[:64],
                instances=len(instances), received_via=received_via,
                received_from=received_from[:200], received_by=by, files_stored=keep,
                deidentified=keep, retained_full_dates=keep and options.retain_full_dates,
                storage_path=f"{patient.site.code}/{new_study_uid}" if keep else "")
            if keep:
                _write(instances, folder, secret=options.uid_secret, patient=patient,
                       retain_dates=options.retain_full_dates)
            if visit.status == VisitState.PENDING:
                visit_complete(visit, completed_on=study_date)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Outcome(uid, study=study, created=True, instances=len(instances))


def _write(instances: list[Instance], folder: Path, *, secret: str, patient: Patient,
           retain_dates: bool) -> None:
    for instance in instances:
        try:
            ds = deidentify(instance.dataset, secret=secret, patient_key=str(patient.pk),
                            retain_dates=retain_dates)
            target = folder / str(ds.SeriesInstanceUID) / f"{ds.SOPInstanceUID}.dcm"
            target.parent.mkdir(parents=True, exist_ok=True)
            ds.save_as(target, enforce_file_format=True)
        except (AttributeError, KeyError, ValueError, TypeError) as error:
            # Raised inside the study's transaction: the row goes, and the files with it.
            raise StudyRefused(_("%(name)s could not be de-identified and stored "
                                 "(%(error)s).") % {"name": instance.name,
                                                    "error": error}) from None


def ingest(instances: list[Instance], *, site: Site | None, received_via: str,
           received_from: str = "", by: User | None = None) -> list[Outcome]:
    """Ingest every study among the instances, each in its own transaction."""
    return [study_ingest(group, site=site, received_via=received_via,
                         received_from=received_from, by=by)
            for group in by_study(instances).values()]


def stored_files(study: MriStudy) -> Iterator[Path]:
    if study.files_stored and study.storage_path:
        yield from sorted((dicom_root() / study.storage_path).rglob("*.dcm"))


# ---- reads --------------------------------------------------------------------------------

class MeasureRefused(Exception):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@transaction.atomic
def measure_record(study: MriStudy, *, region: str, measure: str, value: Decimal, by: User,
                   reason: str = "") -> StructuralMeasure:
    """Record a reader's value; a value already there is corrected only with a reason."""
    problems = measure_problems(measure, region, value, joint=study.episode.joint)
    current = StructuralMeasure.objects.select_for_update().filter(
        study=study, region=region, measure=measure).first()
    if current is not None and not reason.strip():
        problems["reason"] = _("%(measure)s was read by %(reader)s; give a reason to correct "
                               "it.") % {"measure": current,
                                         "reader": current.read_by.get_full_name()}

    if problems:
        raise MeasureRefused(problems)
    if current is None:
        row = StructuralMeasure(study=study, region=region, measure=measure, value=value,
                                read_by=by, read_at=timezone.now())
    else:
        row = current
        row.value, row.read_by, row.read_at = value, by, timezone.now()
        row.correction_reason = reason.strip()[:300]
    try:
        row.full_clean()
    except ValidationError as error:
        raise MeasureRefused({k: " ".join(v) for k, v in error.message_dict.items()}) from None
    row.save()
    return row
