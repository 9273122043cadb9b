"""The synthetic loader writes only into sites marked synthetic: here site A is one."""

import pytest


@pytest.fixture
def site_a(site_a):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    return site_a
