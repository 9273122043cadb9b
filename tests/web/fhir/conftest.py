"""A small synthetic clinic at site A (every pathway stage), for the FHIR server's tests."""

import datetime as dt

import pytest

from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def cohort(db, site_a, clinician_a, coordinator_a, lab_a):
    """Twelve synthetic patients through every stage at site A."""
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 12, seed=41, as_of=AS_OF)
    return site_a
