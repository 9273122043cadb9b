"""Look-back in one SQL query each: from a donor, harvest or unit down to every recipient,
and from a patient up through the full lineage of every product received.

Source: 21 CFR 1271.290(b) (tracking both ways), docs/cell-products.md#lineage-and-look-back.
Lineage is the parent link of product units (splits); each query walks it with a recursive
common table expression, `WITH RECURSIVE`, written in SQL that SQLite and PostgreSQL both run.
products.lineage is the specification and the test oracle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.web.cellbank.models import (
    Administration,
    Donor,
    ProcedureJoint,
    ProductUnit,
)
from orthoregen.web.clinic.models import JointEpisode, Patient

UNIT = ProductUnit._meta.db_table
ADMIN = Administration._meta.db_table
PJOINT = ProcedureJoint._meta.db_table
EPISODE = JointEpisode._meta.db_table
PATIENT = Patient._meta.db_table
DONOR = Donor._meta.db_table


@dataclass(frozen=True)
class LookbackRow:
    """One unit reached by a look-back, and the patient and joint it went into, if any."""

    unit_id: int
    identifier: str
    status: str
    parent_id: int | None
    depth: int
    administered_at: dt.datetime | None
    patient_id: int | None
    patient_name: str
    mrn: str
    episode_id: int | None
    joint: str
    side: str
    issued_episode_id: int | None
    # The parts of a split share the identifier (the DIN) and differ by their Product Code.
    product_code: str = ""
    # Read with the row, so a page can tell an expired unit without reading the units again.
    expires_at: dt.datetime | None = None


# UNION ALL keeps the depth of each step; a unit reachable from two anchors (a lot and one
# of its own units) is then counted once, at its smallest depth, by the GROUP BY.
_DOWN = f"""
WITH RECURSIVE lineage(id, depth) AS (
    SELECT u.id, 0 FROM {UNIT} u WHERE {{anchor}} AND u.site_id IN ({{sites}})
    UNION ALL
    SELECT c.id, l.depth + 1 FROM {UNIT} c JOIN lineage l ON c.parent_id = l.id
)
SELECT u.id, u.identifier, u.status, u.parent_id, l.depth, a.administered_at,
       p.id, p.family_name, p.given_name, p.mrn, e.id, e.joint, e.side, u.issued_to_episode_id,
       u.product_code, u.expires_at
FROM (SELECT id, MIN(depth) AS depth FROM lineage GROUP BY id) l
JOIN {UNIT} u ON u.id = l.id
LEFT JOIN {ADMIN} a ON a.unit_id = u.id
LEFT JOIN {PJOINT} pj ON pj.id = a.procedure_joint_id
LEFT JOIN {EPISODE} e ON e.id = pj.episode_id
LEFT JOIN {PATIENT} p ON p.id = e.patient_id
ORDER BY a.administered_at, u.id
"""
# The first units of a source: those whose parent did not come from the same source.
_FIRST_OF = (f"u.{{column}} = %s AND NOT EXISTS (SELECT 1 FROM {UNIT} up "
             f"WHERE up.id = u.parent_id AND up.{{column}} = u.{{column}})")


def lookback_from_donor(donor_id: int, *, site_ids: Iterable[int]) -> list[LookbackRow]:
    """Return every unit from a donor, with each patient, joint and date it went into."""
    return _down(_FIRST_OF.format(column="donor_id"), [donor_id], site_ids)


def lookback_from_harvest(harvest_id: int, *, site_ids: Iterable[int]) -> list[LookbackRow]:
    """Return every unit from an autologous harvest and where it went."""
    return _down(_FIRST_OF.format(column="harvest_id"), [harvest_id], site_ids)


def lookback_from_units(unit_ids: Iterable[int | str], *,
                        site_ids: Iterable[int]) -> list[LookbackRow]:
    """Return the units (lots) given, every unit divided from them, and where each went."""
    ids = [int(u) for u in unit_ids]
    marks = ", ".join(["%s"] * len(ids))
    return _down(f"u.id IN ({marks})", ids, site_ids)


def _down(anchor: str, params: list[int], site_ids: Iterable[int]) -> list[LookbackRow]:
    sites = [int(s) for s in site_ids] or [-1]
    sql = _DOWN.format(anchor=anchor, sites=", ".join(["%s"] * len(sites)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *sites])
        rows = cursor.fetchall()
    return [_row(r) for r in rows]


def _row(r: Sequence[Any]) -> LookbackRow:
    name = f"{r[7].upper()}, {r[8]}" if r[7] is not None else ""
    return LookbackRow(unit_id=r[0], identifier=r[1], status=r[2], parent_id=r[3],
                       depth=r[4], administered_at=_when(r[5]), patient_id=r[6],
                       patient_name=name, mrn=r[9] or "", episode_id=r[10], joint=r[11] or "",
                       side=r[12] or "", issued_episode_id=r[13], product_code=r[14],
                       expires_at=_when(r[15]))


@dataclass(frozen=True)
class ReceivedRow:
    """One unit in the lineage of a product a patient received (depth 0 = the unit given)."""

    administration_id: int
    administered_at: dt.datetime
    joint: str
    side: str
    depth: int
    unit_id: int
    identifier: str
    product_class: str
    status: str
    donor_id: int | None
    donor_code: str
    harvest_id: int | None
    product_code: str = ""

    @property
    def product_label(self) -> str:
        return PRODUCT_CLASSES[ProductClass(self.product_class)].label


_UP = f"""
WITH RECURSIVE upstream(administration_id, unit_id, depth) AS (
    SELECT a.id, a.unit_id, 0 FROM {ADMIN} a
    JOIN {PJOINT} pj ON pj.id = a.procedure_joint_id
    JOIN {EPISODE} e ON e.id = pj.episode_id
    WHERE e.patient_id = %s
    UNION ALL
    SELECT s.administration_id, u.parent_id, s.depth + 1 FROM upstream s
    JOIN {UNIT} u ON u.id = s.unit_id WHERE u.parent_id IS NOT NULL
)
SELECT s.administration_id, a.administered_at, e.joint, e.side, s.depth, u.id, u.identifier,
       u.product_class, u.status, u.donor_id, d.code, u.harvest_id, u.product_code
FROM upstream s
JOIN {ADMIN} a ON a.id = s.administration_id
JOIN {PJOINT} pj ON pj.id = a.procedure_joint_id
JOIN {EPISODE} e ON e.id = pj.episode_id
JOIN {UNIT} u ON u.id = s.unit_id
LEFT JOIN {DONOR} d ON d.id = u.donor_id
ORDER BY a.administered_at, s.administration_id, s.depth
"""


def products_received(patient_id: int) -> list[ReceivedRow]:
    """Return every product a patient received, each with its full lineage up to the source."""
    with connection.cursor() as cursor:
        cursor.execute(_UP, [patient_id])
        rows = cursor.fetchall()
    return [ReceivedRow(administration_id=r[0], administered_at=_administered_at(r[1]), joint=r[2],
                        side=r[3], depth=r[4], unit_id=r[5], identifier=r[6],
                        product_class=r[7], status=r[8], donor_id=r[9], donor_code=r[10] or "",
                        harvest_id=r[11], product_code=r[12]) for r in rows]


def _administered_at(value: object) -> dt.datetime:
    when = _when(value)
    if when is None:  # the column is NOT NULL: a None here is a broken row, not a gap
        raise ValueError(f"an administration without its time: {value!r}")
    return when


def _when(value: object) -> dt.datetime | None:
    # PostgreSQL returns an aware datetime; SQLite a naive one in UTC (Django's converter of
    # its datetime columns), or text: both are made aware, so pages show local time alike.
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed
