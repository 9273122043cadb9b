"""Load a generated synthetic cohort into synthetic sites, stage by stage in pathway order.

The foundation's rows (patients, joint episodes, encounters) go in first; then each stage
of web/stages.py adds its own, called below one after the other: consultation (intake,
decisions, consents), cell lab (units, QC, release), procedure room (sessions, bedside
checks, administrations), follow-up, safety and the registry's fact tables. Everything runs
in one transaction, so a failed load leaves nothing behind. Bulk inserts (synthetic.bulk)
bypass django-simple-history; the load is recorded instead as one BULK_LOAD access record
naming the seed and counts.

Fake patients go only into sites marked synthetic: `synthetic_site` creates one, synth_load
refuses any other, and `database_refusal` says why a database must not receive them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, models, transaction
from rich.progress import Progress

from orthoregen.synth.cohort import Cohort, generate_cohort
from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.bulk_load import LoadChecks, built_after_load
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.search import search_text_of
from orthoregen.web.synthetic import (
    SynthError,
    bulk,
    cellbank,
    consultation,
    followup,
    procedures,
    registry,
    safety,
)

# The stages a load can run, in pathway order; tests and benchmarks choose some of them.
STAGES = ("consultation", "cellbank", "procedures", "followup", "safety", "registry")
# A stage that needs what an earlier one returned: procedures administer the cell lab's
# units, and safety records the events of the follow-up's joint courses.
NEEDS = {"procedures": "cellbank", "safety": "followup"}


@dataclass(frozen=True)
class SynthContext:
    """What each pathway stage needs to add its own synthetic rows to a fresh cohort.

    Row i of cohort.patients / cohort.episodes was saved with primary key patient_ids[i] /
    episode_ids[i].
    """

    site: Site
    seed: int
    as_of: dt.date
    cohort: Cohort
    patient_ids: list[int]
    episode_ids: list[int]
    progress: Progress | None
    checks: LoadChecks

    def rng(self, stage: str) -> np.random.Generator:
        """Return a generator for one stage, so adding a stage never changes another's data."""
        return np.random.default_rng([self.seed, *stage.encode()])

    def insert(self, model: type[models.Model], objects: list, label: str) -> list:
        """Insert unsaved instances, each given its primary key, with a progress bar if shown."""
        self.checks.before_write(model)
        return bulk.insert_objects(model, objects, progress=self.progress, label=label)

    def insert_rows(self, model: type[models.Model], columns: tuple[str, ...],
                    rows: Iterable[tuple], label: str, total: int | None = None) -> list[int]:
        """Insert tuples of values for the named fields; return the new ids in row order.

        ``rows`` may be a generator (``total`` rows long), read a batch at a time.
        """
        self.checks.before_write(model)
        return bulk.insert_rows(model, columns, rows, progress=self.progress, label=label,
                                total=total)


def synthetic_site(code: str, name: str) -> Site:
    """Return the synthetic site with this code, creating it; refuse a real site's code."""
    site, _ = Site.objects.get_or_create(code=code, defaults={"name": name, "is_synthetic": True})
    if not site.is_synthetic:
        raise SynthError(f"Site {code} holds real patients' records (it is not marked "
                         "synthetic); synthetic patients go only into synthetic sites.")
    return site


def database_refusal(site_code: str) -> str | None:
    """Say why this database must not receive synthetic patients, or None when it may.

    Reads only, so that it can run before `migrate`: a database without the patient table
    is new; one whose sites predate the synthetic mark has only real sites.
    """
    tables = connection.introspection.table_names()
    if Patient._meta.db_table not in tables:
        return None
    with connection.cursor() as cursor:
        site_columns = {column.name for column in connection.introspection.get_table_description(
            cursor, Site._meta.db_table)}
    marked = "is_synthetic" in site_columns
    real = Patient.objects.filter(site__is_synthetic=False) if marked else Patient.objects
    if real.exists():
        return ("this database holds patients of sites not marked synthetic, so it may be a "
                "real registry; load into a new database or one of synthetic sites only.")
    sites = Site.objects.filter(code=site_code)
    if (sites.filter(is_synthetic=False) if marked else sites).exists():
        return f"site {site_code} exists and is not marked synthetic; choose another --site."
    return None


def _dates(column: Iterable[pd.Timestamp]) -> list[dt.date]:
    return [value.date() for value in column]


def _patients(cohort: Cohort, site: Site) -> list[Patient]:
    p = cohort.patients
    return [
        Patient(site=site, mrn=mrn, family_name=family, given_name=given, date_of_birth=born,
                sex=sex, email=email, phone=phone,
                # The bulk insert skips save(), which writes this line for every other patient.
                search_text=search_text_of(family_name=family, given_name=given, mrn=mrn,
                                           email=email, phone=phone))
        for mrn, family, given, born, sex, email, phone in zip(
            p["mrn"], p["family_name"], p["given_name"], _dates(p["date_of_birth"]), p["sex"],
            p["email"], p["phone"], strict=True)
    ]


def _episodes(cohort: Cohort, patient_ids: list[int]) -> list[JointEpisode]:
    e = cohort.episodes
    return [
        JointEpisode(patient_id=patient_ids[owner], joint=joint, side=side, diagnosis_code=code,
                     grade_scale=scale, grade=int(grade), symptom_onset=onset)
        for owner, joint, side, code, scale, grade, onset in zip(
            e["patient"], e["joint"], e["side"], e["diagnosis_code"], e["grade_scale"],
            e["grade"], _dates(e["symptom_onset"]), strict=True)
    ]


def _encounters(cohort: Cohort, episode_ids: list[int], clinicians: list[int]) -> list[Encounter]:
    e = cohort.encounters
    by = [clinicians[i % len(clinicians)] if clinicians else None for i in range(len(e))]
    return [
        Encounter(episode_id=episode_ids[episode], kind=kind, occurred_on=day, clinician_id=who)
        for episode, kind, day, who in zip(e["episode"], e["kind"], _dates(e["occurred_on"]), by,
                                           strict=True)
    ]


def _refresh_planner_statistics() -> None:
    """Update the query planner's statistics after a bulk load, as after any large import.

    Without it PostgreSQL plans the first queries on a fresh 100k-patient table as if it
    were empty (seen: the patient list 3x slower until autovacuum caught up).
    """
    with connection.cursor() as cursor:
        if connection.vendor in ("postgresql", "sqlite"):
            cursor.execute("ANALYZE")


def vacuum_after_load() -> bool:
    """Mark every loaded table's pages all-visible and refresh its statistics (PostgreSQL).

    A bulk load leaves the visibility map empty, so PostgreSQL visits the table for every row
    an index-only scan returns (look-back's recursive step on the units' parent index took
    75 ms instead of 3 ms at 100,000 patients) until autovacuum comes by, perhaps hours later.
    VACUUM cannot run inside a transaction, so this does nothing there (and on SQLite, where
    the load's ANALYZE is all there is); returns whether it ran.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # the whole database: every stage's tables
    return True


@transaction.atomic
def synth_load(site: Site, n: int, *, seed: int, as_of: dt.date, by: User | None = None,
               progress: Progress | None = None, stages: Collection[str] = STAGES,
               seconds: dict[str, float] | None = None) -> Cohort:
    """Generate n synthetic patients for a synthetic site and insert them, all or nothing.

    ``stages`` chooses which pathway stages add their rows (all by default); ``seconds``,
    when given, receives each stage's wall time, and "checks" that of building the loaded
    tables' indexes and checking their foreign keys (web/bulk_load.py).
    """
    _check(site, seed, stages)
    cohort = generate_cohort(n, seed=seed, as_of=as_of, mrn_prefix=f"SYN{seed}-")
    seconds = {} if seconds is None else seconds
    with built_after_load() as checks:
        context = _foundation(site, cohort, seed=seed, as_of=as_of, progress=progress,
                              checks=checks)
        _run_stages(context, stages, seconds)
        rebuilt_from = time.perf_counter()
    seconds["checks"] = time.perf_counter() - rebuilt_from
    if "registry" in stages:
        # The registry reads every table the stages above just filled; without statistics
        # PostgreSQL plans those reads as if the tables were empty (20,000 patients: the
        # registry stage took 194 s, 13 s after ANALYZE).
        _refresh_planner_statistics()
        started = time.perf_counter()
        with built_after_load() as checks:
            registry.synth_facts(context, checks)
        seconds["registry"] = time.perf_counter() - started
    _refresh_planner_statistics()
    AccessRecord.objects.create(
        user=by, action=AccessAction.BULK_LOAD,
        detail=f"synthetic cohort: site={site.code} seed={seed} as_of={as_of} patients={n} "
               f"episodes={len(cohort.episodes)} encounters={len(cohort.encounters)}",
    )
    return cohort


def _check(site: Site, seed: int, stages: Collection[str]) -> None:
    if not site.is_synthetic:
        raise SynthError(f"Site {site.code} is not marked synthetic; synthetic patients go "
                         "only into synthetic sites (synthetic_site creates one).")
    if unknown := set(stages) - set(STAGES):
        raise SynthError(f"Unknown stages {sorted(unknown)}; the stages are {', '.join(STAGES)}.")
    for stage, needed in NEEDS.items():
        if stage in stages and needed not in stages:
            raise SynthError(f"The {stage} stage needs the {needed} stage.")
    if Patient.objects.filter(site=site, mrn__startswith=f"SYN{seed}-").exists():
        raise SynthError(f"Site {site.code} already has synthetic patients from seed {seed}; "
                         "use another --seed.")


def _foundation(site: Site, cohort: Cohort, *, seed: int, as_of: dt.date,
                progress: Progress | None, checks: LoadChecks) -> SynthContext:
    """Insert the cohort's patients, joint episodes and encounters; return the context."""
    clinicians = list(User.objects.filter(sites=site, role=Role.CLINICIAN)
                      .order_by("pk").values_list("pk", flat=True))
    for model in (Patient, JointEpisode, Encounter):
        checks.before_write(model)
    patient_ids = [p.pk for p in bulk.insert_objects(
        Patient, _patients(cohort, site), progress=progress, label="patients")]
    episode_ids = [e.pk for e in bulk.insert_objects(
        JointEpisode, _episodes(cohort, patient_ids), progress=progress, label="joint episodes")]
    bulk.insert_objects(Encounter, _encounters(cohort, episode_ids, clinicians),
                        progress=progress, label="encounters")
    return SynthContext(site=site, seed=seed, as_of=as_of, cohort=cohort,
                        patient_ids=patient_ids, episode_ids=episode_ids, progress=progress,
                        checks=checks)


def _run_stages(context: SynthContext, stages: Collection[str],
                seconds: dict[str, float]) -> None:
    """Run the chosen stages before the registry in pathway order (web/stages.py), timing each."""
    def run(name: str, stage: Callable[..., Any], *given: Any) -> Any:
        if name not in stages:
            return None
        started = time.perf_counter()
        result = stage(context, *given)
        seconds[name] = time.perf_counter() - started
        return result

    run("consultation", consultation.synth_consultation)
    issued = run("cellbank", cellbank.synth_cell_lab)
    run("procedures", procedures.synth_procedures, issued)
    course = run("followup", followup.synth_followup)
    run("safety", safety.synth_safety, course)
