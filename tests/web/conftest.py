"""The named people of the web tests: staff at site A, a clinician at site B, their patients."""

import datetime as dt

import pytest
from tests.web.browsing import browser, new_page, page, phone  # noqa: F401  (browser fixtures)

from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient

PASSWORD = "correct-horse-battery"


@pytest.fixture
def site_a(db):
    return Site.objects.create(code="site-a", name="Clinic A", address="1 Example Row, London",
                               facility_identification_number="G1234")


@pytest.fixture
def site_b(db):
    return Site.objects.create(code="site-b", name="Clinic B")


def make_user(username: str, role: str, *sites: Site) -> User:
    user = User.objects.create_user(username, password=PASSWORD, role=role,
                                    first_name=username.title(), last_name="Tester",
                                    is_staff=role == Role.ADMIN)
    user.sites.set(sites)
    return user


@pytest.fixture
def clinician_a(site_a):
    return make_user("clinician_a", Role.CLINICIAN, site_a)


@pytest.fixture
def coordinator_a(site_a):
    return make_user("coordinator_a", Role.COORDINATOR, site_a)


@pytest.fixture
def lab_a(site_a):
    return make_user("lab_a", Role.LAB, site_a)


@pytest.fixture
def analyst_a(site_a):
    return make_user("analyst_a", Role.ANALYST, site_a)


@pytest.fixture
def admin_a(site_a):
    return make_user("admin_a", Role.ADMIN, site_a)


@pytest.fixture
def clinician_b(site_b):
    return make_user("clinician_b", Role.CLINICIAN, site_b)


@pytest.fixture
def colleague_a(site_a):
    """A second administrator at site A: the one who may approve admin_a's drafts."""
    return make_user("colleague_a", Role.ADMIN, site_a)


@pytest.fixture
def admin_b(site_b):
    return make_user("admin_b", Role.ADMIN, site_b)


def make_patient(site: Site, mrn: str, family: str) -> Patient:
    patient = Patient.objects.create(site=site, mrn=mrn, family_name=family, given_name="Ada",
                                     date_of_birth=dt.date(1960, 5, 17), sex="female")
    episode = JointEpisode.objects.create(patient=patient, joint="knee", side="left",
                                          diagnosis_code="M17.12",
                                          grade_scale="kellgren_lawrence", grade=3)
    Encounter.objects.create(episode=episode, kind="consultation",
                             occurred_on=dt.date(2026, 3, 2), notes="Initial consultation")
    return patient


# What an administration needs recorded first (procedures.services.REQUIRED_AT_ADMINISTRATION):
# an approach of the joint fit for its guidance, and the image that confirmed placement.
APPROACH_UNDER = {("knee", "ultrasound"): "superolateral",
                  ("hip", "ultrasound"): "hip_anterior_oblique",
                  ("hip", "fluoroscopy"): "hip_fluoro_anterior",
                  ("shoulder", "ultrasound"): "shoulder_posterior"}
PLACEMENT_IMAGE = "1.2.826.0.1.3680043.8.498.1001"


def record_injection(procedure_joint, *, by: User, injectate_volume_ml: float, **details):
    """Record a joint's injection completely enough to administer it."""
    from orthoregen.web.procedures.services import procedure_joint_update

    joint = procedure_joint.episode.joint
    guidance = details.get("guidance") or procedure_joint.guidance or "ultrasound"
    details.setdefault("approach", APPROACH_UNDER[(joint, guidance)])
    details.setdefault("image_reference", PLACEMENT_IMAGE)
    return procedure_joint_update(procedure_joint, by=by, injectate_volume_ml=injectate_volume_ml,
                                  **details)


@pytest.fixture
def patient_a(site_a):
    return make_patient(site_a, "A-0001", "Aardvark")


@pytest.fixture
def patient_b(site_b):
    return make_patient(site_b, "B-0001", "Bittern")


@pytest.fixture
def as_user(client):
    """Log the test client in as a user and return it."""

    def login(user):
        client.force_login(user)
        return client

    return login
