"""ISBT 128 parts, labels and the QC panel through the web layer: a split keeps the DIN and
gives each part its division code (ICCBBA ST-001 v6.2.2 2.4.3, 7.3.1) all the way to the
bedside; the label carries every element or shows why it cannot (21 CFR 1271.370, 1271.90(c));
the release panel is saved whole or not at all."""

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    ProductUnit,
    QcResult,
)
from orthoregen.web.cellbank.services.qc_panel import PanelRefused, PanelResult, qc_panel_record
from orthoregen.web.procedures import services as procedures


def _session(episode, clinician, kit, *, volume=2.0):
    kit.clear_for_procedure(episode, clinician)
    procedure = procedures.procedure_start(episode.patient, [episode], by=clinician,
                                           performed_on=timezone.localdate(),
                                           time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician, injectate_volume_ml=volume)
    return pj


def _give(pj, clinician, scanned):
    return procedures.administration_record(pj, by=clinician, scanned_identifier=scanned,
                                            mrn="A-0001", name="Ada Aardvark", joint="knee",
                                            side="left")


def test_a_split_keeps_the_din_and_gives_each_part_its_division_code(as_user, lab_a,
                                                                      released_unit, kit):
    parts = services.unit_split(released_unit, by=lab_a, volumes_ml=[2.0, 2.0, 1.0])
    din = kit.typed(kit.DIN_A)
    # ST-001 2.4.3: an undivided product (00) divides into A0, B0, C0.
    assert [(p.identifier, p.product_code) for p in parts] == \
        [(din, "S00007A0"), (din, "S00007B0"), (din, "S00007C0")]
    again = services.unit_split(parts[0], by=lab_a, volumes_ml=[1.0, 1.0])
    assert [p.product_code for p in again] == ["S00007Aa", "S00007Ab"]  # second level
    with pytest.raises(services.CellbankRefused, match="already divided twice"):
        services.unit_split(again[0], by=lab_a, volumes_ml=[0.5, 0.5])
    page = as_user(lab_a).get(reverse("cellbank:unit-detail", args=[released_unit.pk]))
    text = page.content.decode()
    assert 'class="status divided">Divided<' in text and "Discarded" not in text.split("</h1>")[0]
    assert all(code in text for code in ("S00007A0", "S00007B0", "S00007C0"))
    # Look-back still walks the parent links: the whole, its parts and their parts.
    from orthoregen.web.cellbank.lookback import lookback_from_units

    rows = lookback_from_units([released_unit.pk], site_ids=[released_unit.site_id])
    assert sorted((r.depth, r.product_code) for r in rows) == [
        (0, "S0000700"), (1, "S00007A0"), (1, "S00007B0"), (1, "S00007C0"),
        (2, "S00007Aa"), (2, "S00007Ab")]


def test_a_part_goes_into_the_patient_only_when_its_product_code_is_scanned(
        lab_a, clinician_a, released_unit, knee_a, kit):
    first, second = services.unit_split(released_unit, by=lab_a, volumes_ml=[2.5, 2.5])
    services.unit_issue(first, knee_a, by=lab_a)
    pj = _session(knee_a, clinician_a, kit)
    with pytest.raises(procedures.BedsideCheckFailed, match="scan the Product Code"):
        _give(pj, clinician_a, first.identifier)  # the DIN alone names two parts
    with pytest.raises(procedures.BedsideCheckFailed,
                       match="Product Code S00007B0 is not that of the unit issued"):
        _give(pj, clinician_a, f"{second.identifier} {second.product_code}")
    assert not Administration.objects.exists()
    assert BedsideCheckAttempt.objects.filter(passed=False).count() == 2
    # As two bar codes read together: =<DIN><flags>=<Product Code> (ST-001 DS001, DS003).
    given = _give(pj, clinician_a, f"={kit.DIN_A}00=<{first.product_code}")
    assert given.unit == first
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("administered", "released")


def test_receipt_takes_the_scanned_product_code_and_refuses_it_twice(site_a, lab_a, donor_a,
                                                                     kit):
    unit = kit.receive(site_a, lab_a, f"{kit.typed(kit.DIN_B)} S12957A0", donor_a)
    assert (unit.identifier, unit.product_code) == (kit.typed(kit.DIN_B), "S12957A0")
    with pytest.raises(services.CellbankRefused, match="already registered"):
        kit.receive(site_a, lab_a, f"={kit.DIN_B}00=<S12957A0", donor_a)
    other = kit.receive(site_a, lab_a, f"={kit.DIN_B}00=<S12957B0", donor_a)
    assert other.identifier == unit.identifier  # the same DIN, another part
    with pytest.raises(services.CellbankRefused, match="Product Code not accepted"):
        kit.receive(site_a, lab_a, f"{kit.typed(kit.DIN_C)} S1295799", donor_a)


def test_the_label_pdf_is_a_one_page_pdf(as_user, lab_a, released_unit):
    response = as_user(lab_a).get(reverse("cellbank:unit-label-pdf", args=[released_unit.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5_000
    assert b"/Count 1" in response.content  # one page


def test_the_label_page_lists_every_element_from_the_unit_and_its_site(as_user, lab_a,
                                                                       released_unit):
    page = as_user(lab_a).get(reverse("cellbank:unit-label-page", args=[released_unit.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for element in ("G1234 17 654321 A", "S0000700", "For allogeneic use", "5.0 mL",
                    "Clinic A, 1 Example Row, London", "FIN G1234", "2-8 °C"):
        assert element in text, element
    assert reverse("cellbank:unit-label-pdf", args=[released_unit.pk]) in text


def test_a_label_missing_the_address_shows_its_problems_instead(as_user, lab_a, released_unit):
    site = released_unit.site
    site.address = ""
    site.save()
    client = as_user(lab_a)
    for name in ("cellbank:unit-label-page", "cellbank:unit-label", "cellbank:unit-label-pdf"):
        response = client.get(reverse(name, args=[released_unit.pk]))
        assert response.status_code == 409
        assert "the label needs its address (21 CFR 1271.370(c)(1))" in response.content.decode()


def test_an_autologous_label_names_its_recipient(as_user, lab_a, site_a, harvest_a, kit):
    unit = kit.receive(site_a, lab_a, "LOC-BM7-" + _k("BM7"), harvest=harvest_a, product="bmac")
    text = as_user(lab_a).get(reverse("cellbank:unit-label-page", args=[unit.pk])) \
        .content.decode()
    assert "FOR AUTOLOGOUS USE ONLY" in text and "S0000100" in text
    # The birth date as every page writes it (clinic.formats), beside the wristband.
    assert "AARDVARK, Ada" in text and "MRN A-0001" in text and "born 17 May 1960" in text


def test_a_reactive_donor_gives_the_label_its_biohazard_legend(site_a, lab_a, kit):
    from orthoregen.web.cellbank.models import Donor
    from orthoregen.web.cellbank.services.labels import label_content

    donor = Donor.objects.create(site=site_a, code="D-RX", donor_type="umbilical_cord",
                                 tested_person="Birth mother", recovered_on=kit.RECOVERED)
    kit.record_panel(donor, lab_a, reactive=("anti_hbc",))
    kit.determine(donor, lab_a, step="complete_screening")
    kit.determine(donor, lab_a, step="determine", outcome="ineligible", reason="reactive")
    donor.refresh_from_db()
    unit = kit.receive(site_a, lab_a, kit.DIN_D, donor)
    content = label_content(unit)
    assert "Biohazard legend" in content.warnings
    assert content.reactive_tests  # named on the label: "WARNING: Reactive test results for"


def _k(body):
    from orthoregen.products.isbt128 import check_character

    return check_character(body)


PANEL_URL = "cellbank:unit-qc-panel"


def _panel_post(**changes):
    data = {"viability-value": "91", "CD73-value": "98", "CD90-value": "97", "CD105-value": "96",
            "CD45-value": "0.5", "CD34-value": "0.7", "CD14-value": "0.3", "CD79a-value": "0.2",
            "HLA-DR-value": "0.8", "endotoxin_eu_per_ml-value": "0.2",
            "sterility-outcome": "negative", "mycoplasma-outcome": "negative",
            "gram_stain-outcome": "negative", "CD73-method": "Flow cytometry"}
    data.update(changes)
    return data


def test_the_qc_panel_shows_each_test_with_its_unit_and_specification(as_user, lab_a,
                                                                      donor_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    text = as_user(lab_a).get(reverse(PANEL_URL, args=[unit.pk])).content.decode()
    assert "cultured_msc_default 2026.1" in text
    assert "≥ 95 %" in text and "≤ 2 % (or CD14 / CD11b)" in text and "EU/mL" in text
    assert "Dominici" in text and "USP &lt;71&gt;" in text


def test_the_whole_panel_is_saved_in_one_go_and_releases(as_user, lab_a, donor_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    response = as_user(lab_a).post(reverse(PANEL_URL, args=[unit.pk]), _panel_post())
    assert response.status_code == 302
    assert QcResult.objects.filter(unit=unit).count() == 13
    assert QcResult.objects.get(unit=unit, test="CD73").method == "Flow cytometry"
    unit.refresh_from_db()
    assert services.release_evaluation(unit).outcome == "full"
    assert CustodyEvent.objects.filter(unit=unit, note="Sterility culture negative.").exists()


def test_one_bad_value_refuses_the_whole_panel_and_names_its_field(as_user, lab_a, donor_a,
                                                                   kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    response = as_user(lab_a).post(reverse(PANEL_URL, args=[unit.pk]),
                                   _panel_post(**{"CD90-value": "150"}))
    assert response.status_code == 400
    assert response.context["form"].errors["CD90-value"]
    assert not QcResult.objects.exists()


def test_a_result_qc_record_refuses_rolls_back_the_results_before_it(lab_a, donor_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    later = timezone.now()
    services.qc_record(unit, by=lab_a, test="sterility", outcome="pending", at=later)
    earlier = later - timezone.timedelta(hours=1)
    with pytest.raises(PanelRefused, match="Sterility culture") as refused:
        qc_panel_record(unit, by=lab_a, at=earlier, results=[
            PanelResult("viability", value=91.0), PanelResult("sterility", outcome="negative")])
    assert refused.value.test == "sterility"
    assert list(QcResult.objects.values_list("test", flat=True)) == ["sterility"]


@pytest.mark.parametrize("value", [float("nan"), -1.0, 101.0])
def test_the_panel_service_refuses_what_no_form_would_send(lab_a, donor_a, kit, value):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    with pytest.raises(PanelRefused, match="CD73"):
        qc_panel_record(unit, by=lab_a, results=[PanelResult("CD73", value=value)])
    assert not QcResult.objects.exists()


def test_the_joint_record_refuses_contradictions_with_the_core(patient_a, clinician_a, lab_a,
                                                               released_unit, kit):
    from orthoregen.web.clinic.models import JointEpisode

    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="tonnis", grade=2)
    pj = _session(hip, clinician_a, kit)
    with pytest.raises(services.CellbankRefused, match="reaches the knee, not the hip"):
        procedures.procedure_joint_update(pj, by=clinician_a, approach="superolateral")
    with pytest.raises(services.CellbankRefused, match="made under fluoroscopy, not ultra"):
        procedures.procedure_joint_update(pj, by=clinician_a, approach="hip_fluoro_anterior")
    with pytest.raises(services.CellbankRefused, match="no leading zero"):
        procedures.procedure_joint_update(pj, by=clinician_a, image_reference="1.2.03")
    services.unit_issue(released_unit, hip, by=lab_a)  # 5 mL issued to the hip episode
    with pytest.raises(services.CellbankRefused, match="6 mL injected is more than the 5 mL"):
        record_injection(pj, by=clinician_a, injectate_volume_ml=6.0)
    procedures.procedure_joint_update(pj, by=clinician_a, approach="hip_anterior_oblique",
                                      image_reference="1.2.826.0.1.3680043.8.498.1",
                                      injectate_volume_ml=5.0)
    pj.refresh_from_db()
    assert (pj.approach, pj.injectate_volume_ml) == ("hip_anterior_oblique", 5.0)


def test_the_joint_form_offers_only_the_joints_choices_and_asks_for_the_image(
        as_user, clinician_a, session):
    client = as_user(clinician_a)
    page = client.get(reverse("procedures:detail", args=[session.procedure_id]))
    form = page.context["joints"][0]["details"]
    assert [v for v, _ in form.fields["guidance"].choices] == ["ultrasound"]
    assert {v for v, _ in form.fields["approach"].choices} == \
        {"", "superolateral", "lateral_midpatellar", "anterolateral", "anteromedial"}
    prefix = f"j{session.pk}-"
    data = {prefix + "guidance": "ultrasound", prefix + "approach": "superolateral",
            prefix + "injectate_volume_ml": "3"}
    url = reverse("procedures:joint-update", args=[session.procedure_id, session.pk])
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Give the stored image" in refused.content.decode()
    data[prefix + "image_reference"] = "US-2026-0042"
    assert client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.image_reference == "US-2026-0042"


def test_product_units_stay_unique_by_din_and_product_code_per_site(site_a, lab_a, donor_a, kit):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a)
    assert ProductUnit.objects.filter(identifier=unit.identifier).count() == 1
