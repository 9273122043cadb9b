"""Is the registry fit for use? Completeness, loss, representativeness and product records.

The questions of the FDA guidance "Real-World Data: Assessing Registries to Support
Regulatory Decision-Making for Drug and Biological Products" (December 2023: relevance and
reliability, including completeness and follow-up) and of the MIBO checklist for cell-based
injection studies (Murray IR et al., J Bone Joint Surg Am 2017;99:809-19,
doi:10.2106/JBJS.16.00793: cell source, dose and viability reported), answered per site from
the fact tables of the user's own sites (docs/statistics.md#registry-fitness-for-use):

- completeness: treated joints with a baseline score, and due visits (window closed) that
  were completed and scored, per time point;
- loss to follow-up: due visits not completed, by reason: the patient withdrew from
  follow-up before the window closed, the joint was replaced before it closed, or no response;
- representativeness: the treated joints beside every consulted joint (age, sex, grade);
- product characterisation: injections with a recorded cell source, dose and viability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from orthoregen.web.accounts.access import scope
from orthoregen.web.cellbank.models import Administration
from orthoregen.web.followup.models import Withdrawal
from orthoregen.web.registry.measures import BASELINE, TIMEPOINT_LABELS
from orthoregen.web.registry.models import EpisodeFact, InjectionFact, ScoreFact, VisitFact

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

FDA_2023 = ("FDA. Real-World Data: Assessing Registries to Support Regulatory Decision-Making "
            "for Drug and Biological Products. Guidance for Industry, December 2023")
MIBO = ("Murray IR et al. Minimum information for studies evaluating biologics in orthopaedics "
        "(MIBO). J Bone Joint Surg Am 2017;99:809-19. doi:10.2106/JBJS.16.00793")


@dataclass(frozen=True)
class Share:
    """count of n, with the share (None when n is 0)."""

    count: int
    n: int

    @property
    def share(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def lacking(self) -> int:
        """How many of n are not counted (e.g. treated joints with no baseline)."""
        return self.n - self.count


@dataclass(frozen=True)
class VisitCompleteness:
    timepoint: str
    label: str
    due: int
    completed: Share
    scored: Share
    withdrawn: int
    replaced: int
    no_response: int


@dataclass(frozen=True)
class GroupProfile:
    """Who is in a group of joints: n, age, sex and grade distribution."""

    name: str
    n: int
    age_median: float | None
    age_q1: float | None
    age_q3: float | None
    female: Share
    grades: dict[str, Share]


@dataclass(frozen=True)
class SiteFitness:
    site: str
    treated: int
    baseline: Share
    visits: tuple[VisitCompleteness, ...]
    consulted: GroupProfile
    treated_profile: GroupProfile
    age_smd: float | None
    injections: int
    cell_source: Share
    dose: Share
    viability: Share


def _frame(queryset: QuerySet, fields: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(queryset.values_list(*fields)), columns=fields)


def _profile(name: str, episodes: pd.DataFrame) -> GroupProfile:
    ages = pd.to_numeric(episodes["age_at_treatment"], errors="coerce").dropna()
    q1, median, q3 = (np.quantile(ages, [0.25, 0.5, 0.75]) if len(ages) else (None,) * 3)
    grades = episodes.dropna(subset=["grade"])
    labels = (grades["grade_scale"].str.replace("_", " ").str.title().str.replace(
        "Kellgren Lawrence", "KL") + " " + grades["grade"].astype(int).astype(str))
    counts = labels.value_counts().sort_index()
    return GroupProfile(
        name=name, n=len(episodes),
        age_median=None if median is None else float(median),
        age_q1=None if q1 is None else float(q1), age_q3=None if q3 is None else float(q3),
        female=Share(int((episodes["sex"] == "female").sum()), len(episodes)),
        grades={str(label): Share(int(c), len(episodes)) for label, c in counts.items()})


def standardised_difference(a: pd.Series, b: pd.Series) -> float | None:
    """Return (mean a − mean b) / √((sd a² + sd b²) / 2), Austin PC, Stat Med 2009;28:3083-107.

    An absolute value above 0.1 is the usual sign of a meaningful imbalance (same source).
    """
    a, b = pd.to_numeric(a, errors="coerce").dropna(), pd.to_numeric(b, errors="coerce").dropna()
    if len(a) < 2 or len(b) < 2:
        return None
    pooled = np.sqrt((a.var() + b.var()) / 2)
    return None if pooled == 0 else float((a.mean() - b.mean()) / pooled)


def _visits(episodes: pd.DataFrame, visits: pd.DataFrame, scored: set, withdrawn: dict,
            as_of: dt.date) -> tuple[VisitCompleteness, ...]:
    due = visits[pd.to_datetime(visits["window_closes"]) < pd.Timestamp(as_of)]
    replaced_on = pd.to_datetime(episodes.set_index("episode_id")["arthroplasty_on"])
    patient_of = episodes.set_index("episode_id")["patient_id"]
    out = []
    for timepoint in [t for t in TIMEPOINT_LABELS if t != BASELINE]:
        rows = due[due["timepoint"] == timepoint]
        if rows.empty:
            continue
        closes = pd.to_datetime(rows["window_closes"])
        missed = rows[~rows["completed"].astype(bool)]
        closes_missed = closes[missed.index]
        withdrew_on = pd.to_datetime(missed["episode_id"].map(patient_of).map(withdrawn))
        is_withdrawn = withdrew_on.notna() & (withdrew_on <= closes_missed)
        replaced = missed["episode_id"].map(replaced_on)
        is_replaced = ~is_withdrawn & replaced.notna() & (replaced <= closes_missed)
        n = len(rows)
        out.append(VisitCompleteness(
            timepoint=timepoint, label=TIMEPOINT_LABELS[timepoint], due=n,
            completed=Share(int(rows["completed"].astype(bool).sum()), n),
            scored=Share(sum((e, timepoint) in scored for e in rows["episode_id"]), n),
            withdrawn=int(is_withdrawn.sum()), replaced=int(is_replaced.sum()),
            no_response=int(len(missed) - is_withdrawn.sum() - is_replaced.sum())))
    return tuple(out)


def _viability(injections: pd.DataFrame) -> Share:
    ids = injections["source_ref"].str.extract(r"^administration:(\d+)$")[0].dropna()
    known = set(Administration.objects.filter(
        pk__in=ids.astype(int).tolist(), unit__viability_pct__isnull=False)
        .values_list("pk", flat=True)) if len(ids) else set()
    return Share(sum(int(i) in known for i in ids), len(injections))


def site_fitness(site: Site, user: User, *, as_of: dt.date) -> SiteFitness:
    """Return the fitness-for-use measures of one of the user's sites."""
    facts = scope(EpisodeFact.objects.filter(site=site), user)
    episodes = _frame(facts, ["episode_id", "patient_id", "sex", "grade_scale", "grade",
                              "age_at_treatment", "first_treated_on", "arthroplasty_on"])
    treated = episodes[episodes["first_treated_on"].notna()]
    ids = treated["episode_id"].tolist()
    scored = set(ScoreFact.objects.filter(episode__in=facts, counts=True)
                 .values_list("episode_id", "timepoint").distinct())
    visits = _frame(VisitFact.objects.filter(episode__in=facts, episode_id__in=ids),
                    ["episode_id", "timepoint", "window_closes", "completed"])
    withdrawn = dict(Withdrawal.objects.filter(patient__site=site)
                     .values_list("patient_id", "withdrawn_on"))
    injections = _frame(InjectionFact.objects.filter(episode__in=facts),
                        ["cell_source", "dose_cells", "source_ref"])
    n_inj = len(injections)
    return SiteFitness(
        site=str(site), treated=len(treated),
        baseline=Share(sum((e, BASELINE) in scored for e in ids), len(treated)),
        visits=_visits(treated, visits, scored, withdrawn, as_of),
        consulted=_profile("All consulted joints", episodes),
        treated_profile=_profile("Treated joints", treated),
        age_smd=standardised_difference(treated["age_at_treatment"],
                                        episodes["age_at_treatment"]),
        injections=n_inj,
        cell_source=Share(int((injections["cell_source"].fillna("") != "").sum()), n_inj),
        dose=Share(int(injections["dose_cells"].notna().sum()), n_inj),
        viability=_viability(injections) if n_inj else Share(0, 0))


def fitness_report(user: User, *, as_of: dt.date) -> list[SiteFitness]:
    """Return the fitness-for-use measures of each of the user's sites, by site code."""
    return [site_fitness(site, user, as_of=as_of) for site in user.sites.order_by("code")]


def _pct(share: Share) -> str:
    return "—" if share.share is None else f"{100 * share.share:.1f} % ({share.count}/{share.n})"


def site_lines(s: SiteFitness) -> list[str]:
    """Return one site's measures as lines of text (the PDF's body)."""
    lines = [f"Treated joints: {s.treated}; with a baseline score: {_pct(s.baseline)}", "",
             "Due visits (window closed): completed, scored; missed by reason"]
    lines += [f"  {v.label}: {v.due} due; completed {_pct(v.completed)}; scored "
              f"{_pct(v.scored)}; withdrawn {v.withdrawn}, replaced {v.replaced}, "
              f"no response {v.no_response}" for v in s.visits] or ["  no visit due yet"]
    lines += ["", "Representativeness: treated beside all consulted joints"]
    for g in (s.consulted, s.treated_profile):
        age = "—" if g.age_median is None else \
            f"{g.age_median:.0f} ({g.age_q1:.0f}-{g.age_q3:.0f})"
        grades = ", ".join(f"{k} {_pct(v).split(' (')[0]}" for k, v in g.grades.items())
        lines.append(f"  {g.name}: n={g.n}; age median (IQR) {age}; female "
                     f"{_pct(g.female)}; {grades}")
    smd = "—" if s.age_smd is None else f"{s.age_smd:.2f}"
    lines += [f"  Standardised difference in age, treated vs consulted: {smd}", "",
              f"Product characterisation (MIBO), {s.injections} injections: cell source "
              f"{_pct(s.cell_source)}; dose {_pct(s.dose)}; viability {_pct(s.viability)}"]
    return lines


def fitness_pdf(sites: list[SiteFitness], *, as_of: dt.date) -> bytes:
    """Return the report as an A4 PDF, one page per site (matplotlib PdfPages, no network)."""
    import io
    import textwrap

    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from orthoregen.web.registry import charts

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": "Registry fitness for use",
                                    "Creator": "orthoregen"}) as pdf:
        pages: list[SiteFitness | None] = [*sites] or [None]
        for s in pages:
            figure = Figure(figsize=(8.27, 11.69))
            figure.text(0.07, 0.965, "Registry fitness for use", fontsize=14, weight="bold")
            figure.text(0.07, 0.945, f"Prepared {as_of:%d %B %Y} · {FDA_2023}; {MIBO}"[:170],
                        fontsize=6.5, color=charts.MUTED)
            if s is None:
                figure.text(0.07, 0.9, "No site.", fontsize=10)
            else:
                figure.text(0.07, 0.915, f"Site: {s.site}", fontsize=11, weight="bold")
                body = "\n".join(wrapped for line in site_lines(s)
                                 for wrapped in (textwrap.wrap(line, 110,
                                                               subsequent_indent="    ")
                                                 or [""]))
                figure.text(0.07, 0.895, body, fontsize=7.5, va="top", family="monospace")
                if s.visits:
                    ax = figure.add_axes((0.12, 0.08, 0.8, 0.25))
                    labels = [v.label for v in s.visits]
                    x = np.arange(len(labels))
                    ax.bar(x - 0.2, [100 * (v.completed.share or 0) for v in s.visits], 0.4,
                           color=charts.BRAND, label=_("completed"))
                    ax.bar(x + 0.2, [100 * (v.scored.share or 0) for v in s.visits], 0.4,
                           color=charts.OK, label=_("scored"))
                    ax.set_xticks(x, labels)
                    ax.set_ylim(0, 100)
                    ax.set_ylabel("% of due visits")
                    ax.legend(fontsize=7, frameon=False)
            pdf.savefig(figure)
    return buffer.getvalue()
