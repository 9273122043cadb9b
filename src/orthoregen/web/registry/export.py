"""Long-format registry exports (CSV, Parquet) for R, Stata and Python, plain or de-identified.

One row per patient-joint-visit-instrument-subscale, ordered by patient, joint episode,
questionnaire date, instrument and subscale. Neither kind carries names, MRNs, dates of
birth, contact details or free text; the de-identified kind also drops dates and record ids
(method: DEIDENTIFICATION.md).

The database does the work and the rows stream to the file, so memory does not grow with
the registry (a 100,000-patient export has about 4.5 million rows):

- The joints in scope go into a temporary table first, with their pseudonyms when the export
  is de-identified (HMAC-SHA256 computed here, by `Deidentifier.pseudonym`: the key never
  leaves this process, so it cannot reach the server's logs).
- One SELECT joins the score, joint and site tables to that table, groups ages and turns
  dates into days (`_select`).
- PostgreSQL, CSV: `COPY (SELECT ...) TO STDOUT (FORMAT csv)` goes to the file row by row
  as it arrives; the SELECT prints every value as the earlier pandas writer did (floats as
  Python prints them, 6.0 not 6; empty text unquoted).
- PostgreSQL, Parquet: the same COPY with raw values, parsed by pyarrow's CSV reader every
  CHUNK_ROWS rows into one Parquet row group.
- SQLite: the same SELECT read CHUNK_ROWS rows at a time (fetchmany), formatted here.

`progress(rows_written, rows_expected)` is called after each chunk; rows_expected is the
planner's estimate on PostgreSQL (a count would cost one more scan) and a count on SQLite.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import secrets
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, BinaryIO

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet

from orthoregen.web.accounts.models import Site
from orthoregen.web.registry.deidentify import (
    DEIDENTIFIED_COLUMNS,
    OLDEST_EXACT_AGE,
    Deidentifier,
)
from orthoregen.web.registry.models import EpisodeFact, ScoreFact

CHUNK_ROWS = 50_000
FORMATS = ("csv", "parquet")
ANALYSIS_COLUMNS = ["patient_id", "episode_id", "site", "joint", "side", "grade_scale", "grade",
                    "sex", "age_at_treatment", "cell_source", "dose_cells", "dose_band",
                    "protocol_version", "timepoint", "days_from_treatment", "instrument",
                    "subscale", "value", "mode"]

Progress = Callable[[int, int], None]
INT, FLOAT, TEXT = "int", "float", "text"
# The columns of one joint, computed once per joint into the export's scope table: their
# SQL over e (EpisodeFact), t (Site) and n (the pseudonyms), and their kind.
JOINT_SQL: dict[str, tuple[str, str]] = {
    "patient": ("n.patient", TEXT),
    "joint_episode": ("n.joint_episode", TEXT),
    "site": ("t.code", TEXT),
    "joint": ("e.joint", TEXT),
    "side": ("e.side", TEXT),
    "grade_scale": ("e.grade_scale", TEXT),
    "grade": ("e.grade", INT),
    "sex": ("e.sex", TEXT),
    "age_at_treatment": ("e.age_at_treatment", INT),
    # deidentify.age_group: unknown ages blank, ages above 89 the one group "90+".
    "age_group": (f"CASE WHEN e.age_at_treatment IS NULL THEN '' "
                  f"WHEN e.age_at_treatment <= {OLDEST_EXACT_AGE} "
                  f"THEN CAST(e.age_at_treatment AS TEXT) ELSE '90+' END", TEXT),
    "cell_source": ("e.cell_source", TEXT),
    "dose_cells": ("e.dose_cells", FLOAT),
    "dose_band": ("e.dose_band", TEXT),
    "protocol_version": ("e.protocol_version", TEXT),
}
# The columns of one score: SQL over s (ScoreFact) and p (the scope table). "{days}" is the
# database's difference of two dates in days.
SCORE_SQL: dict[str, tuple[str, str]] = {
    "patient_id": ("p.patient_id", INT),
    "episode_id": ("p.episode_id", INT),
    # A score outside every visit window has a blank time point, exported as missing.
    "timepoint": ("NULLIF(s.timepoint, '')", TEXT),
    "days_from_treatment": ("{days}", INT),
    "instrument": ("s.instrument", TEXT),
    "subscale": ("s.subscale", TEXT),
    "value": ("s.value", FLOAT),
    "mode": ("s.mode", TEXT),
}
KIND = {name: kind for name, (_, kind) in (JOINT_SQL | SCORE_SQL).items()}
DAYS_SQL = {
    "postgresql": "s.completed_on - p.first_treated_on",
    "sqlite": "CAST(julianday(s.completed_on) - julianday(p.first_treated_on) AS INTEGER)",
}
# Python's repr of a float, in SQL: 6.0 not 6, 1000000000000000.0 not 1e+15, -0.0, inf;
# other values print the same shortest round-trip digits in both (extra_float_digits = 1).
# NaN is written as missing, as pandas did. (A value from 10^15 to 10^16 with a fraction
# would print in exponent form; no score or cell count comes near.)
FLOAT_CSV_SQL = (
    "CASE WHEN {x} IS NULL THEN NULL "
    "WHEN {x} = trunc({x}) AND abs({x}) < 1e16 THEN "
    "CASE WHEN {x} = 0 AND {x}::text = '-0' THEN '-0.0' ELSE trunc({x})::int8::text || '.0' END "
    "WHEN {x} = 'NaN' THEN NULL WHEN {x} = 'Infinity' THEN 'inf' "
    "WHEN {x} = '-Infinity' THEN '-inf' ELSE {x}::text END")
PANDAS_DTYPE = {INT: "Int64", FLOAT: "float64", TEXT: "string"}


def columns_of(*, deidentified: bool) -> list[str]:
    """Return the export's columns in file order."""
    return DEIDENTIFIED_COLUMNS if deidentified else ANALYSIS_COLUMNS


def parquet_schema(columns: Sequence[str]) -> pa.Schema:
    """Return the Parquet schema: whole numbers Int64, other numbers float64, text string,
    with pandas' metadata, so `pandas.read_parquet` gives back those same dtypes."""
    empty = pd.DataFrame({c: pd.Series(dtype=PANDAS_DTYPE[KIND[c]]) for c in columns})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _value(sql: str, kind: str, *, vendor: str, csv_text: bool) -> str:
    """Return a column's SQL as the file wants it: csv_text prints it as the CSV does."""
    if csv_text and kind == FLOAT:
        return FLOAT_CSV_SQL.format(x=sql)
    if csv_text and kind == TEXT:
        return f"NULLIF({sql}, '')"  # COPY quotes an empty text; pandas did not
    if kind == FLOAT and vendor == "postgresql":
        return f"NULLIF({sql}, 'NaN')"  # a NaN was a missing value in the Parquet file
    return sql


def _create_scope(cursor: Any, scope: str, names: str | None, columns: Sequence[str],
                  episodes: QuerySet, *, vendor: str, csv_text: bool) -> None:
    """Create the scope table: one row per joint in scope, its columns ready to print."""
    parts = [_value(sql, kind, vendor=vendor, csv_text=csv_text) + f' AS "{column}"'
             for column, (sql, kind) in JOINT_SQL.items() if column in columns]
    try:
        sql, params = episodes.order_by().values("pk").query.sql_with_params()
        where = f"e.episode_id IN ({sql})"
    except EmptyResultSet:  # a filter nothing can match (no sites): an empty scope
        where, params = "1 = 0", ()
    pseudonyms = f"JOIN {names} n ON n.episode_id = e.episode_id " if names else ""
    drop = " ON COMMIT DROP" if vendor == "postgresql" else ""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {scope}{drop} AS SELECT e.episode_id AS episode_id, "
        f"e.patient_id AS patient_id, e.first_treated_on AS first_treated_on, "
        f"{', '.join(parts)} FROM {EpisodeFact._meta.db_table} e "
        f"JOIN {Site._meta.db_table} t ON t.id = e.site_id {pseudonyms}WHERE {where}", params)
    # Joints in the file's order: PostgreSQL then only sorts each joint's scores.
    cursor.execute(f"CREATE INDEX {scope}_order ON {scope} (patient_id, episode_id)")


def _select(columns: Sequence[str], scope: str, *, vendor: str, csv_text: bool) -> str:
    """Return the export's SELECT of the scores of the joints in the scope table."""
    parts = []
    for column in columns:
        if column in SCORE_SQL:
            sql, kind = SCORE_SQL[column]
            sql = _value(sql.format(days=DAYS_SQL[vendor]), kind, vendor=vendor,
                         csv_text=csv_text)
        else:
            sql = f'p."{column}"'  # printed once per joint in the scope table
        parts.append(f'{sql} AS "{column}"')
    # Byte order for texts (the C collation), as pandas sorted them; the score's id breaks
    # ties, the order the earlier writer met them in.
    collate = ' COLLATE "C"' if vendor == "postgresql" else ""
    return (f"SELECT {', '.join(parts)} FROM {scope} p "
            f"JOIN {ScoreFact._meta.db_table} s ON s.episode_id = p.episode_id "
            f"ORDER BY p.patient_id, p.episode_id, s.completed_on, s.instrument{collate}, "
            f"s.subscale{collate}, s.id")


def _create_pseudonyms(cursor: Any, names: str, episodes: QuerySet, *, vendor: str) -> None:
    """Create a table of the joints' pseudonyms, computed here under a fresh key."""
    drop = " ON COMMIT DROP" if vendor == "postgresql" else ""
    cursor.execute(f"CREATE TEMPORARY TABLE {names} (episode_id integer PRIMARY KEY, "
                   f"patient varchar(16), joint_episode varchar(16)){drop}")
    scrub = Deidentifier.for_one_export()
    batch: list[tuple[int, int]] = []
    for row in episodes.order_by().values_list("pk", "patient_id").iterator(
            chunk_size=CHUNK_ROWS):
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            _insert_pseudonyms(cursor, names, batch, scrub)
            batch = []
    _insert_pseudonyms(cursor, names, batch, scrub)


def _insert_pseudonyms(cursor: Any, names: str, batch: list[tuple[int, int]],
                       scrub: Deidentifier) -> None:
    if not batch:
        return
    frame = pd.DataFrame(batch, columns=["episode_id", "patient_id"])
    rows = zip(frame["episode_id"].tolist(),
               scrub.pseudonym("patient", frame["patient_id"]).tolist(),
               scrub.pseudonym("episode", frame["episode_id"]).tolist(), strict=True)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {names} (episode_id, patient, joint_episode) "
                                "FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {names} (episode_id, patient, joint_episode) "
                           "VALUES (%s, %s, %s)", list(rows))


def _expected_rows(cursor: Any, select: str) -> int:
    if connection.vendor == "postgresql":
        cursor.execute(f"EXPLAIN (FORMAT JSON) {select}")
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])
    cursor.execute(f"SELECT count(*) FROM ({select}) AS counted")
    return int(cursor.fetchone()[0])


def write_export(episodes: QuerySet, fmt: str, out: BinaryIO, *, deidentified: bool,
                 progress: Progress | None = None) -> int:
    """Write the export of these episodes to a binary file; return the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    columns = columns_of(deidentified=deidentified)
    vendor = connection.vendor
    csv_text = fmt == "csv" and vendor == "postgresql"  # SQLite's rows are printed here
    token = secrets.token_hex(6)
    scope = f"orthoregen_export_{token}"
    names = f"orthoregen_export_names_{token}" if deidentified else None
    report = progress or (lambda written, expected: None)
    # The temporary tables live in this transaction only, and are seen by this session only.
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            # Shortest exact float output, whatever the server's default.
            cursor.execute("SET LOCAL extra_float_digits = 1")
        if names:
            _create_pseudonyms(cursor, names, episodes, vendor=vendor)
        _create_scope(cursor, scope, names, columns, episodes, vendor=vendor,
                      csv_text=csv_text)
        if vendor == "postgresql":
            cursor.execute(f"ANALYZE {scope}")  # the planner's row estimate and join order
        select = _select(columns, scope, vendor=vendor, csv_text=csv_text)
        expected = _expected_rows(cursor, select)
        report(0, expected)
        if vendor == "postgresql":
            rows = _copy_out(cursor, select, columns, fmt, out, expected, report)
        else:
            cursor.execute(select)
            rows = _write_rows(columns, _fetched(cursor), fmt, out, expected, report)
        cursor.execute(f"DROP TABLE {scope}")
        if names:
            cursor.execute(f"DROP TABLE {names}")
    return rows


def _fetched(cursor: Any) -> Iterable[list[tuple[Any, ...]]]:
    while chunk := cursor.fetchmany(CHUNK_ROWS):
        yield chunk


# -- PostgreSQL: COPY out ---------------------------------------------------------------------


def _copy_rows(cursor: Any, select: str) -> Generator[list[memoryview], None, None]:
    """Yield the COPY's CSV rows (PostgreSQL sends one row per message) in lists of at most
    CHUNK_ROWS, ending with an exception if the server reports one.

    Reads at the libpq level (`pgconn.get_copy_data`, blocking), not through psycopg's Copy
    object: that one goes back to Python's event wait whenever the socket buffer runs dry,
    which doubled the wall time of a 2-million-row COPY on a busy machine.
    """
    connection_ = cursor.cursor.connection
    pgconn = connection_.pgconn
    result = pgconn.exec_(f"COPY ({select}) TO STDOUT (FORMAT csv)".encode())
    if result.status != psycopg.pq.ExecStatus.COPY_OUT:
        _raise(result)
    get = pgconn.get_copy_data
    ended = False
    try:
        while True:
            chunk: list[memoryview] = []
            append = chunk.append
            for _ in range(CHUNK_ROWS):
                nbytes, data = get(0)
                if nbytes < 0:  # -1 the end, -2 an error (the result below says which)
                    break
                append(data)
            else:
                yield chunk
                continue
            ended = True
            failed = [r for r in iter(pgconn.get_result, None)
                      if r.status == psycopg.pq.ExecStatus.FATAL_ERROR]
            if failed:
                _raise(failed[0])
            if chunk:
                yield chunk
            return
    finally:
        if not ended:  # the writer stopped early (a full disk): end the COPY on the server
            connection_.cancel_safe()
            while get(0)[0] >= 0:
                pass
            for _ in iter(pgconn.get_result, None):
                pass


def _raise(result: Any) -> None:
    message = (result.error_message or b"").decode("utf-8", "replace").strip()
    raise psycopg.DatabaseError(f"registry export failed: {message}")


def _copy_out(cursor: Any, select: str, columns: Sequence[str], fmt: str, out: BinaryIO,
              expected: int, report: Progress) -> int:
    rows = 0
    if fmt == "csv":
        out.write((",".join(columns) + "\n").encode())
        with contextlib.closing(_copy_rows(cursor, select)) as chunks:
            for chunk in chunks:
                out.write(b"".join(chunk))
                rows += len(chunk)
                report(rows, expected)
        return rows
    schema = parquet_schema(columns)
    read_options = pa_csv.ReadOptions(column_names=list(columns), block_size=1 << 22)
    # Unquoted empty is NULL, quoted empty ("") an empty text, as COPY writes them; no other
    # spelling (NA, null, nan) means missing.
    convert = pa_csv.ConvertOptions(
        column_types={f.name: f.type for f in schema}, null_values=[""],
        strings_can_be_null=True, quoted_strings_can_be_null=False)
    with pq.ParquetWriter(out, schema) as writer, \
            contextlib.closing(_copy_rows(cursor, select)) as chunks:
        for chunk in chunks:
            table = pa_csv.read_csv(pa.py_buffer(b"".join(chunk)), read_options=read_options,
                                    convert_options=convert)
            writer.write_table(table.cast(schema), row_group_size=CHUNK_ROWS)
            rows += table.num_rows
            report(rows, expected)
    return rows


# -- SQLite (and any other database): fetched rows -------------------------------------------


def _csv_cell(kind: str) -> Callable[[Any], str]:
    if kind == FLOAT:
        return lambda v: "" if v is None or v != v else repr(float(v))
    if kind == INT:
        return lambda v: "" if v is None else str(int(v))
    return lambda v: "" if v is None else v


def _write_rows(columns: Sequence[str], chunks: Iterable[list[tuple[Any, ...]]], fmt: str,
                out: BinaryIO, expected: int, report: Progress) -> int:
    rows = 0
    kinds = [KIND[c] for c in columns]
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        cells = [_csv_cell(kind) for kind in kinds]
        for chunk in chunks:
            writer.writerows([cell(v) for cell, v in zip(cells, row, strict=True)]
                             for row in chunk)
            rows += len(chunk)
            report(rows, expected)
        text.flush()
        text.detach()  # leave the caller's file open
        return rows
    schema = parquet_schema(columns)
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in chunks:
            values = list(zip(*chunk, strict=True))
            arrays = [pa.array(v, type=f.type, from_pandas=True)  # NaN is missing
                      for v, f in zip(values, schema, strict=True)]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema),
                               row_group_size=CHUNK_ROWS)
            rows += len(chunk)
            report(rows, expected)
    return rows
