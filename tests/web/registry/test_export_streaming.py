"""Registry exports streamed from SQL: the same files as the pandas writer they replaced.

`export_before` is the export as it was written before it streamed from SQL (one pandas
frame per 5,000 joints, de-identified by `Deidentifier.table`), kept here as the reference:
on a registry of two sites the new files must equal its files byte for byte (CSV) and
value for value with the same schema (Parquet), under the same pseudonym key.
"""

import argparse
import csv
import datetime as dt
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import commands, data, export, services
from orthoregen.web.registry.deidentify import Deidentifier
from orthoregen.web.registry.models import EpisodeFact, ScoreFact

pytestmark = pytest.mark.django_db

KEY = bytes(range(32))  # a fixed pseudonym key, so two exports can be compared
AS_OF = dt.date(2026, 11, 1)


def _typed(chunk: pd.DataFrame) -> pd.DataFrame:
    out = chunk.copy()
    for column in out.columns:
        if column in ("value", "dose_cells"):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif column in ("grade", "days_from_treatment", "age_at_treatment", "patient_id",
                        "episode_id"):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        else:
            out[column] = out[column].astype("string")
    return out


def export_before(episodes, fmt: str, *, deidentified: bool) -> bytes:
    """The export before it streamed from SQL (reference implementation, unchanged)."""
    ids = list(episodes.order_by("pk").values_list("pk", flat=True))
    scrub = Deidentifier.for_one_export() if deidentified else None
    chunks = []
    for start in range(0, len(ids), 5000):
        chunk = EpisodeFact.objects.filter(pk__in=ids[start:start + 5000])
        frames = data.RegistryFrames(
            episodes=data.episodes_frame(chunk), scores=data.scores_frame(chunk),
            visits=pd.DataFrame(), injections=pd.DataFrame(), adverse_events=pd.DataFrame())
        table = data.tidy_scores(frames)
        chunks.append(scrub.table(table) if scrub else table[export.ANALYSIS_COLUMNS])
    out = io.BytesIO()
    if fmt == "csv":
        for i, frame in enumerate(chunks):
            out.write(frame.to_csv(index=False, header=i == 0, lineterminator="\n").encode())
        return out.getvalue()
    writer = None
    for frame in chunks:
        table = pa.Table.from_pandas(_typed(frame), preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        else:
            table = table.cast(writer.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    return out.getvalue()


def export_now(episodes, fmt: str, *, deidentified: bool, progress=None) -> bytes:
    out = io.BytesIO()
    export.write_export(episodes, fmt, out, deidentified=deidentified, progress=progress)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fixed_key(monkeypatch):
    monkeypatch.setattr(Deidentifier, "for_one_export", classmethod(lambda cls: cls(KEY)))


def _patient(site, mrn: str, born: dt.date, sex: str = "female") -> Patient:
    return Patient.objects.create(site=site, mrn=mrn, family_name=f"Family{mrn}",
                                  given_name="Sam", date_of_birth=born, sex=sex)


def _joint(patient: Patient, joint: str, side: str, grade: int | None = 3) -> JointEpisode:
    return JointEpisode.objects.create(patient=patient, joint=joint, side=side,
                                       diagnosis_code="M17.12",
                                       grade_scale="kellgren_lawrence", grade=grade)


@pytest.fixture
def two_sites(site_a, site_b, frames_for):
    """Site A: three patients, four joints (the first patient's hip recorded after the second
    patient's knee, so patient order and joint id order differ); site B: two patients.
    Then the values a CSV writer can get wrong: text with a comma, quotes and a line break,
    empty text, a blank time point, modes, two scores of one subscale on one day, and
    floats that print differently in SQL and Python (6.0, -0.0, 1e-05, 1e+16, 0.1 + 0.2)."""
    first = _patient(site_a, "A1", dt.date(1931, 2, 14))  # 94 on 2 Jun 2025: "90+"
    second = _patient(site_a, "A2", dt.date(1962, 11, 30), sex="male")  # 62
    a_joints = [_joint(first, "knee", "right"), _joint(second, "knee", "left"),
                _joint(first, "hip", "left", grade=2)]
    third = _patient(site_a, "A3", dt.date(1970, 1, 1))
    a_joints.append(_joint(third, "knee", "left", grade=4))
    b_joints = [_joint(_patient(site_b, f"B{i}", dt.date(1950 + i, 3, 3)), "knee", "right")
                for i in range(2)]
    services.facts_replace(JointEpisode.objects.filter(patient__site=site_a),
                           frames_for(a_joints), as_of=AS_OF)
    services.facts_replace(JointEpisode.objects.filter(patient__site=site_b),
                           frames_for(b_joints, seed=2), as_of=AS_OF)
    facts = EpisodeFact.objects
    facts.filter(pk=a_joints[1].pk).update(protocol_version='v1, "draft"\nB', cell_source="",
                                           dose_cells=12345678.9)
    facts.filter(pk=a_joints[2].pk).update(dose_cells=1e16)
    facts.filter(pk=a_joints[3].pk).update(dose_cells=1e15)
    scores = ScoreFact.objects.filter(episode_id=a_joints[0].pk, instrument="nrs_pain")
    oddities = [-0.0, 1e-05, 1e16, 0.1 + 0.2]  # baseline, 3, 6 and 12 months
    for score, value in zip(scores.order_by("completed_on"), oddities, strict=True):
        ScoreFact.objects.filter(pk=score.pk).update(value=value)
    ScoreFact.objects.filter(episode_id=a_joints[1].pk, timepoint="month_3").update(
        timepoint="", mode="paper")
    ScoreFact.objects.filter(episode_id=a_joints[3].pk).update(mode="portal")
    # The 3-month NRS pain of the third joint moved onto its baseline day: a tie on every
    # sort key but the score's id.
    baseline = ScoreFact.objects.get(episode_id=a_joints[3].pk, instrument="nrs_pain",
                                     timepoint="baseline")
    ScoreFact.objects.filter(episode_id=a_joints[3].pk, instrument="nrs_pain",
                             timepoint="month_3").update(completed_on=baseline.completed_on)
    return {"a": a_joints, "b": b_joints}


@pytest.mark.parametrize("deidentified", [False, True])
def test_csv_equals_the_pandas_export_byte_for_byte(two_sites, deidentified):
    everything = EpisodeFact.objects.all()
    before = export_before(everything, "csv", deidentified=deidentified)
    now = export_now(everything, "csv", deidentified=deidentified)
    assert now == before
    # And what it says, derived by hand: 6 joints x 4 visits x 5 scores, header first.
    lines = now.decode().split("\n")
    assert len(pd.read_csv(io.BytesIO(now))) == 6 * 4 * 5
    assert b'"v1, ""draft""\nB"' in now
    assert ",1e-05," in now.decode() and ",0.30000000000000004," in now.decode()
    assert ",1e+16," in now.decode() and ",1000000000000000.0," in now.decode()
    first_row = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert first_row["site"] == "site-a" and first_row["joint"] == "knee"
    assert first_row.get("age_group", first_row.get("age_at_treatment")) in ("90+", "94")


@pytest.mark.parametrize("deidentified", [False, True])
def test_parquet_equals_the_pandas_export(two_sites, deidentified):
    everything = EpisodeFact.objects.all()
    before = pq.read_table(io.BytesIO(export_before(everything, "parquet",
                                                    deidentified=deidentified)))
    now = pq.read_table(io.BytesIO(export_now(everything, "parquet",
                                              deidentified=deidentified)))
    assert now.schema.equals(before.schema, check_metadata=True)
    assert now.equals(before)
    assert now.num_rows == 120
    # pandas reads back the same dtypes as before (nullable integers, strings).
    frame = now.to_pandas()
    assert str(frame["days_from_treatment"].dtype) == "Int64"
    assert frame["timepoint"].isna().sum() == 5  # the one visit moved out of its window
    assert (frame["cell_source"] == "").sum() == 20  # empty text stays empty, not missing


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_one_sites_export_holds_only_its_rows(two_sites, site_a, fmt):
    mine = EpisodeFact.objects.filter(site=site_a)
    body = export_now(mine, fmt, deidentified=False)
    table = pd.read_csv(io.BytesIO(body)) if fmt == "csv" else pd.read_parquet(io.BytesIO(body))
    assert set(table["site"]) == {"site-a"}
    assert set(table["episode_id"]) == {j.pk for j in two_sites["a"]}
    assert len(table) == 4 * 4 * 5
    assert body == export_before(mine, fmt, deidentified=False) or fmt == "parquet"


def test_missing_whole_numbers_print_as_whole_numbers(two_sites):
    # The pandas writer printed a whole-number column as 3.0 throughout a chunk of 5,000
    # joints when one joint in it had no grade (a float column); now a grade is 3 always.
    EpisodeFact.objects.filter(pk=two_sites["a"][0].pk).update(grade=None,
                                                               age_at_treatment=None,
                                                               first_treated_on=None)
    everything = EpisodeFact.objects.all()
    for deidentified in (False, True):
        before = pd.read_csv(io.BytesIO(export_before(everything, "csv",
                                                      deidentified=deidentified)))
        body = export_now(everything, "csv", deidentified=deidentified)
        now = pd.read_csv(io.BytesIO(body))
        pd.testing.assert_frame_equal(now, before, check_dtype=False)
        assert now["grade"].isna().sum() == 20 and now["days_from_treatment"].isna().sum() == 20
        grades = {row["grade"] for row in csv.DictReader(io.StringIO(body.decode()))}
        assert grades == {"", "2", "3", "4"}
    table = pq.read_table(io.BytesIO(export_now(everything, "parquet", deidentified=True)))
    before_table = pq.read_table(io.BytesIO(export_before(everything, "parquet",
                                                          deidentified=True)))
    assert table.equals(before_table)
    assert table.column("age_group").to_pylist().count("") == 20  # unknown age: blank


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_export_streams_in_chunks(two_sites, monkeypatch, fmt):
    monkeypatch.setattr(export, "CHUNK_ROWS", 3)
    one_joint = EpisodeFact.objects.filter(pk=two_sites["b"][0].pk)  # 20 rows
    seen = []
    body = export_now(one_joint, fmt, deidentified=True,
                      progress=lambda written, expected: seen.append(written))
    assert seen == [0, 3, 6, 9, 12, 15, 18, 20]
    if fmt == "parquet":
        groups = pq.ParquetFile(io.BytesIO(body)).metadata
        assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [
            3, 3, 3, 3, 3, 3, 2]
    assert body == export_before(one_joint, fmt, deidentified=True) or fmt == "parquet"


def test_an_export_of_nothing_has_a_header_and_a_schema():
    body = export_now(EpisodeFact.objects.none(), "csv", deidentified=True)
    assert body.decode().startswith("patient,joint_episode,site,") and body.count(b"\n") == 1
    table = pq.read_table(io.BytesIO(export_now(EpisodeFact.objects.all(), "parquet",
                                                deidentified=False)))
    assert table.num_rows == 0 and table.column_names == export.ANALYSIS_COLUMNS


class FullDisk(io.BytesIO):
    def write(self, data):
        if self.tell() > 100:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_failed_write_leaves_the_connection_usable(two_sites, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 5)
    with pytest.raises(OSError, match="No space"):
        export.write_export(EpisodeFact.objects.all(), "csv", FullDisk(), deidentified=True)
    assert EpisodeFact.objects.count() == 6
    with connection.cursor() as cursor:  # no scope table is left behind
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE "
                           "'orthoregen_export_%%'")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE "
                           "'orthoregen_export_%%'")
        assert cursor.fetchone()[0] == 0


def _run_command(tmp_path, **options):
    args = argparse.Namespace(format="csv", deidentified=True, out=str(tmp_path / "r.csv"),
                              site="site-a", quiet=False)
    for name, value in options.items():
        setattr(args, name, value)
    return commands.export(args)


def test_command_shows_progress_in_a_terminal_and_not_with_quiet(tmp_path, two_sites,
                                                                 monkeypatch, capsys):
    from rich.console import Console

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    assert _run_command(tmp_path) == 0
    shown = capsys.readouterr()
    assert "exporting" in shown.err and "Wrote 80 rows" in shown.out
    assert _run_command(tmp_path, quiet=True) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and "Wrote 80 rows" in quiet.out


def test_command_shows_no_progress_when_not_in_a_terminal(tmp_path, two_sites, capsys):
    assert _run_command(tmp_path) == 0
    assert capsys.readouterr().err == ""
    assert len(pd.read_csv(tmp_path / "r.csv")) == 80
