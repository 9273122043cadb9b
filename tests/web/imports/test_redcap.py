"""REDCap: export a synthetic cohort, import it into an empty site, get the same responses."""

import csv
import datetime as dt

import pytest

from orthoregen.web.accounts.models import InstrumentLicence, Site
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.imports.redcap import (
    DICTIONARY_HEADER,
    TIMEPOINTS,
    RedcapError,
    event_name,
    export_project,
    import_records,
)
from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

AS_OF = dt.date(2026, 6, 30)


def read(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def cohort(db):
    site = synthetic_site("syn-rc", "Synthetic REDCap")
    synth_load(site, 12, seed=3, as_of=AS_OF,
               stages=("consultation", "cellbank", "procedures", "followup"))
    return site


def first_responses(site):
    """The response per joint, time point and instrument that an export carries."""
    chosen = {}
    for r in QuestionnaireResponse.objects.filter(
            episode__patient__site=site, timepoint__in=TIMEPOINTS).order_by(
            "episode_id", "timepoint", "instrument_id", "completed_on", "id"):
        chosen.setdefault((r.episode.patient.mrn, r.episode.joint, r.episode.side, r.timepoint,
                           r.instrument_id), r)
    return chosen


def test_an_export_round_trips_into_an_empty_site(cohort, site_b, admin_a, tmp_path):
    admin_a.sites.set([site_b])
    written = export_project([cohort], tmp_path)
    assert written["orthoregen_records.csv"] > 0
    dictionary = read(tmp_path / "orthoregen_DataDictionary.csv")
    assert list(dictionary[0]) == DICTIONARY_HEADER
    assert dictionary[0]["Variable / Field Name"] == "record_id"  # REDCap's first field
    mapping = read(tmp_path / "orthoregen_InstrumentDesignations.csv")
    assert {"arm_num", "unique_event_name", "form"} == set(mapping[0])
    events = {row["unique_event_name"] for row in mapping}
    assert events == {event_name(t) for t in TIMEPOINTS} & events
    original = first_responses(cohort)
    assert len(original) > 20

    reports = import_records(tmp_path / "orthoregen_records.csv",
                             dictionary=tmp_path / "orthoregen_DataDictionary.csv",
                             mapping=None, site=site_b, by=admin_a)
    assert all(r.ok and r.saved for r in reports), [r.problems[:5] for r in reports]
    assert Patient.objects.filter(site=site_b).count() == Patient.objects.filter(
        site=cohort).count()
    assert JointEpisode.objects.filter(patient__site=site_b).count() == \
        JointEpisode.objects.filter(patient__site=cohort).count()
    imported = first_responses(site_b)
    assert imported.keys() == original.keys()
    for key, before in original.items():
        after = imported[key]
        assert after.completed_on == before.completed_on
        given = {k: v for k, v in before.answers.items() if v is not None}
        assert {k: v for k, v in after.answers.items() if v is not None} == pytest.approx(given)
        assert after.scores.keys() == before.scores.keys()
        for name, value in before.scores.items():
            assert after.scores[name] == pytest.approx(value, abs=1e-9)

    # Idempotent: the same export again stores nothing twice.
    count = QuestionnaireResponse.objects.count()
    again = import_records(tmp_path / "orthoregen_records.csv",
                           dictionary=tmp_path / "orthoregen_DataDictionary.csv",
                           mapping=None, site=site_b, by=admin_a)
    assert all(r.created == 0 for r in again)
    assert QuestionnaireResponse.objects.count() == count


def test_a_mapping_file_renames_fields_and_a_dry_run_writes_nothing(cohort, site_b, admin_a,
                                                                     tmp_path):
    admin_a.sites.set([site_b])
    export_project([cohort], tmp_path)
    records = read(tmp_path / "orthoregen_records.csv")
    # A project whose MRN field is called hospital_number.
    renamed = tmp_path / "renamed.csv"
    with renamed.open("w", newline="") as handle:
        names = ["hospital_number" if n == "mrn" else n for n in records[0]]
        writer = csv.DictWriter(handle, names)
        writer.writeheader()
        for row in records:
            row["hospital_number"] = row.pop("mrn")
            writer.writerow(row)
    dictionary = tmp_path / "dict.csv"
    rows = read(tmp_path / "orthoregen_DataDictionary.csv")
    for row in rows:
        if row["Variable / Field Name"] == "mrn":
            row["Variable / Field Name"] = "hospital_number"
    with dictionary.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, DICTIONARY_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    from orthoregen.web.imports.redcap import default_mapping

    mapping = tmp_path / "map.csv"
    with mapping.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["redcap", "orthoregen"])
        for field, target in default_mapping().items():
            writer.writerow(["hospital_number" if field == "mrn" else field, target])
    before = QuestionnaireResponse.objects.count()
    dry = import_records(renamed, dictionary=dictionary, mapping=mapping, site=site_b,
                         by=admin_a, dry_run=True)
    assert all(r.ok and not r.saved for r in dry) and dry[-1].created > 0
    assert QuestionnaireResponse.objects.count() == before
    assert not Patient.objects.filter(site=site_b).exists()
    with pytest.raises(RedcapError, match="not in the data dictionary"):
        import_records(renamed, dictionary=tmp_path / "orthoregen_DataDictionary.csv",
                       mapping=mapping, site=site_b, by=admin_a)


def test_wording_of_a_licensed_instrument_needs_the_sites_licence(cohort, tmp_path):
    export_project([cohort], tmp_path)
    labels = {row["Variable / Field Name"]: row["Field Label"]
              for row in read(tmp_path / "orthoregen_DataDictionary.csv")}
    koos_fields = [name for name in labels if name.startswith("koos_p")]
    if not koos_fields:
        pytest.skip("the synthetic cohort has no KOOS")
    # No licence: the label is the item id and topic, not the questionnaire's wording.
    assert labels["koos_p1"].startswith("KOOS") or "P1" in labels["koos_p1"]
    assert not InstrumentLicence.objects.filter(site=cohort).exists()


def test_other_site_records_are_not_exported(cohort, site_a, tmp_path, patient_a):
    export_project([Site.objects.get(code="site-a")], tmp_path)
    records = read(tmp_path / "orthoregen_records.csv")
    assert {row["record_id"].split("-")[0] for row in records} <= {"site"}
    assert all(row["mrn"] in ("", "A-0001") for row in records)
