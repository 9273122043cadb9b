"""The patient chart as the hub, the day list and the patient list's filters.

The clinic knows patients, joints and encounters; everything later (decisions, products,
procedures, follow-up, adverse events) reaches these pages through the hooks declared in
web/stages.py, each stage answering for its own records. Every query here is already
confined to one patient the user may see, or to the user's sites (accounts.access.scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orthoregen.web import stages
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Action, Role
from orthoregen.web.clinic import search
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import EncounterKind, Joint

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from orthoregen.web.accounts.models import Site

TIMELINE_PAGE = 50
TIMELINE_MAX = 1000
PAGE_SIZE = 25


# --- the chart ---------------------------------------------------------------------------

def encounter_entries(episodes: Sequence[JointEpisode], *, limit: int,
                      user: User) -> list[stages.TimelineEntry]:
    """Return the clinic's own encounters of these joints as timeline entries."""
    # Only the episode's id is shown (the chart names the joint): no join to the episode.
    encounters = Encounter.objects.filter(episode__in=episodes) \
        .select_related("clinician").order_by("-occurred_on", "-id")[:limit]
    may_edit = user.may(Action.EDIT_ENCOUNTER)
    return [stages.TimelineEntry(
        on=encounter.occurred_on, at=encounter.created_at,
        what=encounter.get_kind_display(),
        title=gettext("%(kind)s with %(clinician)s") % {
            "kind": encounter.get_kind_display(),
            "clinician": encounter.clinician.get_full_name()}
        if encounter.clinician else str(encounter.get_kind_display()),
        detail=encounter.notes, episode_id=encounter.episode_id,
        url=reverse("encounter-edit", args=[encounter.episode_id, encounter.pk])
        if may_edit else "") for encounter in encounters]


@dataclass
class Timeline:
    entries: list[stages.TimelineEntry]
    limit: int
    has_more: bool


def timeline(facts: stages.ChartFacts, *, episodes: Sequence[JointEpisode],
             limit: int) -> Timeline:
    """Return the newest `limit` entries of everything recorded about the patient."""
    # One more than shown, so the page knows whether "show more" has anything to show.
    wanted = limit + 1
    entries = encounter_entries(episodes, limit=wanted, user=facts.user) \
        + stages.chart_timeline(facts, episodes=episodes, limit=wanted)
    entries.sort(key=lambda e: (e.on, e.at.timestamp() if e.at else 0.0), reverse=True)
    return Timeline(entries=entries[:limit], limit=limit, has_more=len(entries) > limit)


def timeline_limit(raw: str | None) -> int:
    """Read "show more" from the URL: a multiple of the page, never beyond the maximum."""
    try:
        asked = int(raw or TIMELINE_PAGE)
    except ValueError:
        return TIMELINE_PAGE
    return min(max(asked, TIMELINE_PAGE), TIMELINE_MAX)


# --- the patient list --------------------------------------------------------------------

class PatientListForm(forms.Form):
    """The patient list's search box and filters; every value is checked, none trusted."""

    q = forms.CharField(required=False, max_length=search.MAX_QUERY_LENGTH,
                        label=_("Find a patient"),
                        help_text=_("Name in any order, MRN, date of birth, phone or email"))
    joint = forms.ChoiceField(required=False, choices=[("", _("Any joint")), *Joint.choices])
    stage = forms.ChoiceField(required=False)
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        required=False, queryset=None, empty_label=_("All my sites"))
    clinician = forms.ChoiceField(required=False)
    overdue = forms.ChoiceField(required=False)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, user: User, today: dt.date) -> None:
        super().__init__(data)
        self.user = user
        self.later = stages.patient_filters(user, today=today)
        sites = user.sites.all().order_by("name")
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = sites
        clinicians = User.objects.filter(sites__in=sites, role=Role.CLINICIAN) \
            .distinct().order_by("last_name", "first_name")
        self._choices("clinician", gettext("Any clinician"),
                      [(str(c.pk), c.get_full_name() or c.username) for c in clinicians])
        for name, empty in (("stage", gettext("Any stage")),
                            ("overdue", gettext("Overdue or not"))):
            self._choices(name, empty, [choice for f in self.later if f.name == name
                                        for choice in f.choices])

    def _choices(self, name: str, empty: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", empty), *choices]

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"]
        try:
            self.parsed = search.parse(query)
        except search.SearchRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        for problem in self.parsed.problems:
            self.add_error("q", problem)
        return query

    def later_condition(self, name: str, value: str) -> Q:
        """Combine every stage's condition for one filter value (any of them may match)."""
        found = [condition for f in self.later if f.name == name
                 if (condition := f.condition(value)) is not None]
        combined = Q(pk__in=[])
        for condition in found:
            combined |= condition
        return combined

    def filtered(self, patients: QuerySet[Patient]) -> QuerySet[Patient]:
        """Return the patients matching the search and every filter set."""
        data = self.cleaned_data
        patients = patients.filter(search.condition(self.parsed))
        if data.get("joint"):
            patients = patients.filter(Exists(JointEpisode.objects.filter(
                patient=OuterRef("pk"), joint=data["joint"])))
        if data.get("site"):
            patients = patients.filter(site=data["site"])
        if data.get("stage"):
            patients = patients.filter(self.later_condition("stage", data["stage"]))
        if data.get("overdue"):
            patients = patients.filter(self.later_condition("overdue", data["overdue"]))
        if data.get("clinician"):
            saw = Q(Exists(Encounter.objects.filter(episode__patient=OuterRef("pk"),
                                                    clinician_id=int(data["clinician"]))))
            patients = patients.filter(saw | self.later_condition("clinician",
                                                                  data["clinician"]))
        return patients

    @property
    def any_filter(self) -> bool:
        return any(self.cleaned_data.get(name) for name in
                   ("q", "joint", "stage", "site", "clinician", "overdue"))


@dataclass
class PatientPage:
    rows: list[Patient]
    next_after: int | None
    is_first: bool


def keyset_page(patients: QuerySet[Patient], *, after: int | None,
                searched: bool = False) -> PatientPage:
    """Return the page of patients after one (in name order), without counting them all.

    The page starts after the patient `after`, looked up in the same filtered queryset: an
    id outside it (another site's, or not matching) starts again from the first page.
    `searched`: the patients are the matches of a search, found first, then sorted.
    """
    # Same order either way (family names are never null). With a search, NULLS FIRST stops
    # PostgreSQL from walking the name index from "A" until 26 rows match: it expects
    # matches spread evenly, and for "Smith" at 100,000 patients it read 78,000 entries
    # (180 ms); from the trigram index and a sort, any search stays under 35 ms there.
    family = F("family_name").asc(nulls_first=True) if searched else F("family_name").asc()
    ordered = patients.order_by(family, "given_name", "id")
    if after is not None:
        anchor = patients.filter(pk=after).values("family_name", "given_name", "id").first()
        if anchor is not None:
            f, g, i = anchor["family_name"], anchor["given_name"], anchor["id"]
            # family_name >= f, implied by the OR, gives the name index where to start
            # (the 2,000th page at 100,000 patients: 80 ms of skipped rows -> 5 ms).
            ordered = ordered.filter(Q(family_name__gte=f), Q(family_name__gt=f)
                                     | Q(family_name=f, given_name__gt=g)
                                     | Q(family_name=f, given_name=g, id__gt=i))
        else:
            after = None
    rows = list(ordered[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return PatientPage(rows=rows, next_after=rows[-1].pk if more else None,
                       is_first=after is None)


# --- the day list ------------------------------------------------------------------------

PERIODS = {"today": _("Today"), "week": _("This week")}


class DayListForm(forms.Form):
    period = forms.ChoiceField(required=False, choices=list(PERIODS.items()))
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        required=False, queryset=None, empty_label=_("All my sites"))

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = user.sites.all().order_by("name")


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day of today or of this week (Monday to Sunday)."""
    if period == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)
    return today, today


@dataclass
class DayGroup:
    on: dt.date
    rows: list[stages.DayRow] = field(default_factory=list)


def encounter_rows(user: User, *, sites: Sequence[Site], start: dt.date,
                   end: dt.date) -> list[stages.DayRow]:
    """Return the clinic's own encounters in the period, each with its chart as next step."""
    encounters = scope(Encounter.objects, user).filter(
        episode__patient__site__in=sites, occurred_on__range=(start, end)) \
        .select_related("episode__patient__site", "clinician").order_by("occurred_on", "id")
    rows = []
    for encounter in encounters[:300]:
        episode = encounter.episode
        consult = encounter.kind == EncounterKind.CONSULTATION
        rows.append(stages.DayRow(
            on=encounter.occurred_on, kind=encounter.get_kind_display(),
            patient=episode.patient, joint=str(episode),
            detail=(gettext("with %(clinician)s")
                    % {"clinician": encounter.clinician.get_full_name()}
                    if encounter.clinician else gettext("no clinician named")),
            action=gettext("Open the consultation") if consult else gettext("Open the chart"),
            action_url=reverse("consultation:episode", args=[episode.pk]) if consult
            else reverse("patient-detail", args=[episode.patient_id])))
    return rows


def day_groups(user: User, *, sites: Sequence[Site], start: dt.date, end: dt.date,
               today: dt.date) -> list[DayGroup]:
    """Return the day list's rows of every stage, grouped by day in date order."""
    rows = encounter_rows(user, sites=sites, start=start, end=end) + stages.day_list(
        user, sites=sites, start=start, end=end, today=today)
    groups: dict[dt.date, DayGroup] = {}
    for row in sorted(rows, key=lambda r: (r.on, r.kind, str(r.patient))):
        groups.setdefault(row.on, DayGroup(on=row.on)).rows.append(row)
    return list(groups.values())


# What each role's day list would show, for the empty state.
DAY_LIST_SHOWS: dict[str, list[StrOrPromise]] = {
    Role.CLINICIAN: [_("consultations and encounters dated in the period"),
                     _("intakes waiting for your candidacy decision"),
                     _("injection sessions and units issued for a procedure"),
                     _("follow-up visits due, calls and complication reviews"),
                     _("serious adverse events whose regulatory report falls due")],
    Role.COORDINATOR: [_("consultations and encounters dated in the period"),
                       _("intakes still to complete"),
                       _("follow-up visits due or overdue, calls and reviews"),
                       _("serious adverse events whose regulatory report falls due")],
    Role.LAB: [_("consultations and encounters dated in the period"),
               _("units issued to a joint and not yet given"), _("injection sessions")],
    Role.ADMIN: [_("consultations and encounters dated in the period")],
}
