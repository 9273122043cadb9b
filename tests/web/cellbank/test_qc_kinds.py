"""A QC result is of its test's kind: a culture an outcome, a measured test a number.

A viability entered as "negative" once turned every page of the unit, and of every unit
divided from it, into a server error. The service now refuses such a result before it is
stored, and a row of the wrong kind already stored is judged "needs review" (never a pass).
"""

import pytest
from django.urls import reverse
from tests.web.cellbank.conftest import DIN_A, receive

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import QcResult
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.release import release_evaluation


@pytest.mark.parametrize("kwargs, refusal", [
    ({"test": "viability", "value": 90.0, "outcome": "negative"}, "is measured: give a number"),
    ({"test": "viability", "value": 130.0}, "a percentage: at most 100"),
    ({"test": "viability", "value": -1.0}, "0 or more"),
    ({"test": "viability", "value": float("nan")}, "0 or more"),
    ({"test": "sterility", "value": 90.0, "outcome": "negative"}, "a culture: give its outcome"),
    ({"test": "sterility", "outcome": "clean"}, "negative, positive or pending"),
    ({"test": "cd73_typo", "value": 99.0}, "is not a QC test"),
])
def test_a_result_of_the_wrong_kind_is_refused_and_nothing_is_stored(
        site_a, lab_a, donor_a, kwargs, refusal):
    unit = receive(site_a, lab_a, DIN_A, donor_a)
    with pytest.raises(CellbankRefused, match=refusal):
        services.qc_record(unit, by=lab_a, **kwargs)
    assert not QcResult.objects.filter(unit=unit).exists()


def test_a_stored_row_of_the_wrong_kind_needs_review_and_the_page_still_opens(
        client, site_a, lab_a, donor_a):
    unit = receive(site_a, lab_a, DIN_A, donor_a)
    services.qc_record(unit, by=lab_a, test="viability", value=91.0)
    # As an older version let through: a culture outcome on a measured test.
    QcResult.objects.filter(unit=unit, test="viability").update(value=None, outcome="negative")
    verdicts = {v.criterion.split()[0]: v.verdict for v in release_evaluation(unit).verdicts}
    assert verdicts["viability"] == "needs_review"
    client.force_login(lab_a)
    response = client.get(reverse("cellbank:unit-detail", args=[unit.pk]))
    assert response.status_code == 200
    assert b"needs review" in response.content and b"correct the result" in response.content
