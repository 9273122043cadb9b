"""The patient page shows each joint's latest decision and scores from the later stages."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from orthoregen.instruments import score
from orthoregen.web.consultation.services import decision_record
from orthoregen.web.followup.models import QuestionnaireResponse


def test_patient_page_shows_latest_scores_and_decision(as_user, clinician_a, patient_a):
    episode = patient_a.episodes.get()
    for day, nrs in [(dt.date(2026, 1, 10), 7), (dt.date(2026, 4, 12), 3)]:
        QuestionnaireResponse.objects.create(
            episode=episode, timepoint="month_3", instrument_id="nrs_pain",
            instrument_version="1", answers={"NRS": nrs},
            scores=dict(score("nrs_pain", {"NRS": nrs}).values), completed_on=day,
            submitted_at=timezone.now(), source="staff", idempotency_key=f"k-{day}")
    decision = decision_record(episode, kind="agree", reason="", seen_outcome="incomplete",
                               by=clinician_a, on_date=dt.date(2026, 1, 5))
    page = as_user(clinician_a).get(reverse("patient-detail", args=[patient_a.pk]))
    text = page.content.decode()
    panel = text[text.index('class="stack episode-panels"'):]
    panel = panel[:panel.index("</dl>")]
    assert "Pain NRS 3 (12 Apr 2026)" in panel
    assert "Pain NRS 7" not in panel  # only the latest of each instrument
    assert "Pain NRS 7" in text  # the older one is on the timeline
    # The decision in words (consultation.timeline.decision_words), as the joint's state.
    assert f"{decision.get_outcome_display()} (05 Jan 2026)" in text
