"""An independent FHIR client (fhirclient, the SMART on FHIR Python client) reads a patient's
observations from the running server, with an API bearer token."""

import datetime as dt

import pytest
from django.utils import timezone
from fhirclient import client as smart_client
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient as FhirPatient

from orthoregen.web.api.tokens import issue_token
from orthoregen.web.clinic.models import JointEpisode, Patient

from .conftest import koos_response


@pytest.mark.django_db(transaction=True)
def test_fhirclient_reads_a_patients_observations(live_server, site_a, clinician_a):
    from tests.web.conftest import make_patient

    patient = make_patient(site_a, "A-0001", "Aardvark")
    koos_response(JointEpisode.objects.get(patient=patient))
    other = make_patient(site_a, "A-0002", "Bunting")
    koos_response(JointEpisode.objects.get(patient=other), key="other-koos")
    issued = issue_token(user=clinician_a, name="fhirclient", scopes=["patients:read",
                                                                      "followup:read"],
                         expires_at=timezone.now() + dt.timedelta(days=1))
    smart = smart_client.FHIRClient(settings={"app_id": "orthoregen-test",
                                              "api_base": f"{live_server.url}/fhir/r4/"})
    smart.server.session.headers["Authorization"] = f"Bearer {issued.secret}"

    read = FhirPatient.read(str(patient.pk), smart.server)
    assert read.name[0].family == "Aardvark"
    search = Observation.where(struct={"patient": str(patient.pk), "_count": "2"})
    observations = list(search.perform_resources_iter(smart.server))  # follows next links
    assert sorted(o.code.coding[0].code for o in observations) == [
        "koos.adl", "koos.pain", "koos.qol", "koos.sport_rec", "koos.symptoms"]
    pain = next(o for o in observations if o.code.coding[0].code == "koos.pain")
    assert pain.valueQuantity.value == pytest.approx(75.0)  # every KOOS item answered 1
    assert {c.code for c in pain.code.coding} >= {"72102-7"}
    assert pain.subject.reference == f"Patient/{patient.pk}"
    assert Patient.objects.count() == 2
