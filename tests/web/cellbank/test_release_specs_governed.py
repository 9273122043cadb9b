"""Release specifications under change control: draft, validated, a second person's signed
approval of the difference, signed publication; only published versions judge a unit, and a
released unit keeps the version it was released against.

Limits are the shipped defaults' (docs/cell-products.md#release-specifications): viability
70 % or more (FDA CMC guidance, April 2008); the unit's QC (tests/web/cellbank/conftest.py
NUMBERS) has 91 % viability.
"""

import copy
import json

import pytest
from tests.web.cellbank.conftest import pass_qc, receive, release
from tests.web.conftest import PASSWORD

from orthoregen.products.release import ReleaseOutcome
from orthoregen.web.accounts.signatures import Signature, SigningRefusal
from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services import specifications as specs
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.release import release_specs_ensure
from orthoregen.web.consultation.governance import (
    LifecycleRefused,
    ProtocolLocked,
    SignatureRefused,
    Signing,
    ValidationRefused,
)

pytestmark = pytest.mark.django_db
SIGN = Signing(PASSWORD)
CULTURED = "cultured_msc_default"


@pytest.fixture
def in_use(site_a):
    release_specs_ensure(site_a)
    return ReleaseSpecVersion.objects.get(site=site_a, spec_id=CULTURED)


@pytest.fixture
def draft(in_use, admin_a):
    return specs.release_spec_copy(in_use, version="2026.2", by=admin_a)


def with_viability(specification, minimum):
    changed = copy.deepcopy(specification)
    viability = next(c for c in changed["criteria"] if c.get("test_id") == "viability")
    viability["minimum_percent"] = minimum
    return changed


def edited(stored, by, minimum):
    specs.release_spec_draft_update(
        stored, specification=with_viability(stored.specification, minimum), by=by)
    stored.refresh_from_db()


def approve(stored, by, signing=SIGN):
    stored.refresh_from_db()
    return specs.release_spec_approve(stored, seen_digest=specs.release_spec_review(stored).digest,
                                      by=by, signing=signing)


def through_publication(stored, author, approver):
    specs.release_spec_validate(stored, by=author)
    approve(stored, approver)
    return specs.release_spec_publish(stored, by=author, signing=SIGN)


def test_existing_versions_are_published_and_a_copy_is_a_draft_of_the_same_clinic(
        in_use, draft, admin_a, site_a):
    assert in_use.status == "published" and in_use.published_at is not None
    assert (draft.status, draft.site, draft.spec_id, draft.copied_from, draft.created_by) == (
        "draft", site_a, CULTURED, in_use, admin_a)
    assert draft.specification["version"] == "2026.2"


def test_the_author_cannot_approve_their_own_draft(draft, admin_a):
    edited(draft, admin_a, 80.0)
    specs.release_spec_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="a second person must approve it"):
        approve(draft, admin_a)
    draft.refresh_from_db()
    assert draft.status == "validated" and draft.approved_by is None


def test_a_wrong_password_is_refused_and_nothing_changes(draft, admin_a, colleague_a):
    specs.release_spec_validate(draft, by=admin_a)
    with pytest.raises(SignatureRefused):
        approve(draft, colleague_a, Signing("not-the-password"))
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.approval_diff) == ("validated", None, "")
    assert not draft.signatures().exists()
    assert SigningRefusal.objects.filter(user=colleague_a, object_id=draft.pk).count() == 1


def test_publication_after_a_second_persons_approval_signs_both_steps(
        draft, admin_a, colleague_a, in_use):
    edited(draft, admin_a, 80.0)
    review = specs.release_spec_review(draft)
    # The approver reads the viability limit changed against the version in use.
    assert review.baseline == in_use
    assert '-      "minimum_percent": 70.0,' in review.lines
    assert '+      "minimum_percent": 80.0,' in review.lines
    published = through_publication(draft, admin_a, colleague_a)
    assert (published.status, published.approved_by, published.published_by,
            published.reviewed_against) == ("published", colleague_a, admin_a, in_use)
    assert sorted(published.signatures().values_list("meaning", flat=True)) == [
        "release_spec_approval", "release_spec_publication"]


def test_publication_without_approval_is_refused(draft, admin_a):
    specs.release_spec_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="has not been approved"):
        specs.release_spec_publish(draft, by=admin_a, signing=SIGN)


def test_validation_lists_the_problems_and_keeps_the_draft(draft, admin_a):
    edited(draft, admin_a, 170.0)
    with pytest.raises(ValidationRefused) as refused:
        specs.release_spec_validate(draft, by=admin_a)
    assert refused.value.problems == [
        "170 % for viability is not a percentage between 0 and 100"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_specification_the_core_cannot_read_is_not_saved(draft, admin_a):
    broken = {**draft.specification, "criteria": [{"kind": "at_least_sort_of"}]}
    with pytest.raises(Exception, match="criteria\\[0\\].kind"):
        specs.release_spec_draft_update(draft, specification=broken, by=admin_a)
    draft.refresh_from_db()
    assert draft.specification["criteria"][0]["kind"] == "percent_at_least"


def test_a_published_version_is_immutable_in_the_service_and_the_model(in_use, admin_a):
    with pytest.raises(ProtocolLocked):
        edited(in_use, admin_a, 50.0)
    in_use.specification = with_viability(in_use.specification, 50.0)
    with pytest.raises(ProtocolLocked):
        in_use.save()
    with pytest.raises(ProtocolLocked):
        in_use.delete()
    in_use.refresh_from_db()
    assert with_viability(in_use.specification, 70.0) == in_use.specification


def test_a_draft_with_a_looser_limit_never_releases_a_unit(draft, site_a, lab_a, admin_a,
                                                          colleague_a, donor_a):
    unit = receive(site_a, lab_a, "G123417654321", donor=donor_a)
    pass_qc(unit, lab_a)
    services.qc_record(unit, by=lab_a, test="viability", value=60.0)  # < 70 %: fails
    edited(draft, admin_a, 50.0)  # the draft would pass it
    specs.release_spec_validate(draft, by=admin_a)
    approve(draft, colleague_a)  # approved but not published: still not in use
    evaluation = services.release_evaluation(unit)
    assert (evaluation.spec_version, evaluation.outcome) == (
        "2026.1", ReleaseOutcome.NOT_RELEASABLE)
    with pytest.raises(CellbankRefused):
        release(unit, lab_a)
    unit.refresh_from_db()
    assert unit.status == "quarantine"
    specs.release_spec_publish(draft, by=admin_a, signing=SIGN)  # now it judges
    evaluation = services.release_evaluation(unit)
    assert (evaluation.spec_version, evaluation.outcome) == ("2026.2", ReleaseOutcome.FULL)


def test_a_released_unit_keeps_the_version_it_was_released_against(
        draft, site_a, lab_a, admin_a, colleague_a, donor_a):
    released = receive(site_a, lab_a, "G123417654321", donor=donor_a)
    pass_qc(released, lab_a)
    release(released, lab_a)
    assert released.status == "released"
    edited(draft, admin_a, 95.0)  # stricter than the unit's 91 %
    through_publication(draft, admin_a, colleague_a)

    kept = services.release_evaluation(released)
    assert (kept.spec_version, kept.outcome) == ("2026.1", ReleaseOutcome.FULL)
    waiting = receive(site_a, lab_a, "G123498654321", donor=donor_a)
    pass_qc(waiting, lab_a)
    judged = services.release_evaluation(waiting)
    assert (judged.spec_version, judged.outcome) == ("2026.2", ReleaseOutcome.NOT_RELEASABLE)
    page = lab_client_get(released, lab_a)
    assert "cultured_msc_default 2026.1" in page


def lab_client_get(unit, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(f"/cellbank/units/{unit.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_pages_take_a_draft_through_validation_approval_and_publication(
        as_user, in_use, admin_a, colleague_a, site_a):
    client = as_user(admin_a)
    assert client.post(f"/cellbank/specifications/{in_use.pk}/copy/",
                       {"version": "2026.2"}).status_code == 302
    draft = ReleaseSpecVersion.objects.get(site=site_a, spec_id=CULTURED, version="2026.2")
    client.post(f"/cellbank/specifications/{draft.pk}/edit/", {
        "specification": json.dumps(with_viability(draft.specification, 80.0))})
    client.post(f"/cellbank/specifications/{draft.pk}/validate/")
    draft.refresh_from_db()
    assert draft.status == "validated"
    detail = client.get(f"/cellbank/specifications/{draft.pk}/").content.decode()
    assert "≥ 80 %" in detail  # the limit in words

    approver = as_user(colleague_a)
    review = approver.get(f"/cellbank/specifications/{draft.pk}/review/")
    assert '+      "minimum_percent": 80.0,' in review.context["review"].lines
    approver.post(f"/cellbank/specifications/{draft.pk}/approve/", {
        "seen_digest": review.context["review"].digest, "password": PASSWORD})
    client = as_user(admin_a)  # one test client, signed in as each person in turn
    client.post(f"/cellbank/specifications/{draft.pk}/publish/", {"password": PASSWORD})
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague_a, admin_a)
    listing = client.get("/cellbank/specifications/")
    in_use_rows = [v.version for _, rows in listing.context["groups"] for v, used in rows
                   if used and v.spec_id == CULTURED]
    assert in_use_rows == ["2026.2"]


def test_another_clinics_specification_is_not_found(as_user, draft, admin_b):
    client = as_user(admin_b)
    for page in ("", "review/", "copy/", "edit/"):
        assert client.get(f"/cellbank/specifications/{draft.pk}/{page}").status_code == 404
    assert client.post(f"/cellbank/specifications/{draft.pk}/validate/").status_code == 404
    with pytest.raises(LifecycleRefused, match="another clinic"):
        specs.release_spec_validate(draft, by=admin_b)


def test_a_lab_technologist_reads_but_may_not_govern(as_user, in_use, draft, lab_a):
    client = as_user(lab_a)
    assert client.get("/cellbank/specifications/").status_code == 200
    page = client.get(f"/cellbank/specifications/{in_use.pk}/").content.decode()
    assert "Copy as a new draft" not in page
    for page in ("copy/", "edit/", "review/"):
        assert client.get(f"/cellbank/specifications/{in_use.pk}/{page}").status_code == 403
    assert client.post(f"/cellbank/specifications/{draft.pk}/validate/").status_code == 403
    with pytest.raises(LifecycleRefused, match="Your role may not draft release spec"):
        specs.release_spec_copy(in_use, version="2026.3", by=lab_a)
    with pytest.raises(LifecycleRefused):
        specs.release_spec_validate(draft, by=lab_a)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not Signature.objects.filter(signer=lab_a).exists()


def test_a_version_already_taken_is_refused_by_name(in_use, draft, admin_a):
    with pytest.raises(Exception, match="2026.2 already exists"):
        specs.release_spec_copy(in_use, version="2026.2", by=admin_a)


def test_a_new_site_has_the_defaults_published_and_judging_a_unit_only_reads(
        site_a, lab_a, donor_a, monkeypatch):
    from orthoregen.web.cellbank.services import release as release_service

    stored = ReleaseSpecVersion.objects.filter(site=site_a)
    assert sorted(stored.values_list("spec_id", "status")) == sorted(
        (spec.spec_id, "published") for spec in release_service.DEFAULT_SPECS)
    assert sorted(ReleaseSpecVersion.history.filter(site=site_a)
                  .values_list("id", "history_type")) == sorted(
        (pk, "+") for pk in stored.values_list("pk", flat=True))

    def asked(site):
        raise AssertionError(f"judging a unit asked whether {site} has specifications")

    monkeypatch.setattr(release_service, "release_specs_ensure", asked)
    unit = pass_qc(receive(site_a, lab_a, "G123417654321", donor=donor_a), lab_a)
    assert services.release_evaluation(unit).outcome == ReleaseOutcome.FULL
    release(unit, lab_a)
    unit.refresh_from_db()
    assert unit.status == "released"
