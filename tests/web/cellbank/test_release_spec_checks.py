"""The start-up check of stored published release specifications (orthoregen.E006,
docs/system-checks.md): the same checks the services run on a draft before validation.

A broken row is stored straight through the queryset, as a hand edit or an old release
would leave it, bypassing the services and the model's refusal to change a published row.
"""

import copy

import pytest
from django.core.checks import run_checks

from orthoregen.web.cellbank.checks import stored_release_specs_check
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services import specifications as specs
from orthoregen.web.cellbank.services.release import release_specs_ensure

pytestmark = pytest.mark.django_db
CULTURED = "cultured_msc_default"


@pytest.fixture
def in_use(site_a):
    release_specs_ensure(site_a)
    return ReleaseSpecVersion.objects.get(site=site_a, spec_id=CULTURED)


def on_default():
    return stored_release_specs_check(databases=["default"])


def test_the_shipped_defaults_pass_and_the_check_is_registered(in_use):
    assert ReleaseSpecVersion.objects.filter(site=in_use.site, status="published").count() >= 2
    assert on_default() == []
    registered = run_checks(tags=["orthoregen"], databases=["default"])
    assert not [message for message in registered if message.id == "orthoregen.E006"]


def test_a_broken_published_version_is_an_error_in_the_services_words(in_use):
    broken = copy.deepcopy(in_use.specification)
    viability = next(c for c in broken["criteria"] if c.get("test_id") == "viability")
    viability["minimum_percent"] = 170
    ReleaseSpecVersion.objects.filter(pk=in_use.pk).update(specification=broken)
    in_use.refresh_from_db()
    messages = on_default()
    assert [message.id for message in messages] == ["orthoregen.E006"]
    assert messages[0].obj == in_use and messages[0].is_serious()
    assert messages[0].msg == (f"Release specification {in_use} (Clinic A, published): "
                               f"{specs.specification_problems(in_use)[0]}")
    assert "170 %" in messages[0].msg
    assert "orthoregen.E006" in {m.id for m in run_checks(tags=["orthoregen"],
                                                          databases=["default"])}


def test_one_that_does_not_read_is_reported_and_drafts_are_left_to_validation(in_use,
                                                                              admin_a):
    draft = specs.release_spec_copy(in_use, version="2026.2", by=admin_a)
    ReleaseSpecVersion.objects.filter(pk=draft.pk).update(specification={"criteria": "x"})
    assert on_default() == []  # a draft is checked when it is validated
    ReleaseSpecVersion.objects.filter(pk=in_use.pk).update(specification={"criteria": "x"})
    messages = on_default()
    assert [message.id for message in messages] == ["orthoregen.E006"]
    assert "the specification does not read" in messages[0].msg
