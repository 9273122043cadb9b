"""Staff roles and what each may do.

One table answers "may this role do that?", so views ask a question instead of listing
roles, and a reviewer sees every permission in one place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    COORDINATOR = "coordinator", _("Coordinator / nurse")
    LAB = "lab", _("Cell lab / pharmacy")
    ANALYST = "analyst", _("Registry analyst")
    ADMIN = "admin", _("Clinic administrator")


class Action(models.TextChoices):
    VIEW_PATIENT = "view_patient", _("View identifiable patient records")
    EDIT_PATIENT = "edit_patient", _("Register patients and edit demographics")
    EDIT_EPISODE = "edit_episode", _("Record joint episodes, diagnoses and grades")
    EDIT_ENCOUNTER = "edit_encounter", _("Record encounters")
    ENTER_INTAKE = "enter_intake", _("Enter intake: history, medications, imaging, examination")
    DECIDE_CANDIDACY = "decide_candidacy", _("Record the candidacy decision")
    RECORD_CONSENT = "record_consent", _("Record informed consent and its withdrawal")
    MANAGE_PROTOCOLS = "manage_protocols", _("Edit and publish protocols and consent texts")
    MANAGE_PRODUCTS = "manage_products", _("Receive, test, release, issue and recall cell products")
    RECORD_PROCEDURE = "record_procedure", _("Record injection procedures and administrations")
    MANAGE_FOLLOW_UP = "manage_follow_up", _("Run follow-up: schedules, invitations, worklist")
    RECORD_ADVERSE_EVENT = "record_adverse_event", _("Record adverse events")
    VIEW_REGISTRY = "view_registry", _("See cohort analytics and the evidence comparison")
    EXPORT_REGISTRY = "export_registry", _("Export registry data")
    ADD_EVIDENCE = "add_evidence", _("Add published studies to the evidence library")
    READ_IMAGING = "read_imaging", _("Read MRI studies: record structural measures")
    ENTER_CLINICIAN_REPORTED = ("enter_clinician_reported",
                                _("Enter clinician-reported outcomes: Harris Hip Score, range of "
                                "motion, the Constant score's objective part"))
    IMPORT_DATA = "import_data", _("Import patients and past records from CSV or REDCap files")
    MANAGE_RELEASE_SPECS = ("manage_release_specs",
                            _("Edit, approve and publish the cell lab's release specifications"))


# Analysts work on de-identified registry data, so they never open identifiable records.
PERMITTED: dict[str, frozenset[str]] = {
    Action.VIEW_PATIENT: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.LAB, Role.ADMIN}),
    Action.EDIT_PATIENT: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN}),
    Action.EDIT_EPISODE: frozenset({Role.CLINICIAN, Role.ADMIN}),
    Action.EDIT_ENCOUNTER: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN}),
    Action.ENTER_INTAKE: frozenset({Role.CLINICIAN, Role.COORDINATOR}),
    # Clinical judgements and consent belong to the clinician, never to an administrator.
    Action.DECIDE_CANDIDACY: frozenset({Role.CLINICIAN}),
    Action.RECORD_CONSENT: frozenset({Role.CLINICIAN}),
    Action.MANAGE_PROTOCOLS: frozenset({Role.ADMIN}),
    Action.MANAGE_PRODUCTS: frozenset({Role.LAB}),
    Action.RECORD_PROCEDURE: frozenset({Role.CLINICIAN}),
    Action.MANAGE_FOLLOW_UP: frozenset({Role.CLINICIAN, Role.COORDINATOR}),
    Action.RECORD_ADVERSE_EVENT: frozenset({Role.CLINICIAN, Role.COORDINATOR}),
    Action.VIEW_REGISTRY: frozenset({Role.CLINICIAN, Role.ANALYST, Role.ADMIN}),
    Action.EXPORT_REGISTRY: frozenset({Role.ANALYST}),
    # Those who read the literature against the registry; the transcriber is recorded.
    Action.ADD_EVIDENCE: frozenset({Role.CLINICIAN, Role.ANALYST, Role.ADMIN}),
    # An examination at the visit (goniometer, dynamometer, gait) is the clinician's.
    Action.ENTER_CLINICIAN_REPORTED: frozenset({Role.CLINICIAN}),
    # Bringing a clinic's past records in is office work, checked row by row on the way.
    Action.IMPORT_DATA: frozenset({Role.ADMIN, Role.COORDINATOR}),
    # An MRI read is a clinical judgement; coordinators receive studies (MANAGE_FOLLOW_UP).
    Action.READ_IMAGING: frozenset({Role.CLINICIAN}),
    # Release criteria are reviewed and approved by a responsible person before use (21 CFR
    # 1271.180(b)), apart from the technologists who judge units against them
    # (1271.265(c)(1)): here by those who govern the clinic's other protocols.
    Action.MANAGE_RELEASE_SPECS: frozenset({Role.ADMIN}),
}


def role_may(role: str, action: str) -> bool:
    """Say whether a role may perform an action."""
    return role in PERMITTED[action]
