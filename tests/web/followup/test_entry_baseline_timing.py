"""Staff entry checks the time of a form against the joint's injection.

A baseline measures the joint before treatment: an answer from after the day of injection
measures the treated joint (scheduling.baseline.baseline_problem, docs/follow-up.md#baseline),
so staff entry refuses it, naming the injection date. A follow-up visit measures the treated
joint, so a form completed before the injection is refused too, and so is a date still to come.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.instruments import get_instrument
from orthoregen.web.followup import entry
from orthoregen.web.followup.entry_forms import PREFIX
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.followup.services import baseline_request, schedule_create
from orthoregen.web.followup.submissions import TOKEN_FIELD, submission_token_issue

from .conftest import ADMINISTERED, visit_of

OPENED = ADMINISTERED - dt.timedelta(days=10)  # baseline asked from 05 Jan 2026
KOOS = {item.id: 2 for item in get_instrument("koos").items}
NRS = {item.id: 4 for item in get_instrument("nrs_pain").items}


def record(visit, instrument_id, answers, by, *, on, key):
    return entry.entry_record(visit=visit, instrument_id=instrument_id, answers=answers,
                              mode="paper", completed_on=on, by=by, key=key)


@pytest.fixture
def treated_after_baseline(episode_a, coordinator_a):
    """A knee whose baseline KOOS was entered on 10 Jan, then injected on 15 Jan 2026.

    The baseline visit was completed before treatment, so its window (05 Jan - 05 Apr) was
    not cut at the injection: only the injection check stops a later form counting.
    """
    visit = baseline_request(episode_a, opens_on=OPENED)
    record(visit, "koos", KOOS, coordinator_a, on=dt.date(2026, 1, 10), key="a" * 32)
    schedule_create(episode_a, administered_on=ADMINISTERED)
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.latest > ADMINISTERED
    return visit


def test_a_baseline_completed_after_the_injection_is_refused_naming_its_date(
        treated_after_baseline, coordinator_a):
    with pytest.raises(entry.EntryRefused) as refused:
        record(treated_after_baseline, "nrs_pain", NRS, coordinator_a,
               on=dt.date(2026, 1, 20), key="b" * 32)
    assert refused.value.field == "completed_on"
    assert "injected on 15 Jan 2026" in refused.value.message
    assert "completed on 20 Jan 2026 is not its baseline" in refused.value.message
    assert QuestionnaireResponse.objects.filter(instrument_id="nrs_pain").count() == 0


def test_a_baseline_completed_on_the_day_of_injection_counts(treated_after_baseline,
                                                             coordinator_a):
    # baseline_problem: "given on or before the day of injection" (BaselineSpec).
    saved = record(treated_after_baseline, "nrs_pain", NRS, coordinator_a, on=ADMINISTERED,
                   key="b" * 32)
    assert saved.timepoint == "baseline" and saved.completed_on == ADMINISTERED


def test_a_pending_baseline_after_the_injection_gets_the_injection_reason(
        episode_a, coordinator_a):
    visit = baseline_request(episode_a, opens_on=OPENED)
    schedule_create(episode_a, administered_on=ADMINISTERED)
    visit.refresh_from_db()
    assert visit.latest == ADMINISTERED  # the pending window was cut at the injection
    with pytest.raises(entry.EntryRefused, match="injected on 15 Jan 2026"):
        record(visit, "koos", KOOS, coordinator_a, on=dt.date(2026, 2, 1), key="c" * 32)


def test_a_baseline_before_any_injection_is_entered(episode_a, coordinator_a):
    visit = baseline_request(episode_a, opens_on=OPENED)
    saved = record(visit, "koos", KOOS, coordinator_a, on=dt.date(2026, 1, 12), key="d" * 32)
    assert saved.timepoint == "baseline"


def test_a_follow_up_completed_before_the_injection_is_refused(schedule_a, coordinator_a):
    visit = visit_of(schedule_a, "month_3")
    with pytest.raises(entry.EntryRefused) as refused:
        record(visit, "koos", KOOS, coordinator_a, on=dt.date(2026, 1, 10), key="e" * 32)
    assert refused.value.field == "completed_on"
    assert "injection of the knee on 15 Jan 2026" in refused.value.message
    assert "completed on 10 Jan 2026, before it" in refused.value.message
    assert not QuestionnaireResponse.objects.exists()


def test_a_completion_date_in_the_future_is_refused_by_the_service(schedule_a, coordinator_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(entry.EntryRefused, match="is in the future") as refused:
        record(visit_of(schedule_a, "month_3"), "koos", KOOS, coordinator_a, on=tomorrow,
               key="f" * 32)
    assert refused.value.field == "completed_on"


def _post(client, user, patient, visit, instrument_id, answers, on):
    client.force_login(user)
    url = reverse("followup:entry-create", args=[visit.pk, instrument_id])
    payload = {TOKEN_FIELD: submission_token_issue(user=user, patient=patient),
               "mode": "paper", "completed_on": on.isoformat(),
               **{PREFIX + k: v for k, v in answers.items()}}
    return client.post(url, payload)


def test_the_entry_page_shows_the_injection_reason_and_stores_nothing(
        client, treated_after_baseline, coordinator_a, patient_a):
    answer = _post(client, coordinator_a, patient_a, treated_after_baseline, "nrs_pain", NRS,
                   dt.date(2026, 1, 20))
    assert answer.status_code == 400
    assert "injected on 15 Jan 2026" in answer.content.decode()
    assert not QuestionnaireResponse.objects.filter(instrument_id="nrs_pain").exists()


def test_the_entry_page_refuses_a_follow_up_before_the_injection(
        client, schedule_a, coordinator_a, patient_a):
    answer = _post(client, coordinator_a, patient_a, visit_of(schedule_a, "month_3"), "koos",
                   KOOS, dt.date(2026, 1, 10))
    assert answer.status_code == 400
    assert "before it, does not measure the treated joint" in answer.content.decode()
    assert not QuestionnaireResponse.objects.exists()


# The baseline counts up to `days_before_injection` days before the injection (BaselineSpec,
# default 90: "a project choice", docs/follow-up.md#baseline; no published source).
ASKED_LONG_BEFORE = ADMINISTERED - dt.timedelta(days=120)  # 17 Sep 2025


@pytest.fixture
def asked_long_before(episode_a):
    """A baseline asked on 17 Sep 2025, the knee injected on 15 Jan 2026, 120 days later.

    The injection cuts the window to 17 Sep 2025 - 15 Jan 2026: the window alone lets a form
    from 120 days before the injection through.
    """
    visit = baseline_request(episode_a, opens_on=ASKED_LONG_BEFORE)
    schedule_create(episode_a, administered_on=ADMINISTERED)
    visit.refresh_from_db()
    assert (visit.earliest, visit.latest) == (ASKED_LONG_BEFORE, ADMINISTERED)
    return visit


def test_a_baseline_completed_too_long_before_the_injection_is_refused(
        asked_long_before, coordinator_a):
    on = ADMINISTERED - dt.timedelta(days=91)  # 16 Oct 2025, one day past the 90
    with pytest.raises(entry.EntryRefused) as refused:
        record(asked_long_before, "koos", KOOS, coordinator_a, on=on, key="g" * 32)
    assert refused.value.field == "completed_on"
    assert refused.value.message.startswith("A baseline counts up to 90 days before")
    assert "injected on 15 Jan 2026" in refused.value.message
    assert "completed on 16 Oct 2025, 91 days before it" in refused.value.message
    assert not QuestionnaireResponse.objects.exists()
    asked_long_before.refresh_from_db()
    assert asked_long_before.status == "pending"


def test_a_baseline_completed_90_days_before_the_injection_counts(asked_long_before,
                                                                  coordinator_a):
    on = ADMINISTERED - dt.timedelta(days=90)  # 17 Oct 2025: "at most 90 days before it"
    saved = record(asked_long_before, "koos", KOOS, coordinator_a, on=on, key="g" * 32)
    assert saved.timepoint == "baseline" and saved.completed_on == dt.date(2025, 10, 17)


def test_the_window_is_the_schedule_protocols_own(asked_long_before, coordinator_a):
    # A site protocol may set another window (tests/scheduling/test_baseline.py reads 60);
    # the definition is changed in place only to make the schedule's version say 60.
    protocol = asked_long_before.schedule.protocol
    type(protocol).objects.filter(pk=protocol.pk).update(
        definition={**protocol.definition, "baseline": {"days_before_injection": 60}})
    on = ADMINISTERED - dt.timedelta(days=61)  # 15 Nov 2025: inside 90, past 60
    with pytest.raises(entry.EntryRefused, match="counts up to 60 days before") as refused:
        record(asked_long_before, "koos", KOOS, coordinator_a, on=on, key="g" * 32)
    assert "completed on 15 Nov 2025, 61 days before it" in refused.value.message


def test_a_baseline_long_before_with_no_injection_yet_is_entered(episode_a, coordinator_a):
    # No injection recorded: nothing to compare with, only the window (17 Sep - 16 Dec 2025).
    visit = baseline_request(episode_a, opens_on=ASKED_LONG_BEFORE)
    saved = record(visit, "koos", KOOS, coordinator_a, on=dt.date(2025, 9, 20), key="h" * 32)
    assert saved.completed_on == dt.date(2025, 9, 20)


def test_the_entry_page_refuses_a_baseline_too_long_before_and_stores_nothing(
        client, asked_long_before, coordinator_a, patient_a):
    answer = _post(client, coordinator_a, patient_a, asked_long_before, "koos", KOOS,
                   dt.date(2025, 10, 1))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "A baseline counts up to 90 days before the injection" in page
    assert "injected on 15 Jan 2026" in page and "completed on 01 Oct 2025, 106 days" in page
    assert not QuestionnaireResponse.objects.exists()
