"""Database triggers that give each patient a new chart data version on every write.

The chart's cache (chart_cache) is keyed by ``clinic_chartversion``: one row per patient
and the global row 0. Every INSERT, UPDATE and DELETE of a table whose rows the chart shows
sets a new random version on the rows of the patients it touched, in the writing
statement's own transaction, whichever path wrote: the ORM, ``bulk_create``, ``update()``,
COPY, raw SQL, an import. Tables shared between patients (users' names, protocols, consent
documents, the cell lab's units and investigations) set a new global version instead, which
is in every chart's key. tests/web/clinic/test_chart_cache.py renders a chart with every
kind of history, collects the tables its SQL reads, and fails for any table written here
without a new version.

PostgreSQL: one trigger FOR EACH STATEMENT per table and operation, reading the statement's
transition tables, so a COPY of a million rows costs one join and one upsert of the distinct
patients, not a million trigger calls. SQLite has row triggers only: one upsert per row.

Installed after every ``migrate`` (post_migrate, clinic/apps.py) rather than frozen in one
migration: on SQLite a later migration that alters a table rebuilds it (create, copy, drop,
rename), and dropping the old table drops its triggers; reinstalling after each migrate
keeps them on whatever tables the current code's chart reads. Migration 0005 creates the
version table.
"""

from __future__ import annotations

from functools import cache

from django.db.backends.base.base import BaseDatabaseWrapper

VERSION_TABLE = "clinic_chartversion"

# How to reach the patient's id from a written row: the row's column, then (table, column)
# hops through foreign keys, each hop joining the table on its id.
Path = tuple[str, tuple[tuple[str, str], ...]]
_EPISODE = (("clinic_jointepisode", "patient_id"),)
_SCHEDULE = (("followup_followupschedule", "episode_id"), *_EPISODE)
_ADMINISTRATION_JOINT = ("cellbank_procedurejoint", "episode_id")
_ADMINISTRATION_SESSION = (("cellbank_procedurejoint", "procedure_id"),
                           ("cellbank_procedure", "patient_id"))

PATIENT_TABLES: dict[str, tuple[Path, ...]] = {
    "clinic_patient": (("id", ()),),
    "clinic_jointepisode": (("patient_id", ()),),
    "clinic_encounter": (("episode_id", _EPISODE),),
    "consultation_intake": (("episode_id", _EPISODE),),
    "consultation_candidacydecision": (("episode_id", _EPISODE),),
    "consultation_consentrecord": (("episode_id", _EPISODE),),
    "consultation_allergy": (("patient_id", ()),),
    "cellbank_harvest": (("patient_id", ()), ("episode_id", _EPISODE)),
    "cellbank_procedure": (("patient_id", ()),),
    "cellbank_procedurejoint": (("episode_id", _EPISODE),
                                ("procedure_id", (("cellbank_procedure", "patient_id"),))),
    "cellbank_administration": (
        ("procedure_joint_id", (_ADMINISTRATION_JOINT, *_EPISODE)),
        ("procedure_joint_id", _ADMINISTRATION_SESSION)),
    "cellbank_investigationrecipient": (
        ("administration_id", (("cellbank_administration", "procedure_joint_id"),
                               _ADMINISTRATION_JOINT, *_EPISODE)),
        ("administration_id", (("cellbank_administration", "procedure_joint_id"),
                               *_ADMINISTRATION_SESSION))),
    "cellbank_custodyevent": (
        ("unit_id", (("cellbank_productunit", "issued_to_episode_id"), *_EPISODE)),),
    "followup_followupschedule": (("episode_id", _EPISODE),),
    "followup_scheduledvisit": (("schedule_id", _SCHEDULE),),
    "followup_questionnaireresponse": (("episode_id", _EPISODE),),
    "followup_reviewtask": (("visit_id", (("followup_scheduledvisit", "schedule_id"),
                                          *_SCHEDULE)),),
    "followup_withdrawal": (("patient_id", ()),),
    "safety_adverseevent": (("patient_id", ()), ("episode_id", _EPISODE)),
    "safety_outcomeevent": (("episode_id", _EPISODE),),
    "imaging_mristudy": (("patient_id", ()), ("episode_id", _EPISODE)),
    "imaging_structuralmeasure": (("study_id", (("imaging_mristudy", "patient_id"),)),),
}
# Rows shared by many patients' charts; a write sets the global version. For users, only the
# columns a chart shows (names): a sign-in writes last_login and must not empty the cache.
GLOBAL_TABLES: dict[str, tuple[str, ...]] = {
    "accounts_user": ("username", "first_name", "last_name"),
    "accounts_site": (),
    "cellbank_productunit": (),
    "cellbank_productinvestigation": (),
    "consultation_consentdocument": (),
    "followup_scheduleprotocolversion": (),
}

# A new version: random, so that none is taken twice (a rolled-back transaction's, a
# restored backup's); 53 bits on PostgreSQL (random() is a double), 64 on SQLite.
_NEW_VERSION = {"postgresql": "floor(random() * 9007199254740991)::bigint",
                "sqlite": "random()"}


def _joins(path: Path) -> tuple[str, str]:
    """Return (JOIN clauses from alias r, the patient id expression) for one path."""
    column, hops = path
    joins, previous = "", f"r.{column}"
    for n, (table, next_column) in enumerate(hops, start=1):
        joins += f" JOIN {table} t{n} ON t{n}.id = {previous}"
        previous = f"t{n}.{next_column}"
    return joins, previous


def _scalar(path: Path, row: str) -> str:
    """The patient id of one row (SQLite's NEW or OLD) as a scalar expression: the first
    hop's table picked by the row's column, the others joined as in _joins."""
    column, hops = path
    if not hops:
        return f"{row}.{column}"
    (first_table, first_column), *rest = hops
    joins, previous = "", f"t1.{first_column}"
    for n, (table, next_column) in enumerate(rest, start=2):
        joins += f" JOIN {table} t{n} ON t{n}.id = {previous}"
        previous = f"t{n}.{next_column}"
    return f"(SELECT {previous} FROM {first_table} t1{joins} WHERE t1.id = {row}.{column})"


def postgresql_statements() -> list[str]:
    new = _NEW_VERSION["postgresql"]
    sql = [f"""
CREATE OR REPLACE FUNCTION chart_version_bump(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO {VERSION_TABLE} AS v (patient_id, version)
  SELECT p, {new} FROM (SELECT DISTINCT p FROM unnest(ids) AS u(p)
                        WHERE p IS NOT NULL ORDER BY p) AS s
  ON CONFLICT (patient_id) DO UPDATE SET version = EXCLUDED.version
$$""", f"""
CREATE OR REPLACE FUNCTION chart_version_global() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {VERSION_TABLE} SET version = {new} WHERE patient_id = 0;
  RETURN NULL;
END $$"""]
    for table, paths in PATIENT_TABLES.items():
        def ids(rows: str, paths: tuple[Path, ...] = paths) -> str:
            selects = []
            for path in paths:
                joins, patient = _joins(path)
                selects.append(f"SELECT {patient} FROM {rows} r{joins}")
            return " UNION ALL ".join(selects)
        sql.append(f"""
CREATE OR REPLACE FUNCTION chart_version_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM chart_version_bump(ARRAY({ids('new_rows')}));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM chart_version_bump(ARRAY({ids('old_rows')}));
  END IF;
  RETURN NULL;
END $$""")
        for op, referencing in (("INSERT", "NEW TABLE AS new_rows"),
                                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                ("DELETE", "OLD TABLE AS old_rows")):
            name = f"chart_version_{op.lower()}"
            sql += [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                    f"CREATE TRIGGER {name} AFTER {op} ON {table} REFERENCING {referencing} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION chart_version_{table}()"]
        sql += [f"DROP TRIGGER IF EXISTS chart_version_truncate ON {table}",
                f"CREATE TRIGGER chart_version_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION chart_version_global()"]
    for table, columns in GLOBAL_TABLES.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        sql += [f"DROP TRIGGER IF EXISTS chart_version_global ON {table}",
                f"CREATE TRIGGER chart_version_global AFTER INSERT OR {update} OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION chart_version_global()"]
    return sql


def sqlite_statements() -> list[str]:
    new = _NEW_VERSION["sqlite"]
    sql = []
    for table, paths in PATIENT_TABLES.items():
        for op, rows in (("insert", ("NEW",)), ("update", ("NEW", "OLD")),
                         ("delete", ("OLD",))):
            name = f"chart_version_{table}_{op}"
            body = "".join(
                f"INSERT INTO {VERSION_TABLE} (patient_id, version) SELECT pid, {new} FROM ("
                + " UNION ".join(f"SELECT {_scalar(path, row)} AS pid" for path in paths)
                + ") WHERE pid IS NOT NULL "
                "ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version; "
                for row in rows)
            sql += [f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {op.upper()} ON {table} FOR EACH ROW "
                    f"BEGIN {body}END"]
    for table, columns in GLOBAL_TABLES.items():
        for op in ("insert", "update", "delete"):
            name = f"chart_version_{table}_{op}"
            what = f"UPDATE OF {', '.join(columns)}" if op == "update" and columns \
                else op.upper()
            sql += [f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {what} ON {table} FOR EACH ROW BEGIN "
                    f"UPDATE {VERSION_TABLE} SET version = {new} WHERE patient_id = 0; END"]
    return sql


def install(connection: BaseDatabaseWrapper) -> None:
    """Create or replace every chart version trigger (after migrate; see the docstring)."""
    tables = set(connection.introspection.table_names())
    if VERSION_TABLE not in tables:
        return  # migrated back before 0005, or not yet that far
    missing = (set(PATIENT_TABLES) | set(GLOBAL_TABLES)) - tables
    if missing:
        return  # a partial migrate: the next full one installs them
    statements = postgresql_statements() if connection.vendor == "postgresql" \
        else sqlite_statements()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@cache
def trigger_names(vendor: str) -> set[tuple[str, str]]:
    """Return (table, trigger name) of every trigger install() creates for this database."""
    if vendor == "postgresql":
        return {(table, f"chart_version_{op}") for table in PATIENT_TABLES
                for op in ("insert", "update", "delete", "truncate")} \
            | {(table, "chart_version_global") for table in GLOBAL_TABLES}
    return {(table, f"chart_version_{table}_{op}")
            for table in (*PATIENT_TABLES, *GLOBAL_TABLES)
            for op in ("insert", "update", "delete")}


def count_query(vendor: str) -> str:
    """A SELECT of (-1, how many chart version triggers the database has), to append to a
    query with UNION ALL."""
    if vendor == "postgresql":
        return ("SELECT -1, count(*) FROM pg_trigger "
                "WHERE tgname LIKE 'chart_version_%%' AND NOT tgisinternal")
    return ("SELECT -1, count(*) FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'chart_version_%%'")
