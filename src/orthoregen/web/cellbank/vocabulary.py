"""Choices of the cell lab and the procedure room, in the words of docs/cell-products.md."""

from django.db import models

from orthoregen.products.donor import DonorEligibility
from orthoregen.products.product_class import PRODUCT_CLASSES
from orthoregen.products.status import UnitStatus

ProductClassChoices = [(cls.value, info.label) for cls, info in PRODUCT_CLASSES.items()]
UnitStatusChoices = [(s.value, s.value.replace("_", " ").capitalize()) for s in UnitStatus]
EligibilityChoices = [(e.value, e.value.replace("_", " ").capitalize()) for e in DonorEligibility]


class DonorType(models.TextChoices):
    # Birth tissue: the mother is the tested person (21 CFR 1271.80(a);
    # docs/cell-products.md#donor-testing); classes: docs/cell-products.md#product-classes.
    UMBILICAL_CORD = "umbilical_cord", "Umbilical cord / Wharton's jelly (birth tissue)"
    DONOR_ADIPOSE = "donor_adipose", "Adult donor adipose tissue"
    DONOR_MARROW = "donor_marrow", "Adult donor bone marrow"


class InfectiousResult(models.TextChoices):
    NON_REACTIVE = "non_reactive", "Non-reactive"
    REACTIVE = "reactive", "Reactive"
    INDETERMINATE = "indeterminate", "Indeterminate"


class DonorAnalyte(models.TextChoices):
    # 21 CFR 1271.85(a)-(b) and 2006/17/EC Annex II 1.1-1.5 (docs/cell-products.md#donor-testing).
    HIV_1_NAT = "hiv1_nat", "HIV-1 NAT"
    ANTI_HIV = "anti_hiv_1_2", "anti-HIV-1/2"
    HBSAG = "hbsag", "HBsAg"
    ANTI_HBC = "anti_hbc", "anti-HBc (total)"
    HBV_NAT = "hbv_nat", "HBV NAT"
    ANTI_HCV = "anti_hcv", "anti-HCV"
    HCV_NAT = "hcv_nat", "HCV NAT"
    SYPHILIS = "syphilis", "Treponema pallidum (syphilis)"
    HTLV = "htlv_1_2", "HTLV-I/II"
    CMV = "cmv", "CMV"
    WNV_NAT = "wnv_nat", "West Nile virus NAT"


class HarvestSource(models.TextChoices):
    BONE_MARROW = "bone_marrow", "Bone marrow aspirate"
    LIPOASPIRATE = "lipoaspirate", "Lipoaspirate"


class IdentifierKind(models.TextChoices):
    ISBT_DIN = "isbt_din", "ISBT 128 DIN"
    LOCAL = "local", "Local identifier"


class Sterility(models.TextChoices):
    PENDING = "pending", "Pending"
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"


class QcTest(models.TextChoices):
    # Test ids are those of products.release (docs/cell-products.md#release-specifications).
    VIABILITY = "viability", "Viability (%)"
    CD73 = "CD73", "CD73 (%)"
    CD90 = "CD90", "CD90 (%)"
    CD105 = "CD105", "CD105 (%)"
    CD45 = "CD45", "CD45 (%)"
    CD34 = "CD34", "CD34 (%)"
    CD14 = "CD14", "CD14 (%)"
    CD11B = "CD11b", "CD11b (%)"
    CD79A = "CD79a", "CD79a (%)"
    CD19 = "CD19", "CD19 (%)"
    HLA_DR = "HLA-DR", "HLA-DR (%)"
    ENDOTOXIN = "endotoxin_eu_per_ml", "Endotoxin (EU/mL)"
    STERILITY = "sterility", "Sterility culture"
    GRAM_STAIN = "gram_stain", "Gram stain"
    MYCOPLASMA = "mycoplasma", "Mycoplasma"


# Culture-type tests carry an outcome; the others a number.
OUTCOME_TESTS = frozenset({QcTest.STERILITY, QcTest.GRAM_STAIN, QcTest.MYCOPLASMA})
# A positive result of any of these means microbes in the product
# (docs/cell-products.md#sterility, #mycoplasma).
MICROBIAL_TESTS = frozenset({QcTest.STERILITY, QcTest.GRAM_STAIN, QcTest.MYCOPLASMA})
# The results that can stop a lot: microbes, or endotoxin over a per-dose limit
# (docs/cell-products.md#sterility, #mycoplasma, #endotoxin).
HOLD_TESTS = MICROBIAL_TESTS | {QcTest.ENDOTOXIN}


class QcOutcomeChoice(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"
    PENDING = "pending", "Pending"


class InvestigationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Guidance(models.TextChoices):
    # Project default (CFG, docs/cell-products.md#image-guidance): knee/shoulder ultrasound,
    # hip ultrasound or fluoroscopy.
    ULTRASOUND = "ultrasound", "Ultrasound"
    FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
    LANDMARK = "landmark", "Landmark (unguided)"


class Approach(models.TextChoices):
    # docs/cell-products.md#injection-record, per joint.
    SUPEROLATERAL = "superolateral", "Knee: superolateral / suprapatellar recess"
    LATERAL_MIDPATELLAR = "lateral_midpatellar", "Knee: lateral midpatellar"
    ANTEROLATERAL = "anterolateral", "Knee: anterolateral"
    ANTEROMEDIAL = "anteromedial", "Knee: anteromedial"
    HIP_ANTERIOR_OBLIQUE = "hip_anterior_oblique", "Hip: anterior oblique-sagittal (head-neck)"
    HIP_FLUORO_ANTERIOR = "hip_fluoro_anterior", "Hip: fluoroscopic anterior"
    SHOULDER_POSTERIOR = "shoulder_posterior", "Shoulder: posterior glenohumeral"
    SHOULDER_ROTATOR_INTERVAL = "shoulder_rotator_interval", "Shoulder: rotator interval / anterior"


# The lab's names for the release specifications (products/release.py keeps the ids, which
# the unit page still shows as the document reference).
SPECIFICATION_NAMES = {"cultured_msc_default": "Culture-expanded MSC release specification",
                       "point_of_care_default": "Point-of-care product release specification"}
