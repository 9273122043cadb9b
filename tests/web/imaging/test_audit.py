"""The audit walk (tests/web/audit/test_walk.py) over the imaging pages with a study present.

The suite-wide walk loads a synthetic clinic without MRI studies, so there a study page is
only ever a 404; here every imaging page is visited with a real study and with a missing one,
as each kind of user, and each page shown or refused must leave its access record.
"""

import pytest
from django.urls import reverse
from tests.web.audit.test_walk import arguments, url_patterns, visit
from tests.web.imaging.conftest import mr_images

from orthoregen.web.imaging import services


@pytest.mark.parametrize("who", ["own clinician", "other site", "wrong role", "coordinator"])
def test_every_imaging_page_shown_or_refused_is_recorded(
        tmp_path, site_a, site_b, mri_visit_a, as_user, who, clinician_a, clinician_b,
        analyst_a, coordinator_a):
    instances, via = services.read_path(mr_images(tmp_path / "s"))
    services.ingest(instances, site=site_a, received_via=via)
    user = {"own clinician": clinician_a, "other site": clinician_b, "wrong role": analyst_a,
            "coordinator": coordinator_a}[who]
    client = as_user(user)
    problems = []
    for name, converters in url_patterns():
        if not name.startswith("imaging:"):
            continue
        for args in (arguments(converters, site_a), {k: 999_999 for k in converters}):
            url = reverse(name, kwargs=args)
            if problem := visit(client, user, url, site_a):
                problems.append(problem)
    assert problems == []
