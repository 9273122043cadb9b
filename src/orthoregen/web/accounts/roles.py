"""Staff roles and what each may do.

One table answers "may this role do that?", so views ask a question instead of listing
roles, and a reviewer sees every permission in one place.
"""

from django.db import models


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    COORDINATOR = "coordinator", "Coordinator / nurse"
    LAB = "lab", "Cell lab / pharmacy"
    ANALYST = "analyst", "Registry analyst"
    ADMIN = "admin", "Clinic administrator"


class Action(models.TextChoices):
    VIEW_PATIENT = "view_patient", "View identifiable patient records"
    EDIT_PATIENT = "edit_patient", "Register patients and edit demographics"
    EDIT_EPISODE = "edit_episode", "Record joint episodes, diagnoses and grades"
    EDIT_ENCOUNTER = "edit_encounter", "Record encounters"


# Analysts work on de-identified registry data, so they never open identifiable records.
PERMITTED: dict[str, frozenset[str]] = {
    Action.VIEW_PATIENT: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.LAB, Role.ADMIN}),
    Action.EDIT_PATIENT: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN}),
    Action.EDIT_EPISODE: frozenset({Role.CLINICIAN, Role.ADMIN}),
    Action.EDIT_ENCOUNTER: frozenset({Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN}),
}


def role_may(role: str, action: str) -> bool:
    """Say whether a role may perform an action."""
    return role in PERMITTED[action]
