"""Staff add published studies to the evidence library; the dashboard pools their arms."""

from dataclasses import fields

import pytest
from django.urls import reverse

from orthoregen.web.evidence.added import ArmResult, PublishedStudy
from orthoregen.web.evidence.forms import AddedResultForm, AddedStudyForm
from orthoregen.web.evidence.models import AddedResult, AddedStudy

pytestmark = pytest.mark.django_db

STUDY = {
    "study": "Doe J et al. (TESTKNEE)",
    "joint": "knee",
    "design": "double-blind, placebo RCT",
    "design_class": "RCT",
    "blinding": "double",
    "n_randomised": "60",
    "cell_source": "autologous adipose, culture-expanded",
    "product_class": "culture-expanded",
    "dose": "50×10⁶, single",
    "comparator": "saline",
    "comparator_class": "placebo",
    "outcome": "Pain NRS, 6 months",
    "effect": "MSC −3.0 vs saline −2.0",
    "follow_up": "12 months",
    "citation": "Knee Test J 2026;1(1):1-10; doi:10.0000/test",
    "verification": "R",
}


def post_data(study=None, results=()):
    data = {**STUDY, **(study or {}), "results-TOTAL_FORMS": "4",
            "results-INITIAL_FORMS": "0", "results-MIN_NUM_FORMS": "0",
            "results-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(results):
        data.update({f"results-{i}-{k}": str(v) for k, v in row.items()})
    return data


def nrs_arm(estimate, low, high, *, arm="msc", months=6):
    return {"arm": arm, "measure": "nrs_pain:pain", "timepoint_months": months,
            "estimate": estimate, "ci_low": low, "ci_high": high, "n": 30}


def add(client, **kwargs):
    return client.post(reverse("evidence:add"), post_data(**kwargs))


def test_a_clinician_adds_a_study_with_results_and_it_is_listed_as_unverified(
        as_user, clinician_a):
    client = as_user(clinician_a)
    response = add(client, results=[nrs_arm(-3, -4, -2), nrs_arm(-2, -3, -1, arm="placebo")])
    assert response.status_code == 302
    study = AddedStudy.objects.get()
    assert study.added_by == clinician_a
    assert study.results.count() == 2
    assert study.history.count() == 1  # simple-history keeps who and when
    page = client.get(reverse("evidence:library")).content.decode()
    assert "Doe J et al. (TESTKNEE)" in page
    row = page[page.index(f'id="added-{study.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "unverified" in row and f"added by {clinician_a}" in row
    assert "msc arm, NRS pain total (0-10), change from baseline at 6 months: -3.00" in row


def test_a_study_tagged_v_is_shown_verified(as_user, analyst_a):
    client = as_user(analyst_a)
    add(client, study={"verification": "V"})
    study = AddedStudy.objects.get()
    page = client.get(reverse("evidence:library")).content.decode()
    row = page[page.index(f'id="added-{study.pk}"'):]
    assert '<span class="status verified">verified</span>' in row[:row.index("</tr>")]


@pytest.mark.parametrize(("results", "message"), [
    ([nrs_arm(-3, -2, -1)], "The interval must contain the estimate"),
    ([nrs_arm(-3, -4, "")], "Give both ends of the 95 % interval, or neither."),
    ([nrs_arm(-3, -4, -2, months=0)], "Give the time point in months, from 1 to 120."),
    ([{**nrs_arm(-3, -4, -2), "measure": "koos:pain"}], "Select a valid choice."),
])
def test_a_bad_result_is_refused_by_name_and_nothing_is_saved(as_user, clinician_a, results,
                                                              message):
    response = add(as_user(clinician_a), results=[nrs_arm(-2, -3, -1), *results])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert not AddedStudy.objects.exists() and not AddedResult.objects.exists()


def test_a_study_without_a_real_citation_is_refused(as_user, clinician_a):
    response = add(as_user(clinician_a), study={"citation": "  tbd "},
                   results=[nrs_arm(-3, -4, -2)])
    assert response.status_code == 400
    assert "Give the full citation" in response.content.decode()
    assert not AddedStudy.objects.exists() and not AddedResult.objects.exists()


@pytest.mark.parametrize("user", ["coordinator_a", "lab_a"])
def test_roles_outside_the_registry_may_neither_read_nor_add(request, as_user, user):
    client = as_user(request.getfixturevalue(user))
    assert client.get(reverse("evidence:library")).status_code == 403
    assert add(client, results=[nrs_arm(-3, -4, -2)]).status_code == 403
    assert not AddedStudy.objects.exists()


def test_anonymous_users_go_to_login(client):
    for name in ("evidence:library", "evidence:add"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_dashboard_pools_three_added_msc_arms_at_once(as_user, clinician_a, site_a,
                                                         cohort):
    cohort(site_a, 25)
    client = as_user(clinician_a)
    before = client.get(reverse("registry:dashboard"), {"joint": "knee"}).context["summary"]
    assert before.evidence[0].comparison.msc.k == 0
    # Three arms at -2, -3 and -4 with intervals of equal width: every estimator gives them
    # equal weight, so the pooled mean is exactly -3 whatever tau² is.
    for i, estimate in enumerate((-2, -3, -4)):
        add(client, study={"study": f"Arm {i}"},
            results=[nrs_arm(estimate, estimate - 1, estimate + 1)])
    after = client.get(reverse("registry:dashboard"), {"joint": "knee"}).context["summary"]
    six = next(row for row in after.evidence if row.months == 6)
    assert six.comparison.msc.k == 3
    assert six.comparison.msc.estimate == pytest.approx(-3.0, abs=1e-9)
    assert set(six.comparison.msc.study_ids) == {f"added-{s.pk}"
                                                 for s in AddedStudy.objects.all()}
    assert six.comparison.msc.ci_low < -3 < six.comparison.msc.ci_high


def test_an_administrator_opens_an_added_study_and_its_history_in_the_admin(as_user,
                                                                           clinician_a,
                                                                           admin_a):
    add(as_user(clinician_a), results=[nrs_arm(-3, -4, -2)])
    study = AddedStudy.objects.get()
    admin_a.is_superuser = True
    admin_a.save()
    client = as_user(admin_a)
    for name, args in (("changelist", []), ("change", [study.pk]), ("history", [study.pk])):
        response = client.get(reverse(f"admin:evidence_addedstudy_{name}", args=args))
        assert response.status_code == 200, name
    assert "Doe J et al. (TESTKNEE)" in response.content.decode()


def test_the_library_page_shows_three_added_arms_pooled(as_user, analyst_a):
    client = as_user(analyst_a)
    for i, estimate in enumerate((-2, -3, -4)):
        add(client, study={"study": f"Arm {i}"},
            results=[nrs_arm(estimate, estimate - 1, estimate + 1)])
    page = client.get(reverse("evidence:library")).content.decode()
    section = page[page.index("What the library pools"):page.index("Pooled results of")]
    row = section[section.index("NRS pain total (0-10)"):]
    row = row[:row.index("</tr>")]
    # Equal-width intervals around -2, -3 and -4: the pooled mean is exactly -3.
    assert "<td>msc</td><td>3</td>" in row and "<td>-3.00 (" in row


def test_the_admin_applies_the_same_checks_and_records_who_added_a_study(as_user, admin_a):
    admin_a.is_superuser = True  # at no site: the platform operator, who alone edits the
    admin_a.save()               # shared library in the admin (admin_site.py)
    admin_a.sites.clear()
    client = as_user(admin_a)
    url = reverse("admin:evidence_addedstudy_add")
    data = post_data(results=[nrs_arm(-3, -2, -1)])
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "The interval must contain the estimate" in response.content.decode()
    assert not AddedStudy.objects.exists() and not AddedResult.objects.exists()
    response = client.post(url, post_data(results=[nrs_arm(-3, -4, -2)]))
    assert response.status_code == 302
    assert AddedStudy.objects.get().added_by == admin_a
    assert AddedResult.objects.get().estimate == -3


def test_a_row_broken_outside_the_forms_is_left_out_not_a_500(as_user, clinician_a, site_a,
                                                              cohort, caplog):
    cohort(site_a, 12)
    add(as_user(clinician_a), results=[nrs_arm(-3, -4, -2)])
    AddedStudy.objects.update(citation="")  # as a hand-made SQL fix might leave it
    client = as_user(clinician_a)
    assert client.get(reverse("registry:dashboard")).status_code == 200
    page = client.get(reverse("evidence:library"))
    assert page.status_code == 200 and "TESTKNEE" not in page.content.decode()
    assert "left out" in caplog.text


def test_an_nrs_cohort_sees_the_published_saline_response_converted(as_user, clinician_a,
                                                                    site_a, cohort):
    cohort(site_a, 12)
    page = as_user(clinician_a).get(reverse("registry:dashboard")).content.decode()
    # Previtali 2021 (docs/evidence.md#placebo-response): saline arms -13.4 mm (-21.7 to -5.1)
    # on a VAS.
    assert "Saline arms in a published review: -1.34 (-2.17 to -0.51), up to 6 months" in page
    assert "converted from VAS pain 0-100 mm × 0.1, an approximation" in page


def test_the_service_values_name_every_field_of_the_forms():
    assert [f.name for f in fields(PublishedStudy)] == AddedStudyForm.Meta.fields
    # The inline formset adds the study each result belongs to; the service knows it.
    result_fields = [name for name in AddedResultForm.Meta.fields if name != "study"]
    assert [f.name for f in fields(ArmResult)] == result_fields
