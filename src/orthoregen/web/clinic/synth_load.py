"""Load a generated synthetic cohort into the database with bulk inserts.

Rows go in with bulk_create (one INSERT per batch, not per row), inside one transaction, so
a failed load leaves nothing behind. Bulk inserts bypass django-simple-history; the load is
recorded instead as one BULK_LOAD access record naming the seed and counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.apps import apps
from django.db import connection, transaction
from rich.progress import Progress

from orthoregen.synth.cohort import Cohort, generate_cohort
from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient

BATCH = 5000


class SynthError(Exception):
    """The synthetic cohort cannot be loaded as asked."""


@dataclass(frozen=True)
class SynthContext:
    """What a later pathway stage needs to add its own synthetic rows to a fresh cohort.

    Apps extend the cohort by defining `synth_extend(context)` on their AppConfig; they run
    in INSTALLED_APPS order (the pathway's order) inside the load's transaction. Row i of
    cohort.patients / cohort.episodes was saved with primary key patient_ids[i] / episode_ids[i].
    """

    site: Site
    seed: int
    as_of: dt.date
    cohort: Cohort
    patient_ids: list[int]
    episode_ids: list[int]
    progress: Progress | None

    def rng(self, stage: str) -> np.random.Generator:
        """Return a generator for one stage, so adding a stage never changes another's data."""
        return np.random.default_rng([self.seed, *stage.encode()])

    def insert(self, model, rows: list, label: str) -> list:
        """Bulk-insert rows in batches, with a progress bar when one is shown."""
        return _insert(model, rows, self.progress, label)


def _dates(column) -> list[dt.date]:
    return [value.date() for value in column]


def _insert(model, rows: list, progress: Progress | None, label: str) -> list:
    task = progress.add_task(label, total=len(rows)) if progress else None
    created = []
    for start in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[start:start + BATCH])
        if progress:
            progress.advance(task, len(rows[start:start + BATCH]))
    return created


def _patients(cohort: Cohort, site: Site) -> list[Patient]:
    p = cohort.patients
    return [
        Patient(site=site, mrn=mrn, family_name=family, given_name=given, date_of_birth=born,
                sex=sex, email=email, phone=phone)
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


@transaction.atomic
def synth_load(site: Site, n: int, *, seed: int, as_of: dt.date, by: User | None = None,
               progress: Progress | None = None) -> Cohort:
    """Generate n synthetic patients for a site and insert them, all or nothing."""
    prefix = f"SYN{seed}-"
    if Patient.objects.filter(site=site, mrn__startswith=prefix).exists():
        raise SynthError(f"Site {site.code} already has synthetic patients from seed {seed}; "
                         "use another --seed.")
    cohort = generate_cohort(n, seed=seed, as_of=as_of, mrn_prefix=prefix)
    clinicians = list(User.objects.filter(sites=site, role=Role.CLINICIAN)
                      .order_by("pk").values_list("pk", flat=True))
    patient_ids = [p.pk for p in _insert(Patient, _patients(cohort, site), progress, "patients")]
    episodes = _insert(JointEpisode, _episodes(cohort, patient_ids), progress, "joint episodes")
    episode_ids = [e.pk for e in episodes]
    _insert(Encounter, _encounters(cohort, episode_ids, clinicians), progress, "encounters")
    context = SynthContext(site=site, seed=seed, as_of=as_of, cohort=cohort,
                           patient_ids=patient_ids, episode_ids=episode_ids, progress=progress)
    for config in apps.get_app_configs():
        if extend := getattr(config, "synth_extend", None):
            extend(context)
    _refresh_planner_statistics()
    AccessRecord.objects.create(
        user=by, action=AccessAction.BULK_LOAD,
        detail=f"synthetic cohort: site={site.code} seed={seed} as_of={as_of} patients={n} "
               f"episodes={len(episodes)} encounters={len(cohort.encounters)}",
    )
    return cohort
