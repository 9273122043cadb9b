"""De-identification of DICOM files by the Basic Application Level Confidentiality Profile.

DICOM PS3.15 Annex E, Table E.1-1 "Application Level Confidentiality Profile
Attributes": each attribute below carries the profile's action code and, where the site
chooses it, the Retain Longitudinal Temporal Information with Full Dates Option's (E.3.6).
Codes (E.1.1): D replace with a non-zero-length dummy value; Z replace with a zero-length
value or a dummy; X remove; K keep; C clean (replace identifying text with values of the
same meaning); U replace a UID with another, consistently within the instances.

Where the table gives a choice (X/Z, X/D, X/Z/D) this module takes the strictest one the MR
Image IOD allows: X for attributes the IOD makes optional (Type 3), Z for Type 2.
Private attributes are removed (the profile's row "Private attributes: X"), as are overlays
and curves; the table's rows for other modalities (radiotherapy, specimens) are not
repeated here because an MR instance does not carry them, and anything the table does not
list is kept. Two rows marked "orthoregen" are stricter than the table: the instance
creation date and time are removed unless dates are retained.

Replacement UIDs are 2.25 UIDs derived from the site's secret and the original UID (PS3.5
B.2: a UUID-derived UID), so the same original UID gives the same new UID at one site and
different ones at another; the patient's name and identifier become a pseudonym derived the
same way from the patient's record.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID

BASIC_PROFILE_CODE = "113100"  # DCM 113100 Basic Application Confidentiality Profile
FULL_DATES_CODE = "113106"  # DCM 113106 Retain Longitudinal Temporal Information Full Dates


@dataclass(frozen=True)
class Rule:
    tag: int
    keyword: str
    basic: str  # the Basic Profile's action as applied here (table's code in `table`)
    table: str  # the code as Table E.1-1 prints it
    full_dates: str = ""  # the Full Dates Option's action, where it has one

    def action(self, *, retain_dates: bool) -> str:
        """Return the action applied: the Full Dates Option's where the site keeps dates."""
        return self.full_dates if retain_dates and self.full_dates else self.basic


def _r(tag: int, keyword: str, table: str, basic: str = "", full_dates: str = "") -> Rule:
    return Rule(tag, keyword, basic or table, table, full_dates)


# (tag, keyword, Table E.1-1 code, applied code, Full Dates Option code)
RULES: tuple[Rule, ...] = (
    _r(0x00080050, "AccessionNumber", "Z"),
    _r(0x00080012, "InstanceCreationDate", "orthoregen", "X", "K"),
    _r(0x00080013, "InstanceCreationTime", "orthoregen", "X", "K"),
    _r(0x00080014, "InstanceCreatorUID", "U"),
    _r(0x00080018, "SOPInstanceUID", "U"),
    _r(0x00080020, "StudyDate", "Z", full_dates="K"),
    _r(0x00080021, "SeriesDate", "X/D", "X", "K"),
    _r(0x00080022, "AcquisitionDate", "X/Z", "X", "K"),
    _r(0x00080023, "ContentDate", "Z/D", "Z", "K"),
    _r(0x0008002A, "AcquisitionDateTime", "X/Z/D", "X", "K"),
    _r(0x00080030, "StudyTime", "Z", full_dates="K"),
    _r(0x00080031, "SeriesTime", "X/D", "X", "K"),
    _r(0x00080032, "AcquisitionTime", "X/Z", "X", "K"),
    _r(0x00080033, "ContentTime", "Z/D", "Z", "K"),
    _r(0x00080080, "InstitutionName", "X/Z/D", "X"),
    _r(0x00080081, "InstitutionAddress", "X"),
    _r(0x00080082, "InstitutionCodeSequence", "X/Z/D", "X"),
    _r(0x00080090, "ReferringPhysicianName", "Z"),
    _r(0x00080092, "ReferringPhysicianAddress", "X"),
    _r(0x00080094, "ReferringPhysicianTelephoneNumbers", "X"),
    _r(0x00080096, "ReferringPhysicianIdentificationSequence", "X"),
    _r(0x00080201, "TimezoneOffsetFromUTC", "X"),
    _r(0x00081010, "StationName", "X/Z/D", "X"),
    _r(0x00081030, "StudyDescription", "X"),
    _r(0x0008103E, "SeriesDescription", "X"),
    _r(0x00081040, "InstitutionalDepartmentName", "X"),
    _r(0x00081048, "PhysiciansOfRecord", "X"),
    _r(0x00081050, "PerformingPhysicianName", "X"),
    _r(0x00081060, "NameOfPhysiciansReadingStudy", "X"),
    _r(0x00081070, "OperatorsName", "X/Z/D", "X"),
    _r(0x00081080, "AdmittingDiagnosesDescription", "X"),
    _r(0x00081110, "ReferencedStudySequence", "X/Z", "X"),
    _r(0x00081111, "ReferencedPerformedProcedureStepSequence", "X/Z/D", "X"),
    _r(0x00081120, "ReferencedPatientSequence", "X"),
    _r(0x00081140, "ReferencedImageSequence", "X/Z/U*", "X"),
    _r(0x00081155, "ReferencedSOPInstanceUID", "U"),
    _r(0x00082111, "DerivationDescription", "X"),
    _r(0x00082112, "SourceImageSequence", "X/Z/U*", "X"),
    _r(0x00084000, "IdentifyingComments", "X"),
    _r(0x00100010, "PatientName", "Z"),
    _r(0x00100020, "PatientID", "Z"),
    _r(0x00100021, "IssuerOfPatientID", "X"),
    _r(0x00100030, "PatientBirthDate", "Z"),
    _r(0x00100032, "PatientBirthTime", "X"),
    _r(0x00100040, "PatientSex", "Z"),
    _r(0x00101000, "OtherPatientIDs", "X"),
    _r(0x00101001, "OtherPatientNames", "X"),
    _r(0x00101002, "OtherPatientIDsSequence", "X"),
    _r(0x00101005, "PatientBirthName", "X"),
    _r(0x00101010, "PatientAge", "X"),
    _r(0x00101020, "PatientSize", "X"),
    _r(0x00101030, "PatientWeight", "X"),
    _r(0x00101040, "PatientAddress", "X"),
    _r(0x00101060, "PatientMotherBirthName", "X"),
    _r(0x00101090, "MedicalRecordLocator", "X"),
    _r(0x00102154, "PatientTelephoneNumbers", "X"),
    _r(0x00102160, "EthnicGroup", "X"),
    _r(0x00102180, "Occupation", "X"),
    _r(0x001021B0, "AdditionalPatientHistory", "X"),
    _r(0x00104000, "PatientComments", "X"),
    _r(0x00181000, "DeviceSerialNumber", "X/Z/D", "X"),
    _r(0x00181030, "ProtocolName", "X/D", "X"),
    _r(0x00184000, "AcquisitionComments", "X"),
    _r(0x0020000D, "StudyInstanceUID", "U"),
    _r(0x0020000E, "SeriesInstanceUID", "U"),
    _r(0x00200010, "StudyID", "Z"),
    _r(0x00200052, "FrameOfReferenceUID", "U"),
    _r(0x00200200, "SynchronizationFrameOfReferenceUID", "U"),
    _r(0x00204000, "ImageComments", "X"),
    _r(0x00209161, "ConcatenationUID", "U"),
    _r(0x00209164, "DimensionOrganizationUID", "U"),
    _r(0x00321032, "RequestingPhysician", "X"),
    _r(0x00321060, "RequestedProcedureDescription", "X/Z", "X"),
    _r(0x00324000, "StudyComments", "X"),
    _r(0x00400244, "PerformedProcedureStepStartDate", "X"),
    _r(0x00400245, "PerformedProcedureStepStartTime", "X"),
    _r(0x00400253, "PerformedProcedureStepID", "X"),
    _r(0x00400254, "PerformedProcedureStepDescription", "X"),
    _r(0x00400275, "RequestAttributesSequence", "X"),
    _r(0x00401001, "RequestedProcedureID", "X"),
    _r(0x00402016, "PlacerOrderNumberImagingServiceRequest", "Z"),
    _r(0x00402017, "FillerOrderNumberImagingServiceRequest", "Z"),
    _r(0x00880140, "StorageMediaFileSetUID", "U"),
    _r(0x00880200, "IconImageSequence", "X"),
    _r(0x04000561, "OriginalAttributesSequence", "X"),
    _r(0xFFFAFFFA, "DigitalSignaturesSequence", "X"),
    _r(0xFFFCFFFC, "DataSetTrailingPadding", "X"),
)
RULE_OF: dict[int, Rule] = {rule.tag: rule for rule in RULES}


def new_uid(secret: str, original: str) -> UID:
    """Return the replacement of a UID: the same at one site, not reversible without the key."""
    digest = hmac.new(secret.encode(), original.encode(), hashlib.sha256).digest()
    # A 2.25 UID is the decimal of a 128-bit UUID (PS3.5 B.2; ISO/IEC 9834-8).
    return UID(f"2.25.{int.from_bytes(digest[:16], 'big')}")


def pseudonym(secret: str, patient_key: str) -> str:
    """Return the patient's name and ID in de-identified files: ORG- and 16 hex digits."""
    digest = hmac.new(secret.encode(), f"patient:{patient_key}".encode(), hashlib.sha256)
    return "ORG-" + digest.hexdigest()[:16].upper()


def _is_overlay_or_curve(tag: BaseTag) -> bool:
    group = tag.group
    return (0x5000 <= group <= 0x501E) or (0x6000 <= group <= 0x601E and tag.element in
                                           (0x3000, 0x4000))


def _apply(ds: Dataset, *, secret: str, retain_dates: bool, patient_id: str) -> None:
    for element in list(ds):
        tag = element.tag
        if tag.is_private or _is_overlay_or_curve(tag):
            del ds[tag]
            continue
        rule = RULE_OF.get(int(tag))
        action = "K" if rule is None else rule.action(retain_dates=retain_dates)
        if action == "X":
            del ds[tag]
        elif action == "Z":
            if tag in (0x00100010, 0x00100020):
                element.value = patient_id  # a dummy value: the site's pseudonym
            else:
                element.value = Sequence() if element.VR == "SQ" else ""
        elif action == "U":
            if element.VM > 1:
                element.value = [new_uid(secret, str(v)) for v in element.value]
            elif element.value:
                element.value = new_uid(secret, str(element.value))
        elif element.VR == "SQ":  # K: keep the sequence, but de-identify inside it
            for item in element.value:
                _apply(item, secret=secret, retain_dates=retain_dates, patient_id=patient_id)


def deidentify(ds: Dataset, *, secret: str, patient_key: str, retain_dates: bool) -> Dataset:
    """De-identify a dataset in place and return it, with PS3.15 E.1.1's attributes set."""
    patient_id = pseudonym(secret, patient_key)
    _apply(ds, secret=secret, retain_dates=retain_dates, patient_id=patient_id)
    # PS3.15 E.1.1: say that, and how, the identity was removed.
    ds.PatientIdentityRemoved = "YES"
    codes = [(BASIC_PROFILE_CODE, "Basic Application Confidentiality Profile")]
    if retain_dates:
        codes.append((FULL_DATES_CODE, "Retain Longitudinal Temporal Information Full Dates "
                                       "Option"))
    ds.DeidentificationMethod = "PS3.15 Annex E " + (
        "Basic Profile, Retain Longitudinal Full Dates" if retain_dates else "Basic Profile")
    ds.DeidentificationMethodCodeSequence = Sequence([_code(value, meaning)
                                                      for value, meaning in codes])
    ds.LongitudinalTemporalInformationModified = "UNMODIFIED" if retain_dates else "REMOVED"
    meta = FileMetaDataset()
    old = getattr(ds, "file_meta", None)
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = old.TransferSyntaxUID if old is not None \
        and "TransferSyntaxUID" in old else UID("1.2.840.10008.1.2.1")
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    return ds


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def identifying_left(ds: Dataset, *, retain_dates: bool = False) -> list[str]:
    """Return the keywords of identifying attributes a de-identified dataset still holds."""
    left = []
    for element in ds.iterall():
        rule = RULE_OF.get(int(element.tag))
        if element.tag.is_private:
            left.append(str(element.tag))
        elif rule is not None and rule.action(retain_dates=retain_dates) == "X":
            left.append(rule.keyword)
    return left

