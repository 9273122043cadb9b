"""Synthetic cell lab for a fresh cohort: donors, harvests, units with QC, release, custody.

Every episode with a procedure encounter gets one unit issued for its injection: 40 %
allogeneic (umbilical cord or donor adipose MSC vials divided from donor lots: lot -> 5
sub-lots -> vials), 60 % autologous (BMAC, SVF or culture-expanded adipose MSC from the
patient's own harvest). A few spare vials stay in stock and a few are discarded, as in a
real lab. Shares are assumptions for a realistic demo, not evidence. The procedure room's
stage (synthetic.procedures) then administers the issued units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from orthoregen.products.isbt128 import check_character
from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.cellbank.models import (
    CustodyEvent,
    Donor,
    DonorTest,
    Harvest,
    ProductUnit,
    QcResult,
)
from orthoregen.web.cellbank.product_codes import default_product_code
from orthoregen.web.cellbank.services.release import release_specs_ensure
from orthoregen.web.cellbank.vocabulary import DonorAnalyte

if TYPE_CHECKING:
    import pandas as pd

    from orthoregen.web.synthetic.clinic import SynthContext

PRODUCTS = {  # product class: (share, allogeneic?, cryopreserved?)
    "umbilical_cord_msc": (0.30, True, True),
    "donor_adipose_msc": (0.10, True, True),
    "bmac": (0.35, False, False),
    "svf": (0.10, False, False),
    "autologous_adipose_msc": (0.15, False, True),
}
ADMINISTRATIONS_PER_DONOR = 150
SUBLOTS = 5
CONCENTRATION = {"umbilical_cord_msc": 10e6, "donor_adipose_msc": 10e6, "bmac": 8e6,
                 "svf": 5e6, "autologous_adipose_msc": 15e6}
VOLUME_ML = {"knee": 3.0, "hip": 4.0, "shoulder": 4.0}  # injected, per joint
# The two largest tables go in as plain tuples: building ~8 model instances per treated
# joint was most of this stage's time at 100k patients.
QC_COLUMNS = ("unit_id", "test", "value", "outcome", "method", "at", "by_id")
CUSTODY_COLUMNS = ("unit_id", "from_status", "to_status", "by_id", "at", "location", "note")


@dataclass
class Rows:
    qc: list = field(default_factory=list)
    custody: list = field(default_factory=list)


@dataclass(frozen=True)
class IssuedUnits:
    """The unit issued for each procedure encounter, in the order of the cohort's encounters."""

    episode_rows: list[int]  # row of cohort.episodes
    at: list[dt.datetime]  # when the joint is injected
    units: list[ProductUnit]
    lab: User  # who signs the lab's custody records


def synth_cell_lab(context: SynthContext) -> IssuedUnits:
    """Add the cell lab's records for every procedure encounter; return the units issued."""
    site = context.site
    lab = _staff(site, Role.LAB) or _synthetic_technician(site)
    zone = ZoneInfo(site.time_zone)
    treated = context.cohort.encounters[context.cohort.encounters["kind"] == "procedure"]
    if treated.empty:
        return IssuedUnits(episode_rows=[], at=[], units=[], lab=lab)
    rng = context.rng("cellbank")
    episodes = context.cohort.episodes
    ep_rows = treated["episode"].to_numpy()
    days = [d.date() for d in treated["occurred_on"]]
    classes = np.array(list(PRODUCTS))[rng.choice(len(PRODUCTS), size=len(ep_rows),
                                                  p=[v[0] for v in PRODUCTS.values()])]
    at = [dt.datetime.combine(d, dt.time(10, 0), tzinfo=zone) for d in days]
    release_specs_ensure(site)  # the defaults, published: only published ones judge units
    ids = _Identifiers(site.pk, context.seed)
    rows = Rows()
    units: list[ProductUnit | None] = [None] * len(ep_rows)
    allo = [i for i in range(len(ep_rows)) if PRODUCTS[classes[i]][1]]
    auto = [i for i in range(len(ep_rows)) if not PRODUCTS[classes[i]][1]]
    issued_to = [context.episode_ids[row] for row in ep_rows]
    _allogeneic(context, site, lab, allo, classes, at, issued_to, ids, rows, units)
    _autologous(context, site, lab, rng, auto, classes, at, ep_rows, episodes, issued_to, ids,
                rows, units)
    context.insert_rows(QcResult, QC_COLUMNS, rows.qc, "QC results")
    context.insert_rows(CustodyEvent, CUSTODY_COLUMNS, rows.custody, "custody events (lab)")
    # every row is either allogeneic or autologous, so each has its unit by now
    issued = [unit for unit in units if unit is not None]
    if len(issued) != len(units):
        raise RuntimeError("a procedure encounter was left without a unit")
    return IssuedUnits(episode_rows=[int(row) for row in ep_rows], at=at, units=issued, lab=lab)


def custody_rows(rows: Rows, unit: ProductUnit, steps: Sequence[tuple[str, str]], by: User,
                 start: dt.datetime, note: str = "") -> None:
    """Add a unit's custody events, one minute apart from ``start``, as CUSTODY_COLUMNS tuples."""
    previous = ""
    for i, (status, label) in enumerate(steps):
        rows.custody.append((unit.pk, previous, status, by.pk, start + dt.timedelta(minutes=i),
                             "Cell lab", label or note))
        previous = status


def _staff(site: Site, role: str) -> User | None:
    return User.objects.filter(sites=site, is_active=True, role=role).order_by("pk").first()


def _synthetic_technician(site: Site) -> User:
    """Return the inactive account that signs a synthetic lab's records when it has no staff.

    Custody events need a person; a registry loaded with `orthoregen synth` has no users, so
    its records name this account, which cannot log in (no password, inactive).
    """
    user, made = User.objects.get_or_create(
        username=f"synthetic-lab-{site.code}",
        defaults={"role": Role.LAB, "first_name": "Synthetic", "last_name": "Lab technician",
                  "is_active": False})
    if made:
        user.set_unusable_password()
        user.save()
        user.sites.add(site)
    return user


class _Identifiers:
    """ISBT 128-shaped DINs under a fictitious FIN, and LOC- local identifiers."""

    def __init__(self, site_pk: int, seed: int) -> None:
        self.fin = f"Z{(seed * 31 + site_pk) % 10000:04d}"
        self.local = f"{site_pk}S{seed % 10000}N"
        self.n = 0

    def din(self, year: int) -> tuple[str, str]:
        self.n += 1
        din = f"{self.fin}{year % 100:02d}{self.n:06d}"
        return din + check_character(din), "isbt_din"

    def loc(self) -> tuple[str, str]:
        self.n += 1
        body = f"{self.local}{self.n}"
        return f"LOC-{body}-{check_character(body)}", "local"


def _unit(site: Site, identifier: tuple[str, str], parent: ProductUnit | None,
          source: dict[str, Any], product: str, collected: dt.datetime, expires: dt.datetime,
          status: str, volume: float, **extra: Any) -> ProductUnit:
    # Released with a typed approver and no electronic signature rows: the site is synthetic
    # (Site.is_synthetic), and the unit page says so instead of showing a signature.
    text, kind = identifier
    cryo = PRODUCTS[product][2]
    conc = CONCENTRATION[product]
    return ProductUnit(
        site=site, identifier=text, identifier_kind=kind, product_class=product, parent=parent,
        product_code=default_product_code(product).code, collected_at=collected,
        expires_at=expires, status=status, volume_ml=volume,
        concentration_per_ml=conc, cell_count=conc * volume, viability_pct=extra.pop("via", 88.0),
        storage="LN2 vapour ≤ −150 °C" if cryo else "Room temperature, use within 12 h",
        is_cryopreserved=cryo, max_post_thaw_hold_minutes=120 if cryo else None,
        sterility="negative", release_approver="Synthetic QP", processing_site="Synthetic lab",
        sop_version="SOP-CL-7", **source, **extra)


def _allogeneic(context: SynthContext, site: Site, lab: User, allo: list[int],
                classes: np.ndarray, at: list[dt.datetime], issued_to: list[int],
                ids: _Identifiers, rows: Rows, units: list[ProductUnit | None]) -> None:
    for product, donor_type in (("umbilical_cord_msc", "umbilical_cord"),
                                ("donor_adipose_msc", "donor_adipose")):
        mine = sorted((i for i in allo if classes[i] == product), key=lambda i: at[i])
        chunks = [mine[s:s + ADMINISTRATIONS_PER_DONOR]
                  for s in range(0, len(mine), ADMINISTRATIONS_PER_DONOR)]
        if not chunks:
            continue
        donors = context.insert(Donor, [
            Donor(site=site, code=f"D{site.pk}-{context.seed}-{product[:2].upper()}{k + 1:03d}",
                  donor_type=donor_type, eligibility="eligible", determined_by=lab,
                  determined_at=at[chunk[0]] - dt.timedelta(days=90), consent_version="DC-2",
                  screening_questionnaire_version="DQ-4", screening_reviewed_by=lab,
                  screening_reviewed_on=(at[chunk[0]] - dt.timedelta(days=95)).date(),
                  tested_person="Birth mother" if donor_type == "umbilical_cord" else "")
            for k, chunk in enumerate(chunks)], f"donors ({product})")
        context.insert(DonorTest, [
            DonorTest(donor=d, analyte=a, assay="licensed assay", lab="Reference virology",
                      specimen_date=d.screening_reviewed_on, result="non_reactive",
                      recorded_by=lab)
            for d in donors for a in DonorAnalyte.values], "donor tests")
        for donor, chunk in zip(donors, chunks, strict=True):
            _donor_lineage(context, site, lab, donor, chunk, product, at, issued_to, ids, rows,
                           units)


def _donor_lineage(context: SynthContext, site: Site, lab: User, donor: Donor, chunk: list[int],
                   product: str, at: list[dt.datetime], issued_to: list[int],
                   ids: _Identifiers, rows: Rows, units: list[ProductUnit | None]) -> None:
    made = at[chunk[0]] - dt.timedelta(days=60)
    expires = at[chunk[-1]] + dt.timedelta(days=365)
    source = {"donor": donor}
    lot = context.insert(ProductUnit, [_unit(site, ids.din(made.year), None, source, product,
                                             made, expires, "discarded", 200.0, passage=3)],
                         "donor lots")[0]
    sublots = context.insert(ProductUnit, [
        _unit(site, ids.din(made.year), lot, source, product, made, expires, "discarded", 40.0,
              passage=4) for _ in range(SUBLOTS)], "sub-lots")
    custody_rows(rows, lot, [("quarantine", "Received"), ("released", "Released"),
                         ("discarded", "Divided into sub-lots")], lab, made)
    for sub in sublots:
        custody_rows(rows, sub, [("released", "Divided from lot"),
                             ("discarded", "Divided into vials")], lab, made)
        rows.qc += _qc_panel(sub, lab, made, cultured=True)
    spare = [("released", "in stock")] * 2 + [("discarded", "Container damaged in storage")]
    vials = [_unit(site, ids.din(made.year), sublots[k % SUBLOTS], source, product, made,
                   expires, "administered", 1.0 + VOLUME_ML["hip"], passage=4,
                   issued_to_episode_id=issued_to[i])
             for k, i in enumerate(chunk)]
    vials += [_unit(site, ids.din(made.year), sublots[k], source, product, made, expires,
                    status, 5.0, passage=4) for k, (status, _) in enumerate(spare)]
    vials = context.insert(ProductUnit, vials, "vials")
    for vial, (status, why) in zip(vials[len(chunk):], spare, strict=True):
        steps = [("released", "Divided from sub-lot")]
        if status == "discarded":
            steps.append(("discarded", why))
        custody_rows(rows, vial, steps, lab, made)
    for i, vial in zip(chunk, vials, strict=False):
        units[i] = vial


def _qc_panel(unit: ProductUnit, by: User, at: dt.datetime, *,
              cultured: bool) -> list[tuple[Any, ...]]:
    numbers = {"viability": 90.0, "endotoxin_eu_per_ml": 0.2}
    if cultured:
        numbers |= {"CD73": 98.0, "CD90": 97.5, "CD105": 96.0, "CD45": 0.5, "CD34": 0.8,
                    "CD14": 0.4, "CD79a": 0.3, "HLA-DR": 0.6}
    outcomes = {"sterility": "negative", "gram_stain": "negative"}
    if cultured:
        outcomes["mycoplasma"] = "negative"
    return [(unit.pk, t, v, "", "", at, by.pk) for t, v in numbers.items()] + \
        [(unit.pk, t, None, o, "", at, by.pk) for t, o in outcomes.items()]


def _autologous(context: SynthContext, site: Site, lab: User, rng: np.random.Generator,
                auto: list[int], classes: np.ndarray, at: list[dt.datetime],
                ep_rows: np.ndarray, episodes: pd.DataFrame, issued_to: list[int],
                ids: _Identifiers, rows: Rows, units: list[ProductUnit | None]) -> None:
    harvests = []
    patient_of = episodes["patient"]
    for i in auto:
        product = classes[i]
        cultured = product == "autologous_adipose_msc"
        owner = int(patient_of[ep_rows[i]])
        harvests.append(Harvest(
            patient_id=context.patient_ids[owner], episode_id=context.episode_ids[ep_rows[i]],
            source="bone_marrow" if product == "bmac" else "lipoaspirate",
            body_site="Posterior iliac crest" if product == "bmac" else "Abdomen",
            side="right" if product == "bmac" else "", volume_ml=60 if product == "bmac" else 120,
            operator=lab, harvested_at=at[i] - dt.timedelta(days=35 if cultured else 0, hours=2)))
    harvests = context.insert(Harvest, harvests, "harvests")
    made = []
    for i, harvest in zip(auto, harvests, strict=True):
        product = classes[i]
        cultured = PRODUCTS[product][2]
        collected = harvest.harvested_at + dt.timedelta(minutes=45)
        expires = collected + (dt.timedelta(days=365) if cultured else dt.timedelta(hours=12))
        made.append(_unit(site, ids.loc(), None, {"harvest": harvest}, product, collected,
                          expires, "administered", VOLUME_ML["hip"] + 1,
                          via=round(float(rng.normal(88, 4)), 1),
                          issued_to_episode_id=issued_to[i]))
    made = context.insert(ProductUnit, made, "autologous units")
    for i, unit in zip(auto, made, strict=True):
        units[i] = unit
        rows.qc += _qc_panel(unit, lab, unit.collected_at, cultured=unit.is_cryopreserved)
