"""Range of motion: whole degrees per movement, recorded as measured.

See docs/instruments.md#range-of-motion.
"""

import pytest

from orthoregen.instruments import ResponseError, get_instrument, score


def test_degrees_are_reported_as_measured():
    result = score("rom_knee", {"flexion_deg": 135, "extension_deficit_deg": 5})
    assert result["flexion_deg"] == 135
    assert result["extension_deficit_deg"] == 5
    assert result["hyperextension_deg"] is None


@pytest.mark.parametrize(
    ("instrument_id", "movements"),
    [
        ("rom_knee", {"extension_deficit_deg", "hyperextension_deg", "flexion_deg"}),
        (
            "rom_hip",
            {
                "flexion_deg",
                "extension_deg",
                "abduction_deg",
                "adduction_deg",
                "internal_rotation_deg",
                "external_rotation_deg",
            },
        ),
        (
            "rom_shoulder",
            {
                "forward_flexion_deg",
                "abduction_deg",
                "external_rotation_side_deg",
                "external_rotation_90_deg",
                "internal_rotation_90_deg",
            },
        ),
    ],
)
def test_each_joint_records_the_movements_of_the_spec(instrument_id, movements):
    assert {item.id for item in get_instrument(instrument_id).items} == movements


def test_fractional_or_negative_degrees_are_rejected():
    with pytest.raises(ResponseError, match="flexion_deg"):
        score("rom_knee", {"flexion_deg": 120.5})
    with pytest.raises(ResponseError, match="flexion_deg"):
        score("rom_hip", {"flexion_deg": -5})
