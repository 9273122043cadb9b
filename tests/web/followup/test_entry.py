"""Staff entry of instruments for a visit: paper, telephone and clinician-reported, corrections.

Expected scores come from the core (orthoregen.instruments.score), which is tested against
each instrument's published guide in tests/instruments; here the point is that the web layer
runs the same scoring, keeps who and how, refuses the wrong role and bad input, and keeps
history.
"""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.instruments import get_instrument, score
from orthoregen.web.accounts.models import InstrumentLicence
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup import entry
from orthoregen.web.followup.entry_forms import PREFIX
from orthoregen.web.followup.models import QuestionnaireResponse, ResponseSource
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.followup.submissions import TOKEN_FIELD, submission_token_issue

from .conftest import ADMINISTERED
from .test_licensed_instruments import install_placeholder_pack

IN_WINDOW = dt.date(2026, 4, 10)  # inside the 3-month window 2026-04-01 .. 2026-04-29
# A Harris Hip Score form: pain 30 + function 11+7+8+2+4+3+1 = 36, deformity 4 (all below
# Harris's limits), motion by summed degrees 100+30+20+30+10 = 190 → 4 (161-210 band):
# total 30 + 36 + 4 + 4 = 74 (Harris 1969; the band table of instruments/harris.py).
HHS = {"pain": 30, "limp": 11, "support": 7, "distance": 8, "stairs": 2, "shoes_socks": 4,
       "sitting": 3, "public_transport": 1, "flexion_contracture_deg": 10,
       "fixed_adduction_deg": 0, "fixed_internal_rotation_deg": 0,
       "limb_length_discrepancy_cm": 1, "flexion_deg": 100, "abduction_deg": 30,
       "adduction_deg": 20, "external_rotation_deg": 30, "internal_rotation_deg": 10}
HOOS = {item.id: 2 for item in get_instrument("hoos").items}


@pytest.fixture
def hip_visit(patient_a):
    episode = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                          diagnosis_code="M16.11",
                                          grade_scale="kellgren_lawrence", grade=3)
    schedule = schedule_create(episode, administered_on=ADMINISTERED)
    return schedule.visits.get(timepoint="month_3", kind="visit")


def record(visit, instrument_id, answers, by, *, mode, key="0" * 32, on=IN_WINDOW):
    return entry.entry_record(visit=visit, instrument_id=instrument_id, answers=answers,
                              mode=mode, completed_on=on, by=by, key=key)


def post_form(client, url, user, patient, data):
    payload = {TOKEN_FIELD: submission_token_issue(user=user, patient=patient)}
    payload.update({k if k in ("mode", "completed_on", "reason") else PREFIX + k: v
                    for k, v in data.items()})
    return client.post(url, payload)


def test_a_coordinator_enters_a_paper_hoos_scored_as_the_core_scores_it(hip_visit,
                                                                         coordinator_a):
    response = record(hip_visit, "hoos", HOOS, coordinator_a, mode=ResponseSource.PAPER)
    assert response.source == "paper" and response.entered_by == coordinator_a
    assert response.scores == score("hoos", HOOS).values
    assert response.scores["pain"] == 50.0  # every item 2 of 0-4: 100 - 2 × 25
    assert response.timepoint == "month_3" and response.completed_on == IN_WINDOW
    hip_visit.refresh_from_db()
    assert hip_visit.status == "completed"
    assert response.history.get().history_user == coordinator_a


def test_the_same_page_sent_twice_stores_one_response(hip_visit, coordinator_a):
    first = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", key="a" * 32)
    again = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", key="a" * 32)
    assert first.pk == again.pk
    assert QuestionnaireResponse.objects.count() == 1


def test_a_second_entry_of_the_same_instrument_is_refused(hip_visit, coordinator_a):
    record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", key="a" * 32)
    with pytest.raises(entry.EntryRefused, match="already recorded"):
        record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", key="b" * 32)


def test_a_coordinator_entering_a_harris_hip_score_is_refused_by_the_service(
        hip_visit, coordinator_a):
    with pytest.raises(entry.ClinicianOnly, match="Only a clinician"):
        record(hip_visit, "hhs", HHS, coordinator_a, mode=ResponseSource.CLINICIAN)
    assert not QuestionnaireResponse.objects.exists()


def test_a_coordinator_cannot_open_or_post_the_harris_form(client, hip_visit, coordinator_a,
                                                           patient_a):
    client.force_login(coordinator_a)
    url = reverse("followup:entry-create", args=[hip_visit.pk, "hhs"])
    assert client.get(url).status_code == 403
    data = {**HHS, "mode": "clinician", "completed_on": IN_WINDOW.isoformat()}
    assert post_form(client, url, coordinator_a, patient_a, data).status_code == 403
    assert not QuestionnaireResponse.objects.exists()


def test_a_clinician_enters_a_harris_hip_score(client, hip_visit, clinician_a, patient_a):
    client.force_login(clinician_a)
    url = reverse("followup:entry-create", args=[hip_visit.pk, "hhs"])
    data = {**HHS, "mode": "clinician", "completed_on": IN_WINDOW.isoformat()}
    answer = post_form(client, url, clinician_a, patient_a, data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved = QuestionnaireResponse.objects.get()
    assert saved.source == "clinician" and saved.entered_by == clinician_a
    assert saved.scores["total"] == 74.0
    page = client.get(answer["Location"])
    assert b"Clinician-reported" in page.content and b"74" in page.content


def test_a_patient_reported_mode_is_refused_for_a_clinician_instrument(hip_visit,
                                                                        clinician_a):
    with pytest.raises(entry.EntryRefused, match="entered as: clinician-reported"):
        record(hip_visit, "hhs", HHS, clinician_a, mode=ResponseSource.PAPER)


@pytest.mark.parametrize(("item", "value", "message"), [
    ("flexion_deg", 200, "above 150 is not credible"),
    ("flexion_deg", -10, "below 0 is impossible"),
    ("abduction_deg", 95, "above 90 is not credible"),
])
def test_an_impossible_range_of_motion_is_refused_with_its_item(
        client, hip_visit, clinician_a, patient_a, item, value, message):
    client.force_login(clinician_a)
    url = reverse("followup:entry-create", args=[hip_visit.pk, "rom_hip"])
    data = {"flexion_deg": 100, item: value, "mode": "clinician",
            "completed_on": IN_WINDOW.isoformat()}
    answer = post_form(client, url, clinician_a, patient_a, data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_the_service_refuses_an_impossible_measurement_too(hip_visit, clinician_a):
    with pytest.raises(entry.EntryRefused) as refused:
        record(hip_visit, "rom_hip", {"flexion_deg": 400}, clinician_a, mode="clinician")
    assert refused.value.field == "flexion_deg" and "400 is not allowed" in refused.value.message


def test_a_knee_cannot_both_lack_extension_and_hyperextend(visit_a, clinician_a):
    with pytest.raises(entry.EntryRefused, match="cannot both lack extension"):
        record(visit_a, "rom_knee", {"extension_deficit_deg": 5, "hyperextension_deg": 5,
                                     "flexion_deg": 120}, clinician_a, mode="clinician")


def test_a_coordinator_enters_the_constant_patient_part_but_not_its_strength(
        patient_a, coordinator_a, clinician_a):
    episode = JointEpisode.objects.create(patient=patient_a, joint="shoulder", side="left",
                                          diagnosis_code="M19.012",
                                          grade_scale="samilson_prieto", grade=2)
    visit = schedule_create(episode, administered_on=ADMINISTERED).visits.get(
        timepoint="month_3", kind="visit")
    patient_part = {"pain": 10, "sleep": 1, "work": 3, "recreation": 2, "hand_position": 6}
    with pytest.raises(entry.ClinicianOnly, match="strength_kg"):
        record(visit, "constant", {**patient_part, "strength_kg": 6.5}, coordinator_a,
               mode="paper")
    saved = record(visit, "constant", patient_part, coordinator_a, mode="paper")
    assert saved.scores["adl"] == 12.0 and saved.scores["total"] is None
    # The clinician completes the objective part as a correction, with its reason.
    objective = {"forward_flexion_deg": 120, "abduction_deg": 100, "strength_kg": 6.5}
    with pytest.raises(entry.ClinicianOnly):
        entry.entry_correct(response=saved, answers={**patient_part, **objective},
                            reason="objective part measured", by=coordinator_a)
    done = entry.entry_correct(response=saved, answers={**patient_part, **objective},
                               reason="objective part measured", by=clinician_a)
    assert done.scores == score("constant", {**patient_part, **objective}).values


def test_another_sites_visit_is_a_404(client, hip_visit, clinician_b):
    client.force_login(clinician_b)
    for url in (reverse("followup:entry-choose", args=[hip_visit.pk]),
                reverse("followup:entry-create", args=[hip_visit.pk, "hoos"])):
        assert client.get(url).status_code == 404


def test_a_response_of_another_visit_is_a_404(client, visit_a, hip_visit, coordinator_a):
    saved = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper")
    client.force_login(coordinator_a)
    url = reverse("followup:entry-detail", args=[visit_a.pk, saved.pk])
    assert client.get(url).status_code == 404


def test_a_correction_without_a_reason_is_refused(client, hip_visit, coordinator_a,
                                                  patient_a):
    saved = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper")
    with pytest.raises(entry.EntryRefused, match="Say why"):
        entry.entry_correct(response=saved, answers={**HOOS, "P1": 4}, reason="  ",
                            by=coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("followup:entry-correct", args=[hip_visit.pk, saved.pk])
    answer = post_form(client, url, coordinator_a, patient_a, {**HOOS, "P1": 4, "reason": ""})
    assert answer.status_code == 400
    saved.refresh_from_db()
    assert saved.answers["P1"] == 2 and saved.history.count() == 1


def test_a_correction_rescores_and_keeps_the_earlier_version(client, hip_visit,
                                                             coordinator_a, patient_a):
    saved = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper")
    client.force_login(coordinator_a)
    url = reverse("followup:entry-correct", args=[hip_visit.pk, saved.pk])
    corrected = {**HOOS, **{f"P{n}": 0 for n in range(1, 11)}}
    answer = post_form(client, url, coordinator_a, patient_a,
                       {**corrected, "reason": "transcription error on page 1"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved.refresh_from_db()
    assert saved.scores["pain"] == 100.0  # no pain problem on any item
    assert saved.scores == score("hoos", corrected).values
    latest, first = saved.history.order_by("-history_date")[:2]
    assert latest.history_change_reason == "transcription error on page 1"
    assert latest.history_user == coordinator_a
    assert first.scores["pain"] == 50.0
    page = client.get(reverse("followup:entry-detail", args=[hip_visit.pk, saved.pk]))
    assert b"transcription error on page 1" in page.content


def test_an_unchanged_correction_is_refused(hip_visit, coordinator_a):
    saved = record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper")
    with pytest.raises(entry.EntryRefused, match="Nothing was changed"):
        entry.entry_correct(response=saved, answers=HOOS, reason="checked", by=coordinator_a)


def test_a_score_the_missing_data_rule_forbids_says_why(client, hip_visit, coordinator_a):
    answers = {"P1": 1, "P2": 1, **{f"A{n}": 1 for n in range(1, 18)}}
    saved = record(hip_visit, "hoos", answers, coordinator_a, mode="telephone")
    assert saved.scores["pain"] is None and saved.scores["adl"] is not None
    client.force_login(coordinator_a)
    page = client.get(reverse("followup:entry-detail", args=[hip_visit.pk, saved.pk]))
    reason = score("hoos", answers).reasons["pain"]
    assert reason.encode() in page.content and b"Telephone interview" in page.content


def test_a_completion_date_outside_the_window_is_refused(hip_visit, coordinator_a):
    with pytest.raises(entry.EntryRefused, match="window runs from") as refused:
        record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", on=dt.date(2026, 6, 1))
    assert refused.value.field == "completed_on"


def test_licensed_wording_is_not_shown_without_the_sites_licence(
        client, settings, tmp_path, hip_visit, coordinator_a):
    settings.DATA_DIR = tmp_path
    install_placeholder_pack(tmp_path / "textpacks", "hoos")
    client.force_login(coordinator_a)
    url = reverse("followup:entry-create", args=[hip_visit.pk, "hoos"])
    page = client.get(url).content.decode()
    assert "(test wording)" not in page and "holds no licensed text" in page
    assert "P1 · how often hip painful" in page
    InstrumentLicence.objects.create(site=hip_visit.schedule.episode.patient.site,
                                     instrument_id="hoos", licence_reference="MRT-9",
                                     valid_from=dt.date(2020, 1, 1))
    page = client.get(url).content.decode()
    assert "P1 (test wording)" in page and "code 4" in page


def test_the_form_is_keyboard_first(client, hip_visit, clinician_a):
    client.force_login(clinician_a)
    page = client.get(reverse("followup:entry-create", args=[hip_visit.pk, "hhs"]))
    html = page.content.decode()
    assert html.count("autofocus") == 1
    # Items appear in the instrument's order, each a radio group or a number field.
    positions = [html.index(f'name="{PREFIX}{item.id}"')
                 for item in get_instrument("hhs").items]
    assert positions == sorted(positions)
    assert 'type="radio" name="item_pain"' in html
    assert 'type="number" name="item_flexion_deg"' in html


def test_the_choice_page_lists_the_due_instruments_first(client, hip_visit, coordinator_a):
    client.force_login(coordinator_a)
    page = client.get(reverse("followup:entry-choose", args=[hip_visit.pk])).content.decode()
    # By name, as the clinic reads them (the ids stay in the links).
    names = [f">{get_instrument(i).name}<" for i in ("nrs_pain", "hhs", "eq5d5l")]
    assert page.index(names[0]) < page.index(names[1]) < page.index(names[2])
    assert "clinician only" in page
