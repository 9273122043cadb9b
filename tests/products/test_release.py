import json

import pytest

from orthoregen.products.product_class import PRODUCT_CLASSES, Origin, ProductClass
from orthoregen.products.release import (
    CULTURED_MSC_SPEC,
    POINT_OF_CARE_SPEC,
    QcOutcome,
    QcResults,
    ReleaseOutcome,
    Verdict,
    endotoxin_limit_eu,
    evaluate_release,
    spec_from_json,
    spec_to_json,
)

NEG, POS, PENDING = QcOutcome.NEGATIVE, QcOutcome.POSITIVE, QcOutcome.PENDING

# A lot meeting every default (docs/cell-products.md#release-specifications): ISCT
# CD73/CD90/CD105 >= 95 %, CD45/CD34/CD14 or CD11b/CD79a or CD19/HLA-DR <= 2 %, viability
# >= 70 %, sterile, mycoplasma negative, endotoxin within 5 EU/kg.
PASSING = {
    "CD73": 99.0,
    "CD90": 98.5,
    "CD105": 96.0,
    "CD45": 0.5,
    "CD34": 1.0,
    "CD14": 0.3,
    "CD79a": 0.2,
    "HLA-DR": 1.1,
    "viability": 91.0,
    "sterility": NEG,
    "mycoplasma": NEG,
    "endotoxin_eu_per_ml": 0.5,
    "gram_stain": NEG,
}


def evaluate(spec=CULTURED_MSC_SPEC, volume_ml=3.0, weight_kg=70.0, **changes):
    values = {k: v for k, v in {**PASSING, **changes}.items() if v is not None}
    return evaluate_release(spec, QcResults(values, volume_ml, weight_kg))


def verdict_of(evaluation, prefix):
    return next(v.verdict for v in evaluation.verdicts if v.criterion.startswith(prefix))


def test_lot_meeting_every_default_criterion_can_be_fully_released():
    evaluation = evaluate()
    assert evaluation.outcome is ReleaseOutcome.FULL
    assert len(evaluation.verdicts) == 3 + 5 + 4  # 3 positive, 5 negative markers, 4 tests


@pytest.mark.parametrize(
    ("changes", "criterion", "verdict"),
    [
        # ISCT 2006 thresholds at and just past the limit.
        ({"CD73": 95.0}, "CD73", Verdict.PASS),
        ({"CD73": 94.9}, "CD73", Verdict.FAIL),
        ({"CD105": 94.0}, "CD105", Verdict.FAIL),
        ({"CD45": 2.0}, "CD45", Verdict.PASS),
        ({"CD45": 2.1}, "CD45", Verdict.FAIL),
        ({"HLA-DR": 20.0}, "HLA-DR", Verdict.FAIL),  # J Transl Med 2018's 20 % is not ISCT
        # CD14 or CD11b: either may be measured; any measured above 2 % fails.
        ({"CD14": None, "CD11b": 1.0}, "CD14 or CD11b", Verdict.PASS),
        ({"CD11b": 3.0}, "CD14 or CD11b", Verdict.FAIL),
        ({"CD14": None}, "CD14 or CD11b", Verdict.MISSING),
        ({"CD79a": None, "CD19": 0.1}, "CD79a or CD19", Verdict.PASS),
        # FDA CMC guidance for somatic cell therapy INDs (2008): viability >= 70 %.
        ({"viability": 70.0}, "viability", Verdict.PASS),
        ({"viability": 69.9}, "viability", Verdict.FAIL),
        ({"sterility": POS}, "sterility", Verdict.FAIL),
        ({"mycoplasma": POS}, "mycoplasma", Verdict.FAIL),
        ({"mycoplasma": None}, "mycoplasma", Verdict.MISSING),
    ],
)
def test_each_criterion_at_its_published_threshold(changes, criterion, verdict):
    assert verdict_of(evaluate(**changes), criterion) is verdict


@pytest.mark.parametrize(
    ("eu_per_ml", "verdict"),
    # USP <85> (K = 5 EU/kg): 70 kg -> 5 x 70 = 350 EU per dose; in 3 mL that is
    # <= 116 EU/mL (116 x 3 = 348 EU passes, 117 x 3 = 351 EU fails).
    [(116.0, Verdict.PASS), (117.0, Verdict.FAIL)],
)
def test_endotoxin_limit_follows_the_usp_85_worked_example(eu_per_ml, verdict):
    assert endotoxin_limit_eu(5.0, 70.0) == 350.0
    assert verdict_of(evaluate(endotoxin_eu_per_ml=eu_per_ml), "endotoxin") is verdict


def test_missing_weight_uses_70_kg_and_flags_the_evaluation():
    evaluation = evaluate(weight_kg=None, endotoxin_eu_per_ml=116.0)
    assert verdict_of(evaluation, "endotoxin") is Verdict.PASS
    assert evaluation.flags == (
        "endotoxin limit computed with an assumed 70 kg (no weight recorded)",
    )


def test_endotoxin_without_a_dose_volume_is_missing():
    assert verdict_of(evaluate(volume_ml=None), "endotoxin") is Verdict.MISSING


def test_sterility_pending_with_negative_gram_stain_allows_conditional_release():
    # Released pending sterility needs Gram stain and endotoxin results
    # (docs/cell-products.md#conditional-release-pending-sterility).
    assert evaluate(sterility=PENDING).outcome is ReleaseOutcome.CONDITIONAL_PENDING_STERILITY


@pytest.mark.parametrize(
    "changes",
    [
        {"sterility": PENDING, "gram_stain": None},
        {"sterility": PENDING, "gram_stain": POS},
        {"sterility": PENDING, "endotoxin_eu_per_ml": None},
        {"sterility": PENDING, "viability": 60.0},
        {"sterility": PENDING, "mycoplasma": PENDING},
        {"sterility": POS},
        {"CD90": None},
    ],
)
def test_conditional_release_needs_everything_but_sterility_to_pass(changes):
    assert evaluate(**changes).outcome is ReleaseOutcome.NOT_RELEASABLE


def test_point_of_care_spec_skips_identity_and_mycoplasma_with_reasons():
    values = {"viability": 85.0, "sterility": NEG, "endotoxin_eu_per_ml": 1.0}
    evaluation = evaluate_release(POINT_OF_CARE_SPEC, QcResults(values, 5.0, 80.0))
    assert evaluation.outcome is ReleaseOutcome.FULL
    assert {test for test, _ in POINT_OF_CARE_SPEC.not_applicable} == {
        "identity markers",
        "mycoplasma",
    }


def test_every_product_class_has_a_default_specification_and_origin():
    covered = CULTURED_MSC_SPEC.product_classes | POINT_OF_CARE_SPEC.product_classes
    # Birth-tissue allografts have no default: docs/cell-products.md#product-classes keeps
    # them separate.
    assert covered == set(ProductClass) - {ProductClass.BIRTH_TISSUE_ALLOGRAFT}
    allogeneic = {c for c, info in PRODUCT_CLASSES.items() if info.origin is Origin.ALLOGENEIC}
    assert allogeneic == {
        ProductClass.UMBILICAL_CORD_MSC,
        ProductClass.DONOR_ADIPOSE_MSC,
        ProductClass.DONOR_MARROW_MSC,
        ProductClass.BIRTH_TISSUE_ALLOGRAFT,
    }
    assert PRODUCT_CLASSES[ProductClass.UMBILICAL_CORD_MSC].msc_tissue == "MSC(WJ)"


def test_culture_results_given_as_text_are_read_as_outcomes():
    values = {**PASSING, "sterility": "pending", "gram_stain": "negative", "mycoplasma": "negative"}
    evaluation = evaluate_release(CULTURED_MSC_SPEC, QcResults(values, 3.0, 70.0))
    assert evaluation.outcome is ReleaseOutcome.CONDITIONAL_PENDING_STERILITY
    with pytest.raises(ValueError, match="is not a valid"):
        QcResults({"sterility": "clean"})


@pytest.mark.parametrize("changes, criterion", [
    ({"viability": NEG}, "viability"),  # a culture outcome where a percentage belongs
    ({"CD45": POS}, "CD45"),
    ({"endotoxin_eu_per_ml": NEG}, "endotoxin"),
    ({"sterility": 90.0}, "sterility"),  # a number where a culture outcome belongs
])
def test_a_result_of_the_wrong_kind_needs_review_and_blocks_release(changes, criterion):
    evaluation = evaluate(**changes)
    verdict = next(v for v in evaluation.verdicts if v.criterion.startswith(criterion))
    assert verdict.verdict is Verdict.NEEDS_REVIEW
    assert "correct the result" in verdict.detail
    assert evaluation.outcome is ReleaseOutcome.NOT_RELEASABLE


@pytest.mark.parametrize("spec", [CULTURED_MSC_SPEC, POINT_OF_CARE_SPEC])
def test_specification_reads_back_unchanged_from_its_json_form(spec):
    assert spec_from_json(json.loads(json.dumps(spec_to_json(spec)))) == spec


def test_a_product_specific_spec_can_be_stored_as_data():
    # J Transl Med 2018 phase I/II spec (EudraCT 2010-024041-78), <= 5 % CD45 and CD31.
    data = spec_to_json(CULTURED_MSC_SPEC)
    data.update(spec_id="jtm2018", version="1")
    data["criteria"] = [
        {
            "kind": "percent_at_most",
            "test_ids": ["CD45"],
            "maximum_percent": 5,
            "citation": "J Transl Med 2018",
        },
        {
            "kind": "percent_at_most",
            "test_ids": ["CD31"],
            "maximum_percent": 5,
            "citation": "J Transl Med 2018",
        },
    ]
    spec = spec_from_json(data)
    evaluation = evaluate_release(spec, QcResults({"CD45": 4.0, "CD31": 5.5}))
    assert [v.verdict for v in evaluation.verdicts] == [Verdict.PASS, Verdict.FAIL]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["criteria"][0].update(kind="percent_between"), r"criteria\[0\].kind"),
        (lambda d: d["criteria"][1].update(minimum_percent="95"), r"criteria\[1\].minimum_percent"),
        (lambda d: d["criteria"][2].update(minimum=95), r"criteria\[2\]: unknown field"),
        (lambda d: d.update(effective_from="1 Jan 2026"), "effective_from: expected an ISO date"),
        (lambda d: d.pop("criteria"), "criteria"),
    ],
)
def test_a_broken_stored_spec_names_the_path_of_the_problem(edit, message):
    data = spec_to_json(CULTURED_MSC_SPEC)
    edit(data)
    with pytest.raises(ValueError, match=message):
        spec_from_json(data)
