import pytest

from orthoregen.products.dose import CellDose, cell_dose, cells_per_kg, exceeds_joint_volume
from orthoregen.products.episode import Joint


@pytest.mark.parametrize(
    ("concentration", "volume_ml", "expected_cells"),
    [
        # Korean phase III AD-MSC: 3 mL at 33.3 x 10^6/mL = 1.0 x 10^8 (table of Aabling RR et
        # al., Biomedicines 2025;13(2):509).
        (33.3e6, 3.0, 1.0e8),
        # Gunay et al.: 5 mL at 20 x 10^6/mL = 100 x 10^6 (Aabling 2025 table).
        (20e6, 5.0, 100e6),
        # Lu et al.: 3 mL at 3.3 and 16.7 x 10^6/mL for 10 and 50 x 10^6 (Aabling 2025 table).
        (3.3e6, 3.0, 10e6),
        (16.7e6, 3.0, 50e6),
    ],
)
def test_cell_dose_matches_published_trial_doses(concentration, volume_ml, expected_cells):
    # Published concentrations are rounded to 3 significant figures, hence 1e-2.
    assert cell_dose(concentration, volume_ml).total_cells == pytest.approx(
        expected_cells, rel=1e-2
    )


def test_viable_cells_are_total_times_viability():
    # Viable cells = total x viability (docs/cell-products.md#cell-dose-and-volume).
    assert cell_dose(20e6, 5.0, viability_percent=80) == CellDose(100e6, 80e6)


def test_cells_per_kg_divides_by_weight():
    # Emadedin M et al. (Arch Iran Med 2015) reported ~0.5 x 10^6 cells/kg: 35 x 10^6 in 70 kg.
    assert cells_per_kg(35e6, 70) == pytest.approx(0.5e6)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((-1, 3), {}), ((1e6, -3), {}), ((1e6, 3), {"viability_percent": 101})],
)
def test_impossible_inputs_are_refused(args, kwargs):
    with pytest.raises(ValueError):
        cell_dose(*args, **kwargs)


def test_weight_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        cells_per_kg(1e6, 0)


@pytest.mark.parametrize(
    ("joint", "volume_ml", "exceeds"),
    # Project defaults (CFG, docs/cell-products.md#cell-dose-and-volume): knee 10 mL, hip 7 mL,
    # shoulder 10 mL.
    [
        (Joint.KNEE, 10.0, False),
        (Joint.KNEE, 10.5, True),
        (Joint.HIP, 7.0, False),
        (Joint.HIP, 7.1, True),
        (Joint.SHOULDER, 10.0, False),
        (Joint.SHOULDER, 11.0, True),
    ],
)
def test_injectate_volume_limits_per_joint(joint, volume_ml, exceeds):
    assert exceeds_joint_volume(joint, volume_ml) is exceeds
