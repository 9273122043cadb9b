from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from orthoregen.products.division import divide_unit
from orthoregen.products.donor import DonorEligibility
from orthoregen.products.product_code import DivisionRefused, ProductCode
from orthoregen.products.status import UnitState, UnitStatus

UNDIVIDED = ProductCode("S1295", "4")  # ST-001 v6.2.2 Figure 3's code, undivided ("00")


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# ST-001 Fig. 21 tissue label DIN A9999 17 123456 (K 9).
WHOLE = UnitState(
    unit_id="A999917123456",
    status=UnitStatus.RELEASED,
    expires_at=NOW + timedelta(days=2),
    donor_eligibility=DonorEligibility.ELIGIBLE,
    release_approver="Dr QP",
    hold_reason="lot investigation open",
)


def test_each_part_of_a_divided_unit_keeps_the_din_and_its_safety_state():
    # ST-001 7.3.1: DIN + product description code + division code identify each part.
    parts = divide_unit(WHOLE, UNDIVIDED, 2)
    assert [p.product_code.code for p in parts] == ["S12954A0", "S12954B0"]
    assert [p.state.unit_id for p in parts] == [
        "A999917123456 S12954A0",
        "A999917123456 S12954B0",
    ]
    for part in parts:
        assert replace(part.state, unit_id=WHOLE.unit_id) == WHOLE


@pytest.mark.parametrize(
    "status",
    [s for s in UnitStatus if s not in {"quarantine", "released", "conditionally_released"}],
)
def test_only_a_unit_in_quarantine_or_released_is_divided(status):
    with pytest.raises(DivisionRefused, match=f"is {status}"):
        divide_unit(replace(WHOLE, status=status), UNDIVIDED, 2)


def test_a_part_divided_again_is_named_by_its_din_and_its_new_code():
    first = divide_unit(WHOLE, UNDIVIDED, 2)[0]
    again = divide_unit(first.state, first.product_code, 2)
    assert [p.state.unit_id for p in again] == [
        "A999917123456 S12954Aa",
        "A999917123456 S12954Ab",
    ]
