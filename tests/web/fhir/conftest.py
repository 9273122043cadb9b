"""A small synthetic clinic at site A (every pathway stage), for the FHIR server's tests."""

import datetime as dt

import pytest

from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def cohort(db, site_a, clinician_a, coordinator_a, lab_a):
    """Twelve synthetic patients through every stage at site A."""
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 12, seed=41, as_of=AS_OF,
               stages=("cellbank", "procedures", "followup", "safety"))
    _consent(site_a, clinician_a)
    return site_a


def _consent(site, clinician):
    """One recorded and one withdrawn consent (the consultation stage is loaded apart)."""
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.consultation.models import ConsentDocument, ConsentRecord

    document = ConsentDocument.objects.create(site=site, title="Consent to MSC injection",
                                              version="1", text="I agree.", status="published")
    for n, episode in enumerate(JointEpisode.objects.filter(patient__site=site)[:2]):
        ConsentRecord.objects.create(
            episode=episode, document=document, consented_on=dt.date(2024, 1, 10),
            consenting_person="The patient", taken_by=clinician,
            withdrawn_on=dt.date(2024, 2, 1) if n else None)


def koos_response(episode, *, key: str = "fhir-test-koos-1", day=dt.date(2026, 5, 4)):
    """A KOOS response of a joint, every item answered 1, scored by orthoregen.instruments."""
    from orthoregen.instruments import get_instrument, score
    from orthoregen.web.followup.models import QuestionnaireResponse

    answers = {item.id: 1 for item in get_instrument("koos").items}
    result = score("koos", answers)
    return QuestionnaireResponse.objects.create(
        episode=episode, timepoint="baseline", instrument_id="koos",
        instrument_version=result.version, answers=answers,
        scores={s.subscale_id: s.value for s in result.scores}, completed_on=day,
        submitted_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC), source="staff",
        idempotency_key=key)


@pytest.fixture
def scored_patient(patient_a):
    """Site A's patient with one KOOS response on their left knee."""
    koos_response(patient_a.episodes.get())
    return patient_a


def export_folder(tmp_path, **options):
    """Run the command-line export into a folder and return the folder."""
    from orthoregen.cli import main

    out = tmp_path / "export"
    arguments = ["fhir", "export", "--out", str(out)]
    for name, value in options.items():
        arguments += [f"--{name}"] if value is True else [f"--{name}", str(value)]
    assert main(arguments) == 0
    return out


def read_ndjson(folder):
    """{resource type: [resources]} of an export folder."""
    import json

    return {path.stem: [json.loads(line) for line in path.read_text().splitlines()]
            for path in sorted(folder.glob("*.ndjson"))}
