"""Look-back over product lineage: from a donor, lot or material to every recipient, and back.

Source: docs/cell-products.md#lineage-and-look-back (lineage is a DAG: donation ->
intermediate -> bank -> lot -> unit, with splits and pools; look-back from a donor, donation,
lot, reagent lot or unit to every recipient, and from a recipient to every donor, product and
material) and 21 CFR 1271.290(b) (tracking in both directions). This in-memory version is
the specification and test oracle for the web layer's recursive SQL query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from orthoregen.products.episode import Joint, Side


@dataclass(frozen=True)
class LineageNode:
    """A donation, harvest, intermediate, bank, lot or unit, with the nodes it came from."""

    node_id: str
    parent_ids: tuple[str, ...] = ()
    donor_id: str | None = None
    material_lots: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Administration:
    unit_id: str
    patient_id: str
    episode_id: str
    joint: Joint
    side: Side
    administered_on: date


@dataclass(frozen=True)
class ReceivedProduct:
    """One administration and everything upstream of the unit given."""

    administration: Administration
    lineage: frozenset[str]
    donors: frozenset[str]
    material_lots: frozenset[str]


@dataclass(frozen=True)
class Lineage:
    nodes: Mapping[str, LineageNode]
    administrations: tuple[Administration, ...] = ()

    def __post_init__(self) -> None:
        known = set(self.nodes)
        for node in self.nodes.values():
            unknown = set(node.parent_ids) - known
            if unknown:
                raise ValueError(f"node {node.node_id} names unknown parents {sorted(unknown)}")
        for given in self.administrations:
            if given.unit_id not in known:
                raise ValueError(f"administration of unknown unit {given.unit_id}")

    @classmethod
    def of(
        cls, nodes: Iterable[LineageNode], administrations: Iterable[Administration] = ()
    ) -> Lineage:
        return cls({n.node_id: n for n in nodes}, tuple(administrations))

    @cached_property
    def children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {node_id: [] for node_id in self.nodes}
        for node in self.nodes.values():
            for parent in node.parent_ids:
                children[parent].append(node.node_id)
        return children


def descendants(lineage: Lineage, node_ids: Iterable[str]) -> frozenset[str]:
    """Return the nodes and everything derived from them (splits, pools, relabels)."""
    return _walk(node_ids, lambda n: lineage.children[n])


def ancestors(lineage: Lineage, node_ids: Iterable[str]) -> frozenset[str]:
    """Return the nodes and everything they were derived from."""
    return _walk(node_ids, lambda n: lineage.nodes[n].parent_ids)


def lookback_from_nodes(lineage: Lineage, node_ids: Iterable[str]) -> tuple[Administration, ...]:
    """Return every administration of a unit derived from the given lots or units, by date."""
    reached = descendants(lineage, node_ids)
    found = [a for a in lineage.administrations if a.unit_id in reached]
    return tuple(sorted(found, key=lambda a: (a.administered_on, a.patient_id, a.unit_id)))


def lookback_from_donor(lineage: Lineage, donor_id: str) -> tuple[Administration, ...]:
    """Return every administration of a unit with this donor anywhere upstream."""
    sources = [n.node_id for n in lineage.nodes.values() if n.donor_id == donor_id]
    return lookback_from_nodes(lineage, sources)


def lookback_from_material_lot(lineage: Lineage, lot: str) -> tuple[Administration, ...]:
    """Return every administration downstream of a reagent or kit lot (e.g. collagenase)."""
    users = [n.node_id for n in lineage.nodes.values() if lot in n.material_lots]
    return lookback_from_nodes(lineage, users)


def products_received(lineage: Lineage, patient_id: str) -> tuple[ReceivedProduct, ...]:
    """Return each product a patient received with its full lineage, donors and materials."""
    received = []
    for given in lineage.administrations:
        if given.patient_id != patient_id:
            continue
        upstream = ancestors(lineage, [given.unit_id])
        nodes = [lineage.nodes[n] for n in upstream]
        donors = frozenset(n.donor_id for n in nodes if n.donor_id is not None)
        materials = frozenset(lot for n in nodes for lot in n.material_lots)
        received.append(ReceivedProduct(given, upstream, donors, materials))
    return tuple(sorted(received, key=lambda r: r.administration.administered_on))


def _walk(start: Iterable[str], next_of: Callable[[str], Iterable[str]]) -> frozenset[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(next_of(node))
    return frozenset(seen)
