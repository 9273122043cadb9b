"""Registry exports: long format, both file formats, de-identification, access and audit."""

import argparse
import datetime as dt
import getpass
import io

import pandas as pd
import pytest
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import commands
from orthoregen.web.registry.deidentify import age_group

pytestmark = pytest.mark.django_db

# Patients with known direct identifiers; none of these strings may leave in a
# de-identified export. Birth dates make two of them 90+ at the injection in 2025.
KNOWN = [
    ("ZZ-MRN-918273", "Quillfeather", "Aurelia", dt.date(1931, 2, 14), "aurelia.q@example.net",
     "+44 7700 900123", "12 Larkspur Row, Bath"),
    ("ZZ-MRN-564738", "Thistlewood", "Barnaby", dt.date(1962, 11, 30), "b.thistle@example.com",
     "+44 7700 900456", "3 Heron Quay, Leeds"),
    ("ZZ-MRN-112233", "Oakenshaw", "Cordelia", dt.date(1934, 7, 4), "cordelia@example.org",
     "+44 7700 900789", "Flat 9, Mill Lane, York"),
]


@pytest.fixture
def identified_patients(site_a, frames_for):
    from orthoregen.web.registry import services

    patients = [Patient.objects.create(site=site_a, mrn=mrn, family_name=family,
                                       given_name=given, date_of_birth=born, sex="female",
                                       email=email, phone=phone, address=address)
                for mrn, family, given, born, email, phone, address in KNOWN]
    episodes = [JointEpisode.objects.create(patient=p, joint="knee", side="right",
                                            diagnosis_code="M17.11",
                                            grade_scale="kellgren_lawrence", grade=3)
                for p in patients]
    services.facts_replace(JointEpisode.objects.filter(patient__site=site_a),
                           frames_for(episodes), as_of=dt.date(2026, 11, 1))
    return patients


def forbidden_strings(patients) -> list[str]:
    out = []
    for p in patients:
        born = p.date_of_birth
        out += [p.mrn, p.family_name, p.given_name, p.email, p.phone, p.address,
                born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%Y%m%d"),
                f"{p.pk}"]
        treated = dt.date(2025, 6, 2)  # frames_for's injection date: no dates may leave
        out += [treated.isoformat(), "2025-05-26"]  # and the baseline questionnaire's
    return out


def export_post(client, **fields):
    return client.post(reverse("registry:export"), {"format": "csv", "site": "", "joint": "",
                                                   **fields})


def test_deidentified_csv_contains_no_direct_identifier(as_user, analyst_a, identified_patients):
    response = export_post(as_user(analyst_a), deidentified="on")
    assert response.status_code == 200
    body = response.getvalue()
    table = pd.read_csv(io.BytesIO(body))
    assert len(table) == 3 * 4 * 5  # 3 joints x 4 visits x (NRS pain + 4 WOMAC subscales)
    for text in forbidden_strings(identified_patients):
        if text.isdigit():  # record ids: no column may hold them as a value
            assert text not in set(table["patient"].astype(str)) | set(
                table["joint_episode"].astype(str))
        else:
            assert text.encode() not in body, text
    # Ages on 2 Jun 2025: 94, 62 (born 30 Nov 1962) and 90 (born 4 Jul 1934).
    assert sorted(table.groupby("patient")["age_group"].first()) == ["62", "90+", "90+"]
    assert "completed_on" not in table and "patient_id" not in table
    assert table["patient"].nunique() == 3 and table["patient"].str.len().eq(16).all()


def test_deidentified_parquet_contains_no_direct_identifier(as_user, analyst_a,
                                                            identified_patients):
    response = export_post(as_user(analyst_a), format="parquet", deidentified="on")
    body = response.getvalue()
    assert body[:4] == b"PAR1"
    for text in forbidden_strings(identified_patients):
        if not text.isdigit():
            assert text.encode() not in body, text
    table = pd.read_parquet(io.BytesIO(body))
    assert set(table["timepoint"]) == {"baseline", "month_3", "month_6", "month_12"}
    assert table["days_from_treatment"].min() == -7


def test_pseudonyms_change_with_every_export(as_user, analyst_a, identified_patients):
    client = as_user(analyst_a)
    first = pd.read_csv(io.BytesIO(export_post(client, deidentified="on").getvalue()))
    second = pd.read_csv(io.BytesIO(export_post(client, deidentified="on").getvalue()))
    assert not set(first["patient"]) & set(second["patient"])


def test_analysis_export_is_long_format_and_audited(as_user, analyst_a, identified_patients):
    response = export_post(as_user(analyst_a))
    table = pd.read_csv(io.BytesIO(response.getvalue()))
    assert list(table.columns[:3]) == ["patient_id", "episode_id", "site"]
    assert not table.duplicated(["episode_id", "timepoint", "instrument", "subscale"]).any()
    assert b"Quillfeather" not in response.getvalue()
    record = AccessRecord.objects.get(action=AccessAction.EXPORT)
    assert record.user == analyst_a and "analysis csv: 60 rows" in record.detail


@pytest.mark.parametrize("user", ["clinician_a", "coordinator_a", "admin_a"])
def test_only_analysts_may_export(request, as_user, user, identified_patients):
    response = export_post(as_user(request.getfixturevalue(user)))
    assert response.status_code == 403
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_export_refuses_another_sites_id(as_user, analyst_a, site_b, identified_patients):
    response = export_post(as_user(analyst_a), site=str(site_b.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.getvalue().decode()
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_anonymous_export_goes_to_login(client):
    response = client.get(reverse("registry:export"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("age", "group"), [(89, "89"), (90, "90+"), (104, "90+"), (40, "40")])
def test_ages_above_89_are_grouped(age, group):
    # HIPAA Safe Harbor 45 CFR 164.514(b)(2)(i)(C): ages over 89 aggregated as 90 or older.
    assert age_group(pd.Series([age])).iloc[0] == group


def test_command_writes_a_deidentified_parquet_with_an_audit_record(tmp_path,
                                                                    identified_patients):
    out = tmp_path / "registry.parquet"
    args = argparse.Namespace(format="parquet", deidentified=True, out=str(out), site="site-a")
    assert commands.export(args) == 0
    body = out.read_bytes()
    assert b"Quillfeather" not in body and b"ZZ-MRN" not in body
    assert len(pd.read_parquet(out)) == 60
    record = AccessRecord.objects.get(action=AccessAction.EXPORT,
                                      detail__contains="de-identified parquet")
    # The site's administrators see it within their site, and it names who ran it.
    assert record.site.code == "site-a" and f"by {getpass.getuser()}" in record.detail


def test_command_export_of_every_site_leaves_a_record_in_each(tmp_path, site_b,
                                                              identified_patients):
    args = argparse.Namespace(format="csv", deidentified=False, out=str(tmp_path / "all.csv"),
                              site=None)
    assert commands.export(args) == 0
    sites = set(AccessRecord.objects.filter(action=AccessAction.EXPORT)
                .values_list("site__code", flat=True))
    assert sites == {"site-a", "site-b"}


def test_refresh_command_rebuilds_a_sites_facts_from_the_records(site_a, patient_a, capsys):
    # The autouse fixture makes the pathway records unavailable: the refresh must then keep
    # the facts it has rather than empty them.
    from orthoregen.web.registry.models import EpisodeFact

    EpisodeFact.objects.create(episode=patient_a.episodes.get(), patient=patient_a, site=site_a,
                               joint="knee", side="left", grade_scale="kellgren_lawrence",
                               sex="female")
    args = argparse.Namespace(site="site-a", as_of=dt.date(2026, 11, 1))
    assert commands.refresh(args) == 0
    assert "Site site-a: 0 scores" in capsys.readouterr().out
    assert EpisodeFact.objects.count() == 1
    assert commands.refresh(argparse.Namespace(site="nowhere", as_of=None)) == 2
