"""The C-STORE SCP receives a study from pynetdicom's own storescu and files it on its visit."""

import socket
import subprocess
import sys
import time

import pytest
from pydicom import dcmread
from tests.web.imaging.conftest import mr_images

from orthoregen.web.followup.models import VisitState
from orthoregen.web.imaging import scp, services
from orthoregen.web.imaging.models import MriStudy, ReceivedVia, SiteImagingSettings

# storescu proposes one context per SOP class, which the SCP accepts in one little-endian
# transfer syntax: a big-endian file would need a context of its own.
LITTLE_ENDIAN_MR = ("MR_small.dcm", "MR_small_implicit.dcm")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def storescu(port: int, *paths, calling="MODALITY1") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pynetdicom", "storescu", "127.0.0.1",
                           str(port), *map(str, paths), "-aet", calling, "-aec", "ORTHOREGEN",
                           "-r"], capture_output=True, text=True, timeout=120)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def listening(db):
    servers = []

    def start(site):
        port = free_port()
        server, receiver = scp.start(port=port, ae_title="ORTHOREGEN", site=site)
        servers.append(server)
        return port, receiver

    yield start
    for server in servers:
        server.shutdown()


@pytest.mark.django_db(transaction=True)
def test_a_study_sent_by_storescu_appears_on_the_right_visit_de_identified(
        tmp_path, site_a, mri_visit_a, listening):
    SiteImagingSettings.objects.create(site=site_a, keep_files=True)
    port, receiver = listening(site_a)
    folder = mr_images(tmp_path / "study", series=2, per_series=2, sources=LITTLE_ENDIAN_MR)
    sent = storescu(port, folder)
    assert sent.returncode == 0 and "Store failed" not in sent.stderr, sent.stderr
    assert wait_for(lambda: receiver.outcomes), "the SCP ingested nothing"
    [outcome] = receiver.outcomes
    assert outcome.created, outcome.refused
    study = MriStudy.objects.get()
    assert study.visit_id == mri_visit_a.pk and study.instances == 4
    assert study.received_via == ReceivedVia.NETWORK and study.received_from == "AE MODALITY1"
    mri_visit_a.refresh_from_db()
    assert mri_visit_a.status == VisitState.COMPLETED
    stored = [dcmread(p) for p in services.stored_files(study)]
    assert len(stored) == 4
    assert all(ds.PatientIdentityRemoved == "YES" and ds.PatientID.startswith("ORG-")
               and ds.PatientBirthDate == "" and not any(e.tag.is_private for e in ds)
               for ds in stored)
    # Sent again: the same study, nothing new.
    assert storescu(port, folder).returncode == 0
    assert wait_for(lambda: len(receiver.outcomes) == 2)
    assert not receiver.outcomes[1].created and MriStudy.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_study_of_an_unknown_patient_sent_by_storescu_is_refused_and_not_stored(
        tmp_path, site_a, mri_visit_a, listening):
    SiteImagingSettings.objects.create(site=site_a, keep_files=True)
    port, receiver = listening(site_a)
    assert storescu(port, mr_images(tmp_path / "study", PatientID="NOBODY",
                                           sources=LITTLE_ENDIAN_MR)).returncode == 0
    assert wait_for(lambda: receiver.outcomes)
    assert receiver.outcomes[0].refused.startswith("Unknown patient")
    assert not MriStudy.objects.exists()
    assert not list((tmp_path / "data").rglob("*.dcm"))
