"""The baseline window before treatment, and when an answer counts as the baseline."""

import datetime as dt

import pytest

from orthoregen.scheduling.baseline import (
    BaselineProblem,
    baseline_problem,
    baseline_window,
    baseline_window_treated,
)
from orthoregen.scheduling.checks import protocol_problems
from orthoregen.scheduling.protocol import (
    DEFAULT_PROTOCOL,
    BaselineSpec,
    protocol_from_json,
    protocol_to_json,
)

SPEC = BaselineSpec()  # 90 days before injection (docs/follow-up.md#baseline)
INJECTED = dt.date(2026, 6, 1)


def test_the_window_runs_from_the_decision_until_the_injection_is_known():
    window = baseline_window(SPEC, dt.date(2026, 3, 2))
    assert (window.earliest, window.target, window.latest) == (
        dt.date(2026, 3, 2), dt.date(2026, 5, 31), dt.date(2026, 5, 31))


def test_the_injection_cuts_the_window_at_its_day():
    window = baseline_window_treated(dt.date(2026, 3, 2), INJECTED)
    assert (window.earliest, window.latest) == (dt.date(2026, 3, 2), INJECTED)
    early = baseline_window_treated(dt.date(2026, 6, 5), INJECTED)  # decided after: kept valid
    assert early.earliest == early.latest == INJECTED


@pytest.mark.parametrize(("answered", "problem"), [
    (None, BaselineProblem.MISSING),
    (INJECTED, None),  # the injection day itself, before the injection
    (INJECTED - dt.timedelta(days=90), None),
    (INJECTED - dt.timedelta(days=91), BaselineProblem.TOO_EARLY),
    (INJECTED + dt.timedelta(days=1), BaselineProblem.AFTER_INJECTION),
])
def test_an_answer_counts_only_on_or_before_the_injection_day_and_within_the_days(
        answered, problem):
    assert baseline_problem(SPEC, INJECTED, answered) is problem


def test_every_protocol_has_a_baseline_even_one_stored_before_it_existed():
    stored = protocol_to_json(DEFAULT_PROTOCOL)
    del stored["baseline"]
    assert protocol_from_json(stored).baseline == SPEC
    custom = protocol_from_json({**stored, "baseline": {"days_before_injection": 60}})
    assert custom.baseline.days_before_injection == 60 and custom.baseline.label


def test_a_visit_named_baseline_or_a_window_of_no_days_is_refused():
    stored = protocol_to_json(DEFAULT_PROTOCOL)
    stored["visits"][0]["visit_id"] = "baseline"
    stored["baseline"] = {"days_before_injection": 0}
    problems = protocol_problems(protocol_from_json(stored))
    assert any("is the baseline's" in p for p in problems)
    assert any("days_before_injection must be at least 1" in p for p in problems)
