"""A refresh copies the pathway's records into the fact tables in SQL; the frames path (pandas,
the way every refresh wrote them before) must give the same facts from the same records.

Both paths run over one fixed synthetic registry (synth_load, seed 11) with the awkward
records added by hand: an event recorded against the patient and not a joint, a term
'other', serious and non-serious events, an injection of unknown dose, a patient born on
29 February and one treated on their birthday. The expected values of those few rows are
also checked against the records themselves, not only against the other path.
"""

import datetime as dt

import pytest

from orthoregen.web.cellbank.models import Administration
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import FollowUpSchedule
from orthoregen.web.registry import services, sources
from orthoregen.web.registry.models import (
    AdverseEventFact,
    EpisodeFact,
    InjectionFact,
    ScoreFact,
    VisitFact,
)
from orthoregen.web.safety.models import AdverseEvent
from orthoregen.web.synthetic.clinic import synth_load

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
EPISODE_COLUMNS = [c for c in services.EPISODE_FACT_COLUMNS if c != "refreshed_at"]


def first_treatments() -> dict[int, dt.date]:
    """Each treated joint's first follow-up schedule day, from the schedules themselves."""
    days: dict[int, dt.date] = {}
    for episode, on in FollowUpSchedule.objects.exclude(administered_on=None).values_list(
            "episode_id", "administered_on"):
        days[episode] = min(on, days.get(episode, on))
    return days


@pytest.fixture
def registry(monkeypatch, site_a, clinician_a):
    """A synthetic site's records with the awkward cases added; returns its episodes."""
    monkeypatch.setattr(services, "read_source", sources.read_source)  # not the stub
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 60, seed=11, as_of=AS_OF)
    first = Administration.objects.select_related("procedure_joint").order_by("pk").first()
    first.procedure_joint.cell_dose = None  # a dose not recorded
    first.procedure_joint.save(update_fields=["cell_dose"])
    patients = sorted({JointEpisode.objects.get(pk=e).patient for e in first_treatments()},
                      key=lambda p: p.pk)
    leap, birthday = patients[0], patients[1]
    leap.date_of_birth = dt.date(1960, 2, 29)
    leap.save(update_fields=["date_of_birth"])
    on = min(d for e, d in first_treatments().items()
             if e in set(birthday.episodes.values_list("pk", flat=True)))
    birthday.date_of_birth = on.replace(year=on.year - 50)
    birthday.save(update_fields=["date_of_birth"])
    event = AdverseEvent.objects.order_by("pk").first()
    assert event is not None, "the synthetic load records adverse events"
    for change in ({"episode": None, "term": "other", "term_other": "harvest-site pain",
                    "seriousness": []},
                   {"seriousness": ["hospitalisation"]}):
        extra = AdverseEvent.objects.get(pk=event.pk)
        extra.pk = None
        extra.submission_key = None
        for name, value in change.items():
            setattr(extra, name, value)
        extra.save()
    return JointEpisode.objects.filter(patient__site=site_a)


def facts() -> dict[str, list]:
    """Every fact row, without row ids or refresh times, in a fixed order."""
    tables = {
        "episodes": EpisodeFact.objects.values_list(*EPISODE_COLUMNS),
        "scores": ScoreFact.objects.values_list(
            "episode_id", "instrument", "subscale", "timepoint", "completed_on", "value",
            "counts"),
        "visits": VisitFact.objects.values_list("episode_id", "timepoint", "window_closes",
                                                "completed"),
        "injections": InjectionFact.objects.values_list(
            "episode_id", "administered_on", "cell_source", "dose_cells", "source_ref"),
        "events": AdverseEventFact.objects.values_list(
            "episode_id", "injection_ref", "term", "grade", "serious", "onset_on"),
    }
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def frames_of(episodes) -> sources.SourceFrames:
    """The same records read as frames, for the frames path (visits written from Python)."""
    records = sources.read_source(episodes)
    return sources.SourceFrames(
        treatments=records.treatments, scores=None, visits=records.visits,
        injections=records.injections, adverse_events=records.adverse_events)


def test_the_records_path_writes_in_sql_what_the_frames_path_writes(registry):
    services.facts_replace(registry, frames_of(registry), as_of=AS_OF)
    by_frames = facts()
    assert len(by_frames["episodes"]) == registry.count()
    assert all(by_frames[name] for name in by_frames)
    services.facts_replace(registry, sources.read_source(registry), as_of=AS_OF)
    in_sql = facts()
    for name in by_frames:
        assert in_sql[name] == by_frames[name], name


def test_the_awkward_records_become_these_facts(registry):
    services.facts_rebuild(as_of=AS_OF)
    patient_event = AdverseEvent.objects.get(term="other")
    first_joint = JointEpisode.objects.filter(patient=patient_event.patient).order_by("pk")[0]
    fact = AdverseEventFact.objects.get(term="other: harvest-site pain")
    assert (fact.episode_id, fact.serious) == (first_joint.pk, False)
    assert AdverseEventFact.objects.filter(serious=True).count() == sum(
        bool(s) for s in AdverseEvent.objects.values_list("seriousness", flat=True))

    days = first_treatments()
    for episode in EpisodeFact.objects.filter(patient__date_of_birth=dt.date(1960, 2, 29)):
        on = days.get(episode.pk, AS_OF)
        # Born 29 February: a year older on 1 March in a common year, 29 February in a leap.
        assert episode.age_at_treatment == on.year - 1960 - ((on.month, on.day) < (2, 29))
    fiftieth = [e for e in EpisodeFact.objects.select_related("patient").exclude(
                    patient__date_of_birth=dt.date(1960, 2, 29))
                if days.get(e.pk) == e.patient.date_of_birth.replace(
                    year=e.patient.date_of_birth.year + 50)]
    assert fiftieth and all(e.age_at_treatment == 50 for e in fiftieth)  # on the birthday
    assert EpisodeFact.objects.filter(patient__date_of_birth=dt.date(1960, 2, 29)).exists()

    undosed = Administration.objects.order_by("pk").first()
    row = InjectionFact.objects.get(source_ref=f"administration:{undosed.pk}")
    assert row.dose_cells is None
    joint = EpisodeFact.objects.get(episode=undosed.procedure_joint.episode_id)
    assert joint.injections == InjectionFact.objects.filter(episode=joint).count()
    dosed = InjectionFact.objects.filter(episode=joint).exclude(dose_cells=None)
    first_dose = dosed.order_by("administered_on", "pk").first()
    assert joint.dose_cells == (first_dose.dose_cells if first_dose else None)
    if joint.dose_cells is None:
        assert joint.dose_band == ""


def test_a_site_refresh_leaves_the_other_sites_facts(registry, site_b, cohort):
    cohort(site_b, 4, prefix="B")
    other = facts()["episodes"]
    other_b = [row for row in other if row[2] == site_b.pk]
    assert len(other_b) == 4
    services.facts_refresh(registry, as_of=AS_OF)
    services.facts_refresh(registry, as_of=AS_OF)
    assert [row for row in facts()["episodes"] if row[2] == site_b.pk] == other_b
    assert EpisodeFact.objects.filter(site=registry[0].patient.site).count() == registry.count()
