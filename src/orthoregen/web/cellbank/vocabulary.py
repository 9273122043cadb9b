"""Choices of the cell lab and the procedure room, in the words of docs/cell-products.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orthoregen.products.donor import DonorEligibility
from orthoregen.products.product_class import PRODUCT_CLASSES
from orthoregen.products.status import UnitStatus

ProductClassChoices = [(cls.value, info.label) for cls, info in PRODUCT_CLASSES.items()]
UnitStatusChoices = [(s.value, s.value.replace("_", " ").capitalize()) for s in UnitStatus]
EligibilityChoices = [(e.value, e.value.replace("_", " ").capitalize()) for e in DonorEligibility]


class DonorType(models.TextChoices):
    # Birth tissue: the mother is the tested person (21 CFR 1271.80(a);
    # docs/cell-products.md#donor-testing); classes: docs/cell-products.md#product-classes.
    UMBILICAL_CORD = "umbilical_cord", _("Umbilical cord / Wharton's jelly (birth tissue)")
    DONOR_ADIPOSE = "donor_adipose", _("Adult donor adipose tissue")
    DONOR_MARROW = "donor_marrow", _("Adult donor bone marrow")


class InfectiousResult(models.TextChoices):
    NON_REACTIVE = "non_reactive", _("Non-reactive")
    REACTIVE = "reactive", _("Reactive")
    INDETERMINATE = "indeterminate", _("Indeterminate")


class DonorAnalyte(models.TextChoices):
    # 21 CFR 1271.85(a)-(b) and 2006/17/EC Annex II 1.1-1.5 (docs/cell-products.md#donor-testing).
    HIV_1_NAT = "hiv1_nat", _("HIV-1 NAT")
    ANTI_HIV = "anti_hiv_1_2", _("anti-HIV-1/2")
    HBSAG = "hbsag", _("HBsAg")
    ANTI_HBC = "anti_hbc", _("anti-HBc (total)")
    HBV_NAT = "hbv_nat", _("HBV NAT")
    ANTI_HCV = "anti_hcv", _("anti-HCV")
    HCV_NAT = "hcv_nat", _("HCV NAT")
    SYPHILIS = "syphilis", _("Treponema pallidum (syphilis)")
    HTLV = "htlv_1_2", _("HTLV-I/II")
    CMV = "cmv", _("CMV")
    WNV_NAT = "wnv_nat", _("West Nile virus NAT")


class HarvestSource(models.TextChoices):
    BONE_MARROW = "bone_marrow", _("Bone marrow aspirate")
    LIPOASPIRATE = "lipoaspirate", _("Lipoaspirate")


class IdentifierKind(models.TextChoices):
    ISBT_DIN = "isbt_din", _("ISBT 128 DIN")
    LOCAL = "local", _("Local identifier")


class Sterility(models.TextChoices):
    PENDING = "pending", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


class QcTest(models.TextChoices):
    # Test ids are those of products.release (docs/cell-products.md#release-specifications).
    VIABILITY = "viability", _("Viability (%)")
    CD73 = "CD73", _("CD73 (%)")
    CD90 = "CD90", _("CD90 (%)")
    CD105 = "CD105", _("CD105 (%)")
    CD45 = "CD45", _("CD45 (%)")
    CD34 = "CD34", _("CD34 (%)")
    CD14 = "CD14", _("CD14 (%)")
    CD11B = "CD11b", _("CD11b (%)")
    CD79A = "CD79a", _("CD79a (%)")
    CD19 = "CD19", _("CD19 (%)")
    HLA_DR = "HLA-DR", _("HLA-DR (%)")
    ENDOTOXIN = "endotoxin_eu_per_ml", _("Endotoxin (EU/mL)")
    STERILITY = "sterility", _("Sterility culture")
    GRAM_STAIN = "gram_stain", _("Gram stain")
    MYCOPLASMA = "mycoplasma", _("Mycoplasma")


# Culture-type tests carry an outcome; the others a number.
OUTCOME_TESTS = frozenset({QcTest.STERILITY, QcTest.GRAM_STAIN, QcTest.MYCOPLASMA})
# A positive result of any of these means microbes in the product
# (docs/cell-products.md#sterility, #mycoplasma).
MICROBIAL_TESTS = frozenset({QcTest.STERILITY, QcTest.GRAM_STAIN, QcTest.MYCOPLASMA})
# The results that can stop a lot: microbes, or endotoxin over a per-dose limit
# (docs/cell-products.md#sterility, #mycoplasma, #endotoxin).
HOLD_TESTS = MICROBIAL_TESTS | {QcTest.ENDOTOXIN}


class QcOutcomeChoice(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    PENDING = "pending", _("Pending")


class InvestigationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Guidance(models.TextChoices):
    # Project default (CFG, docs/cell-products.md#image-guidance): knee/shoulder ultrasound,
    # hip ultrasound or fluoroscopy.
    ULTRASOUND = "ultrasound", _("Ultrasound")
    FLUOROSCOPY = "fluoroscopy", _("Fluoroscopy")
    LANDMARK = "landmark", _("Landmark (unguided)")


class Approach(models.TextChoices):
    # docs/cell-products.md#injection-record, per joint.
    SUPEROLATERAL = "superolateral", _("Knee: superolateral / suprapatellar recess")
    LATERAL_MIDPATELLAR = "lateral_midpatellar", _("Knee: lateral midpatellar")
    ANTEROLATERAL = "anterolateral", _("Knee: anterolateral")
    ANTEROMEDIAL = "anteromedial", _("Knee: anteromedial")
    HIP_ANTERIOR_OBLIQUE = "hip_anterior_oblique", _("Hip: anterior oblique-sagittal (head-neck)")
    HIP_FLUORO_ANTERIOR = "hip_fluoro_anterior", _("Hip: fluoroscopic anterior")
    SHOULDER_POSTERIOR = "shoulder_posterior", _("Shoulder: posterior glenohumeral")
    SHOULDER_ROTATOR_INTERVAL = (
        "shoulder_rotator_interval", _("Shoulder: rotator interval / anterior")
    )


# The lab's names for the release specifications (products/release.py keeps the ids, which
# the unit page still shows as the document reference).
SPECIFICATION_NAMES = {"cultured_msc_default": "Culture-expanded MSC release specification",
                       "point_of_care_default": "Point-of-care product release specification"}
