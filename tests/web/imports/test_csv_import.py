"""CSV imports: every problem by row and column, all or nothing, idempotent on source ids."""

import datetime as dt
import hashlib

import pytest
from django.apps import apps

from orthoregen.instruments import score
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.cellbank.models import Procedure, ProcedureJoint
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.imports.layouts import LAYOUTS, template_csv
from orthoregen.web.imports.models import ImportRun, SourceRecord
from orthoregen.web.imports.services import ImportRefused, import_file

KOOS_ITEMS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "P1", "P2", "P3", "P4", "P5", "P6",
              "P7", "P8", "P9", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10",
              "A11", "A12", "A13", "A14", "A15", "A16", "A17", "SP1", "SP2", "SP3", "SP4",
              "SP5", "Q1", "Q2", "Q3", "Q4"]
PATIENT_HEADER = [c.name for c in LAYOUTS["patients"]]
RESPONSE_HEADER = [c.name for c in LAYOUTS["responses"]] + KOOS_ITEMS


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (the audit trail included)."""
    return {model._meta.db_table: model._default_manager.count()
            for model in apps.get_models() if model._meta.app_label != "contenttypes"}


def patient_row(source_id, mrn, family="Lovelace", born="1960-05-17", sex="female"):
    return ["old-emr", source_id, mrn, family, "Ada", born, sex, "", "", ""]


def koos_row(source_id, mrn="A-0001", answers=None, instrument="koos", timepoint="baseline",
             completed="2025-01-15", joint="knee", side="left"):
    answers = [2] * 42 if answers is None else answers
    return ["old-emr", source_id, mrn, joint, side, instrument, timepoint, completed, *answers]


def test_good_patients_import_once_and_a_rerun_changes_nothing(site_a, admin_a, make_csv):
    data = make_csv(PATIENT_HEADER, [patient_row("P1", "M-1"), patient_row("P2", "M-2",
                                                                          "Hopper")])
    report = import_file("patients", data, file_name="p.csv", site=site_a, by=admin_a)
    assert report.ok and report.saved and report.created == 2
    patient = Patient.objects.get(site=site_a, mrn="M-2")
    assert patient.family_name == "Hopper"
    assert patient.history.first().history_user == admin_a  # kept by simple-history
    run = ImportRun.objects.get()
    assert run.sha256 == hashlib.sha256(data).hexdigest() and run.created == 2
    record = AccessRecord.objects.get(action=AccessAction.BULK_LOAD)
    assert run.sha256 in record.detail and "rows=2" in record.detail

    before = table_counts()
    again = import_file("patients", data, file_name="p.csv", site=site_a, by=admin_a)
    assert again.ok and again.created == 0 and again.unchanged == 2
    after = table_counts()
    # The second run adds only its own ImportRun and audit record, no clinical row.
    changed = {t for t in after if after[t] != before[t]}
    assert changed <= {"imports_importrun", "audit_accessrecord", "audit_accesschainhead"}


def test_a_changed_row_is_reported_and_not_applied(site_a, admin_a, make_csv):
    import_file("patients", make_csv(PATIENT_HEADER, [patient_row("P1", "M-1")]),
                file_name="p.csv", site=site_a, by=admin_a)
    report = import_file("patients", make_csv(PATIENT_HEADER,
                                              [patient_row("P1", "M-1", "Byron")]),
                         file_name="p2.csv", site=site_a, by=admin_a)
    assert report.changed == [(2, "P1")] and report.created == 0
    assert Patient.objects.get(mrn="M-1").family_name == "Lovelace"


def test_a_dry_run_with_many_errors_writes_nothing_and_names_each_row_and_column(
        site_a, site_b, admin_a, patient_a, patient_b, make_csv):
    admin_a.sites.add(site_b)  # so that another site's patient may be named
    rows = [
        koos_row("Q1"),                                            # row 2: good
        koos_row("Q2", answers=[2] * 41 + [7]),                    # row 3: Q4 out of range
        koos_row("Q3", completed="2025-02-30"),                    # row 4: impossible date
        koos_row("Q4", instrument="kooz"),                         # row 5: unknown code
        koos_row("Q1"),                                            # row 6: duplicate
        koos_row("Q6", mrn="NOPE"),                                # row 7: patient not found
        koos_row("Q7", mrn="B-0001"),                              # row 8: another site's
        koos_row("Q8", completed="15/01/2025"),                    # row 9: not ISO
        koos_row("Q9", timepoint="month_99"),                      # row 10: unknown time point
        koos_row("Q10", side="right"),                             # row 11: no such episode
        koos_row("Q11", answers=["x"] + [2] * 41),                 # row 12: not a number
        koos_row("Q12", completed=(dt.date.today() + dt.timedelta(days=3)).isoformat()),
    ]
    before = table_counts()
    report = import_file("responses", make_csv(RESPONSE_HEADER, rows), file_name="r.csv",
                         site=site_a, by=admin_a, dry_run=True)
    assert table_counts() == before
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(3, "Q4"), (4, "completed_on"), (5, "instrument"), (6, "source_id"),
                     (7, "patient_mrn"), (8, "patient_mrn"), (9, "completed_on"),
                     (10, "timepoint"), (11, "side"), (12, "S1"), (13, "completed_on")}
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "7 is out of range" in messages[(3, "Q4")]
    assert "impossible" in messages[(4, "completed_on")]
    assert "also row 2" in messages[(6, "source_id")]
    assert "patient of site-b" in messages[(8, "patient_mrn")]
    assert "no patient" in messages[(7, "patient_mrn")]
    assert "future" in messages[(13, "completed_on")]
    # The same file for real is refused whole: the good row 2 is not saved either.
    real = import_file("responses", make_csv(RESPONSE_HEADER, rows), file_name="r.csv",
                       site=site_a, by=admin_a)
    assert not real.saved and table_counts() == before


def test_another_sites_patient_is_not_named_to_a_user_who_does_not_work_there(
        site_a, admin_a, patient_b, make_csv):
    report = import_file("responses", make_csv(RESPONSE_HEADER, [koos_row("Q1", "B-0001")]),
                         file_name="r.csv", site=site_a, by=admin_a, dry_run=True)
    assert [p.message for p in report.problems] == ["no patient with MRN B-0001 at site-a"]


def test_responses_are_scored_by_the_instruments_on_import(site_a, admin_a, patient_a,
                                                           make_csv):
    answers = [0, 1, 2, 3, 4, 1, 2] + [1] * 9 + [3] * 17 + ["", "", "", 2, 4] + [0, 1, 2, 3]
    data = make_csv(RESPONSE_HEADER, [koos_row("Q1", answers=answers),
                                      koos_row("Q2", timepoint="month_6",
                                               completed="2025-07-15")])
    report = import_file("responses", data, file_name="r.csv", site=site_a, by=admin_a)
    assert report.ok and report.created == 2, report.problems
    stored = QuestionnaireResponse.objects.get(idempotency_key="import:site-a:old-emr:Q1")
    expected = {item: (None if value == "" else value)
                for item, value in zip(KOOS_ITEMS, answers, strict=True)}
    assert stored.answers == expected
    official = score("koos", expected).values
    assert stored.scores.keys() == official.keys()
    for name, value in official.items():
        assert stored.scores[name] == pytest.approx(value)
    assert stored.episode == patient_a.episodes.get() and stored.completed_on == dt.date(
        2025, 1, 15)
    # Idempotent: again, nothing new; a changed answer is reported, not applied.
    again = import_file("responses", data, file_name="r.csv", site=site_a, by=admin_a)
    assert again.unchanged == 2 and again.created == 0
    assert QuestionnaireResponse.objects.count() == 2
    answers[0] = 4
    changed = import_file("responses", make_csv(RESPONSE_HEADER,
                                                [koos_row("Q1", answers=answers)]),
                          file_name="r2.csv", site=site_a, by=admin_a)
    assert changed.changed == [(2, "Q1")]
    stored.refresh_from_db()
    assert stored.answers["S1"] == 0


def test_historical_scores_without_items_are_range_checked(site_a, admin_a, patient_a,
                                                           make_csv):
    header = [c.name for c in LAYOUTS["scores"]] + ["pain", "symptoms", "adl", "sport_rec",
                                                    "qol"]
    meta = ["old-emr", "S1", "A-0001", "knee", "left", "koos", "baseline", "2025-01-15"]
    bad = ["old-emr", "S2", "A-0001", "knee", "left", "koos", "month_3", "2025-04-15"]
    report = import_file("scores", make_csv(header, [meta + [55.6, 60, 70, "", 25],
                                                     bad + [101, 60, 70, 20, 25]]),
                         file_name="s.csv", site=site_a, by=admin_a)
    assert [(p.row, p.column) for p in report.problems] == [(3, "pain")]
    report = import_file("scores", make_csv(header, [meta + [55.6, 60, 70, "", 25]]),
                         file_name="s.csv", site=site_a, by=admin_a)
    assert report.saved
    stored = QuestionnaireResponse.objects.get()
    assert stored.answers == {} and stored.scores == {"pain": 55.6, "symptoms": 60.0,
                                                      "adl": 70.0, "sport_rec": None,
                                                      "qol": 25.0}


def test_episodes_go_through_the_episode_form(site_a, admin_a, patient_a, make_csv):
    header = [c.name for c in LAYOUTS["episodes"]]
    rows = [["old-emr", "E1", "A-0001", "knee", "right", "M17.11", "kellgren_lawrence", "2",
             "2019-04-01"],
            ["old-emr", "E2", "A-0001", "hip", "right", "M17.11", "kellgren_lawrence", "2", ""],
            ["old-emr", "E3", "A-0001", "knee", "right", "M17.11", "kellgren_lawrence", "9", ""],
            ["old-emr", "E4", "A-0001", "knee", "right", "M99", "kellgren_lawrence", "2", ""]]
    report = import_file("episodes", make_csv(header, rows), file_name="e.csv", site=site_a,
                         by=admin_a, dry_run=True)
    assert {(p.row, p.column) for p in report.problems} == {
        (3, "diagnosis_code"), (4, "grade"), (5, "diagnosis_code")}
    report = import_file("episodes", make_csv(header, rows[:1]), file_name="e.csv",
                         site=site_a, by=admin_a)
    assert report.saved
    assert JointEpisode.objects.filter(patient=patient_a, side="right").count() == 1
    assert SourceRecord.objects.get().source_id == "E1"


def test_historical_injections_follow_the_procedure_rooms_rules(site_a, admin_a, clinician_a,
                                                                 patient_a, make_csv):
    header = [c.name for c in LAYOUTS["procedures"]]

    def row(source_id, guidance="ultrasound", image="IMG-1", volume="4", operator="clinician_a"):
        values = dict.fromkeys(header, "")
        values.update(source_system="old-emr", source_id=source_id, patient_mrn="A-0001",
                      joint="knee", side="left", performed_on="2024-02-12", operator=operator,
                      guidance=guidance, image_reference=image, injectate_volume_ml=volume,
                      approach="superolateral")
        return [values[name] for name in header]

    rows = [row("I1"), row("I2", image=""), row("I3", volume="400"), row("I4", operator="ghost")]
    report = import_file("procedures", make_csv(header, rows), file_name="i.csv", site=site_a,
                         by=admin_a, dry_run=True)
    assert {(p.row, p.column) for p in report.problems} == {
        (3, "image_reference"), (4, "injectate_volume_ml"), (5, "operator")}
    assert not Procedure.objects.exists()
    report = import_file("procedures", make_csv(header, rows[:1]), file_name="i.csv",
                         site=site_a, by=admin_a)
    assert report.saved
    joint = ProcedureJoint.objects.get()
    assert joint.procedure.operator == clinician_a and joint.injectate_volume_ml == 4


def test_header_problems_stop_before_the_rows(site_a, admin_a, make_csv):
    report = import_file("patients", make_csv(["source_system", "mrn", "colour"], [["x", "y",
                                                                                    "z"]]),
                         file_name="p.csv", site=site_a, by=admin_a)
    found = {(p.row, p.column) for p in report.problems}
    assert (1, "source_id") in found and (1, "colour") in found and (1, "family_name") in found


def test_not_utf8_and_refusals(site_a, site_b, admin_a, clinician_a, make_csv):
    report = import_file("patients", b"\xff\xfe\x00", file_name="p.csv", site=site_a,
                         by=admin_a)
    assert "not UTF-8" in report.problems[0].message
    with pytest.raises(ImportRefused):
        import_file("patients", b"", file_name="p.csv", site=site_b, by=admin_a)
    with pytest.raises(ImportRefused):
        import_file("patients", b"", file_name="p.csv", site=site_a, by=clinician_a)


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_each_template_is_accepted_by_a_dry_run_header_check(kind, site_a, admin_a):
    text = template_csv(kind)
    report = import_file(kind, text.encode(), file_name="t.csv", site=site_a, by=admin_a,
                         dry_run=True)
    assert not [p for p in report.problems if p.row == 1]
