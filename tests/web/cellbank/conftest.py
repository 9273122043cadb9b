"""Cell lab fixtures: an eligible donor, units moved through the status machine by the
services, and an episode cleared for procedure by consent and a candidacy decision."""

import datetime as dt
import types

import pytest
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.pathways.consent import ConsentElement
from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Donor, Harvest
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.procedures import services as procedures

# ISBT 128 DINs with published check characters (ICCBBA ST-001 v6.2.2;
# docs/standards.md#published-check-characters).
DIN_A = "G123417654321"  # K = A, ST-001 Appendix A.1
DIN_B = "G123498654321"  # K = H, UK Red Book Annex 2
DIN_C = "A999915000001"  # K = M, ST-001 Appendix C
DIN_D = "A999918000001"  # K = 8, ST-001 Appendix C
DIN_E = "W000009123456"  # K = G, ST-001 7.4
K = {DIN_A: "A", DIN_B: "H", DIN_C: "M", DIN_D: "8", DIN_E: "G"}

NUMBERS = {"viability": 91.0, "CD73": 98.0, "CD90": 97.0, "CD105": 96.0, "CD45": 0.5,
           "CD34": 0.7, "CD14": 0.3, "CD79a": 0.2, "HLA-DR": 0.8, "endotoxin_eu_per_ml": 0.2}


def typed(din: str) -> str:
    return din + K[din]


PASSWORD = "correct-horse-battery"  # tests/web/conftest.py's, re-entered to sign


def colleague(user):
    """Return a second lab member at the user's first site: the second person who signs."""
    from orthoregen.web.accounts.models import User

    other, made = User.objects.get_or_create(
        username=f"{user.username}_second", defaults={"role": user.role, "first_name": "Second",
                                                      "last_name": "Signer"})
    if made:
        other.set_password(PASSWORD)
        other.save()
        other.sites.set(user.sites.all())
    return other


def release(unit, by, *, conditional=False, reason=""):
    """Release a unit as the lab does: a colleague verifies its QC results, `by` signs the
    release and, where the site wants a second person, the colleague signs too."""
    second = colleague(by)
    if services.signoffs.unverified_results(unit):
        services.qc_panel_verify(unit, by=second, password=PASSWORD)
    signed = services.unit_release(unit, by=by, password=PASSWORD, conditional=conditional,
                                   reason=reason)
    if signed.event is None:
        signed = services.unit_release_countersign(unit, by=second, password=PASSWORD)
    unit.refresh_from_db()
    return signed


def determine(donor, by, step, outcome="", reason=""):
    """Sign one eligibility step of a donor."""
    return services.donor_determine(donor, by=by, password=PASSWORD, step=step,
                                    outcome=outcome, reason=reason)


RECOVERED = dt.date(2026, 1, 5)  # outside the West Nile season: WNV NAT is not required


def record_panel(donor, by, *, on=RECOVERED, reactive=()):
    """Record the whole required panel of an allogeneic donor, non-reactive unless named."""
    for analyte in ("anti_hiv_1_2", "hiv1_nat", "hbsag", "anti_hbc", "hbv_nat", "anti_hcv",
                    "hcv_nat", "syphilis", "htlv_1_2", "cmv"):
        services.donor_test_record(donor, by=by, analyte=analyte, specimen_date=on,
                                   result="reactive" if analyte in reactive else "non_reactive")


@pytest.fixture
def donor_a(site_a, lab_a):
    donor = Donor.objects.create(site=site_a, code="D-001", donor_type="umbilical_cord",
                                 tested_person="Birth mother", recovered_on=RECOVERED)
    record_panel(donor, lab_a)
    for step, outcome in (("complete_screening", ""), ("determine", "eligible")):
        determine(donor, lab_a, step, outcome)
    donor.refresh_from_db()
    return donor


@pytest.fixture
def donor_b(site_b):
    return Donor.objects.create(site=site_b, code="D-B01", donor_type="umbilical_cord",
                                eligibility="eligible")


def receive(site, by, din, donor=None, harvest=None, *, product="umbilical_cord_msc",
            expires_in=dt.timedelta(days=30), cryo=False, **extra):
    now = timezone.now()
    return services.unit_receive(
        site=site, by=by, identifier_text=typed(din) if len(din) == 13 else din,
        product_class=product, donor=donor, harvest=harvest,
        collected_at=now - dt.timedelta(days=2), expires_at=now + expires_in,
        storage="LN2 vapour" if cryo else "2-8 °C", is_cryopreserved=cryo,
        max_post_thaw_hold_minutes=60 if cryo else None, cell_count=50e6, viability_pct=91.0,
        volume_ml=5.0, concentration_per_ml=10e6, **extra)


def pass_qc(unit, by, *, sterility="negative", mycoplasma=True):
    for test, value in NUMBERS.items():
        services.qc_record(unit, by=by, test=test, value=value)
    services.qc_record(unit, by=by, test="gram_stain", outcome="negative")
    if mycoplasma:
        services.qc_record(unit, by=by, test="mycoplasma", outcome="negative")
    services.qc_record(unit, by=by, test="sterility", outcome=sterility)
    unit.refresh_from_db()
    return unit


@pytest.fixture
def released_unit(site_a, lab_a, donor_a):
    unit = pass_qc(receive(site_a, lab_a, DIN_A, donor_a), lab_a)
    release(unit, lab_a)
    return unit


@pytest.fixture
def knee_a(patient_a):
    return patient_a.episodes.get()


@pytest.fixture
def issued_unit(released_unit, knee_a, lab_a):
    services.unit_issue(released_unit, knee_a, by=lab_a)
    released_unit.refresh_from_db()
    return released_unit


def clear_for_procedure(episode, clinician, on: dt.date | None = None):
    """Record consent and an agreed suitable decision through the consultation models."""
    on = on or timezone.localdate() - dt.timedelta(days=3)
    site = episode.patient.site
    ConsentRecord.objects.create(
        episode=episode, document=consent_document_seed(site), consented_on=on,
        consenting_person=str(episode.patient), taken_by=clinician,
        elements_confirmed=sorted(e.value for e in ConsentElement))
    CandidacyDecision.objects.create(
        episode=episode, protocol=protocol_current(site), kind="agree", outcome="suitable",
        assessed_on=on, decided_on=on, decided_by=clinician)


@pytest.fixture
def cleared_knee(knee_a, clinician_a):
    clear_for_procedure(knee_a, clinician_a)
    return knee_a


@pytest.fixture
def session(cleared_knee, clinician_a, patient_a):
    """A started session on the cleared knee, with time-out and injectate volume."""
    procedure = procedures.procedure_start(patient_a, [cleared_knee], by=clinician_a,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician_a, injectate_volume_ml=3.0,
                     approach="superolateral", needle_gauge=21)
    pj.refresh_from_db()
    return pj


@pytest.fixture
def harvest_a(patient_a, clinician_a, knee_a):
    return Harvest.objects.create(patient=patient_a, episode=knee_a, source="bone_marrow",
                                  body_site="Posterior iliac crest", side="right", volume_ml=60,
                                  operator=clinician_a, harvested_at=timezone.now())



def make_patient_with_knee(site, mrn, family):
    """Return the left-knee episode of a new patient (same shape as the shared patient_a)."""
    from orthoregen.web.clinic.models import JointEpisode, Patient

    patient = Patient.objects.create(site=site, mrn=mrn, family_name=family, given_name="Bo",
                                     date_of_birth=dt.date(1958, 1, 9), sex="male")
    return JointEpisode.objects.create(patient=patient, joint="knee", side="left",
                                       diagnosis_code="M17.12",
                                       grade_scale="kellgren_lawrence", grade=2)


def administer(unit, episode, lab, clinician, kit):
    """Issue a unit to a cleared episode and give it through the bedside check."""
    services.unit_issue(unit, episode, by=lab)
    kit.clear_for_procedure(episode, clinician)
    patient = episode.patient
    procedure = procedures.procedure_start(patient, [episode], by=clinician,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician, injectate_volume_ml=2.0)
    return procedures.administration_record(
        pj, by=clinician, scanned_identifier=unit.identified_as,
        name=f"{patient.given_name} {patient.family_name}", date_of_birth=patient.date_of_birth,
        joint=episode.joint, side=episode.side)


@pytest.fixture
def given(site_a, lab_a, clinician_a, donor_a, patient_a, kit):
    """A lot released pending sterility, divided in two, each half given to another patient."""
    clinician_a.email = "clinician.a@clinic-a.test"
    clinician_a.save()
    lot = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_A, donor_a), lab_a, sterility="pending")
    kit.release(lot, lab_a, conditional=True, reason="fresh product, injected today")
    halves = services.unit_split(lot, by=lab_a, volumes_ml=[2.5, 2.5])
    episodes = [patient_a.episodes.get(), kit.make_patient_with_knee(site_a, "A-0002", "Bunting")]
    administrations = [administer(half, episode, lab_a, clinician_a, kit)
                       for half, episode in zip(halves, episodes, strict=True)]
    lot.refresh_from_db()
    return types.SimpleNamespace(lot=lot, halves=halves, episodes=episodes,
                                 administrations=administrations)


@pytest.fixture
def kit():
    """The helpers above for test bodies (test modules cannot import conftest under importlib)."""
    return types.SimpleNamespace(
        DIN_A=DIN_A, DIN_B=DIN_B, DIN_C=DIN_C, DIN_D=DIN_D, DIN_E=DIN_E, K=K, typed=typed,
        receive=receive, pass_qc=pass_qc, clear_for_procedure=clear_for_procedure,
        make_patient_with_knee=make_patient_with_knee, record_panel=record_panel,
        RECOVERED=RECOVERED, PASSWORD=PASSWORD, colleague=colleague, release=release,
        determine=determine)
