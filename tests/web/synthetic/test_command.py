"""`orthoregen synth` writes fake patients only into a demo or test database of synthetic sites.

Each refusal runs the real command line (orthoregen.cli.main) and checks that nothing was
written: no patient, no site, no audit record, no data directory.
"""

import pytest
from django.db import connection

from orthoregen.cli import main
from orthoregen.web.accounts.models import Site
from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import Patient
from orthoregen.web.synthetic.clinic import vacuum_after_load

PRODUCTION_REFUSED = ("orthoregen synth writes fake patients: it runs only with "
                      "ORTHOREGEN_ENV=demo or test")


def nothing_written(*, sites: set[str], patients: set[str]) -> bool:
    return (set(Site.objects.values_list("code", flat=True)) == sites
            and set(Patient.objects.values_list("mrn", flat=True)) == patients
            and not AccessRecord.objects.exists())


@pytest.mark.parametrize("environment", [None, "production", "staging"])
def test_refuses_outside_demo_and_test_environments(environment, monkeypatch, tmp_path, capsys,
                                                    db):
    if environment is None:  # production is the default
        monkeypatch.delenv("ORTHOREGEN_ENV", raising=False)
    else:
        monkeypatch.setenv("ORTHOREGEN_ENV", environment)
    data_dir = tmp_path / "data"
    assert main(["synth", "--patients", "5", "--data-dir", str(data_dir)]) == 2
    assert capsys.readouterr().err.strip() == PRODUCTION_REFUSED
    assert not data_dir.exists()
    assert nothing_written(sites=set(), patients=set())


def test_refuses_a_database_holding_real_patients(patient_b, capsys):
    assert main(["synth", "--patients", "5", "--site", "fresh"]) == 2
    assert "holds patients of sites not marked synthetic" in capsys.readouterr().err
    assert nothing_written(sites={"site-b"}, patients={"B-0001"})


def test_refuses_a_real_site_even_without_patients(site_b, capsys):
    assert main(["synth", "--patients", "5", "--site", "site-b"]) == 2
    assert "site site-b exists and is not marked synthetic" in capsys.readouterr().err
    assert nothing_written(sites={"site-b"}, patients=set())


def test_loads_into_a_new_site_it_marks_synthetic_beside_synthetic_patients(patient_a, capsys):
    assert main(["synth", "--patients", "5", "--site", "fresh", "--as-of", "2026-06-30"]) == 0
    assert "Loaded 5 patients" in capsys.readouterr().out
    site = Site.objects.get(code="fresh")
    assert site.is_synthetic and site.patients.count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_load_leaves_every_stage_table_vacuumed_for_index_only_reads(capsys):
    """Without VACUUM a fresh load's index-only scans visit the table until autovacuum runs."""
    assert main(["synth", "--patients", "5", "--site", "fresh", "--as-of", "2026-06-30"]) == 0
    loaded = ["clinic_patient", "cellbank_productunit", "followup_scheduledvisit",
              "registry_scorefact"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                       "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL", [loaded])
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(loaded)


@pytest.mark.django_db
def test_no_vacuum_inside_a_transaction():
    assert vacuum_after_load() is False
