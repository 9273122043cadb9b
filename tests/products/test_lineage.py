from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orthoregen.products.episode import Joint, Side
from orthoregen.products.lineage import (
    Administration,
    Lineage,
    LineageNode,
    ancestors,
    descendants,
    lookback_from_donor,
    lookback_from_material_lot,
    lookback_from_nodes,
    products_received,
)

# A bank pooled from two donors, as allogeneic pooled MSCs are (Stempeucel: Gupta PK et al.,
# Arthritis Res Ther 2016), split into lots and vials; plus a separate autologous harvest.
# Hand-built so the recipients of each starting point are known by reading the picture:
#
#   D1 donation d1 --\                       /-- lot L1 -- vials v1, v2
#                     >-- bank B (pooled) --<
#   D2 donation d2 --/   (collagenase C7)    \-- lot L2 -- vial v3
#   D3 donation d3 -- lot L3 -- vial v4
#   patient P9 harvest h9 -- syringe s9 (BMAC kit K1)
NODES = [
    LineageNode("d1", donor_id="D1"),
    LineageNode("d2", donor_id="D2"),
    LineageNode("d3", donor_id="D3"),
    LineageNode("B", ("d1", "d2"), material_lots=frozenset({"C7"})),
    LineageNode("L1", ("B",)),
    LineageNode("L2", ("B",)),
    LineageNode("L3", ("d3",)),
    LineageNode("v1", ("L1",)),
    LineageNode("v2", ("L1",)),
    LineageNode("v3", ("L2",)),
    LineageNode("v4", ("L3",)),
    LineageNode("h9", donor_id="P9"),
    LineageNode("s9", ("h9",), material_lots=frozenset({"K1"})),
]


def given_to(unit, patient, day, joint=Joint.KNEE, side=Side.LEFT):
    return Administration(unit, patient, f"E-{patient}-{joint}", joint, side, date(2026, 1, day))


ADMINISTRATIONS = [
    given_to("v1", "P1", 10),
    given_to("v2", "P2", 11),
    given_to("v3", "P1", 20, Joint.HIP, Side.RIGHT),  # second joint of P1
    given_to("v4", "P3", 12),
    given_to("s9", "P9", 13),
]
LINEAGE = Lineage.of(NODES, ADMINISTRATIONS)


def recipients(administrations):
    return [(a.unit_id, a.patient_id) for a in administrations]


@pytest.mark.parametrize(
    ("donor", "expected"),
    [
        ("D1", [("v1", "P1"), ("v2", "P2"), ("v3", "P1")]),
        ("D2", [("v1", "P1"), ("v2", "P2"), ("v3", "P1")]),
        ("D3", [("v4", "P3")]),
        ("P9", [("s9", "P9")]),
        ("D404", []),
    ],
)
def test_lookback_from_a_donor_finds_exactly_its_recipients(donor, expected):
    assert recipients(lookback_from_donor(LINEAGE, donor)) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [(["L1"], [("v1", "P1"), ("v2", "P2")]), (["L2"], [("v3", "P1")]), (["v2"], [("v2", "P2")])],
)
def test_lookback_from_a_lot_or_unit(start, expected):
    assert recipients(lookback_from_nodes(LINEAGE, start)) == expected


def test_lookback_from_a_reagent_lot():
    assert recipients(lookback_from_material_lot(LINEAGE, "C7")) == [
        ("v1", "P1"),
        ("v2", "P2"),
        ("v3", "P1"),
    ]
    assert recipients(lookback_from_material_lot(LINEAGE, "K1")) == [("s9", "P9")]


def test_products_received_by_a_patient_carry_donors_and_materials():
    received = products_received(LINEAGE, "P1")
    assert [r.administration.unit_id for r in received] == ["v1", "v3"]
    assert received[0].lineage == {"v1", "L1", "B", "d1", "d2"}
    assert received[1].donors == {"D1", "D2"}
    assert received[1].material_lots == {"C7"}


def test_unknown_parents_are_refused():
    with pytest.raises(ValueError, match="unknown parents"):
        Lineage.of([LineageNode("v", ("ghost",))])


@st.composite
def random_lineages(draw):
    # Each node may split from or pool any earlier nodes, so the graph is a DAG.
    count = draw(st.integers(1, 25))
    nodes = []
    for i in range(count):
        parents = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        nodes.append(LineageNode(f"n{i}", tuple(f"n{p}" for p in sorted(parents))))
    return Lineage.of(nodes)


@given(random_lineages(), st.data())
def test_descendants_and_ancestors_mirror_each_other(lineage, data):
    a = data.draw(st.sampled_from(sorted(lineage.nodes)))
    b = data.draw(st.sampled_from(sorted(lineage.nodes)))
    assert (b in descendants(lineage, [a])) == (a in ancestors(lineage, [b]))
    for node in descendants(lineage, [a]) - {a}:
        assert any(p in descendants(lineage, [a]) for p in lineage.nodes[node].parent_ids)
