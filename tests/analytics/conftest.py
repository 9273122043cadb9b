from pathlib import Path

import pandas as pd
import pytest

# Hypothesis settings are set per test (tests/analytics/properties.py), not by loading a
# global profile, so that other areas' profiles in the same pytest run are left alone.
REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="session")
def bcg() -> pd.DataFrame:
    """Return metadat dat.bcg with metafor's escalc log RR (reference/bcg.csv)."""
    return pd.read_csv(REFERENCE / "bcg.csv")


@pytest.fixture(scope="session")
def aml() -> pd.DataFrame:
    """Return R survival's aml data (reference/aml.csv)."""
    return pd.read_csv(REFERENCE / "aml.csv")


@pytest.fixture(scope="session")
def sleep() -> pd.DataFrame:
    """Return R datasets' sleep data (reference/sleep.csv)."""
    return pd.read_csv(REFERENCE / "sleep.csv")


@pytest.fixture(scope="session")
def normand() -> pd.DataFrame:
    """Return metadat dat.normand1999 (reference/normand1999.csv)."""
    return pd.read_csv(REFERENCE / "normand1999.csv")


@pytest.fixture(scope="session")
def raudenbush() -> pd.DataFrame:
    """Return metadat dat.raudenbush1985 (reference/raudenbush1985.csv)."""
    return pd.read_csv(REFERENCE / "raudenbush1985.csv")
