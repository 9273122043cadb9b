"""What a reader may record about an MRI study: regions, measures and their allowed values.

Semi-quantitative grades and their ranges are the published scales (docs/imaging.md):
MOAKS, Hunter DJ et al. Osteoarthritis Cartilage 2011;19(8):990-1002,
doi:10.1016/j.joca.2011.05.004; WORMS, Peterfy CG et al. Osteoarthritis Cartilage
2004;12(3):177-190, doi:10.1016/j.joca.2003.11.003. Both are knee scores. The bounds of the
quantitative measures are this project's plausibility limits, not a scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from orthoregen.web.clinic.vocabulary import Joint


class Region(models.TextChoices):
    # Compartments, for quantitative cartilage measures.
    MEDIAL_FEMOROTIBIAL = "mftc", _("Knee: medial femorotibial compartment")
    LATERAL_FEMOROTIBIAL = "lftc", _("Knee: lateral femorotibial compartment")
    PATELLOFEMORAL = "pfj", _("Knee: patellofemoral compartment")
    FEMORAL_HEAD = "femoral_head", _("Hip: femoral head")
    ACETABULUM = "acetabulum", _("Hip: acetabulum")
    HUMERAL_HEAD = "humeral_head", _("Shoulder: humeral head")
    GLENOID = "glenoid", _("Shoulder: glenoid")
    # WORMS articular subregions (Peterfy 2004, fig. 1); MOAKS uses the same surfaces
    # (its femoral "trochlea" is WORMS's anterior femur).
    PATELLA_MEDIAL = "p_m", _("Knee: patella, medial (with the ridge)")
    PATELLA_LATERAL = "p_l", _("Knee: patella, lateral")
    FEMUR_MEDIAL_ANTERIOR = "f_ma", _("Knee: femur, medial anterior (trochlea)")
    FEMUR_MEDIAL_CENTRAL = "f_mc", _("Knee: femur, medial central")
    FEMUR_MEDIAL_POSTERIOR = "f_mp", _("Knee: femur, medial posterior")
    FEMUR_LATERAL_ANTERIOR = "f_la", _("Knee: femur, lateral anterior (trochlea)")
    FEMUR_LATERAL_CENTRAL = "f_lc", _("Knee: femur, lateral central")
    FEMUR_LATERAL_POSTERIOR = "f_lp", _("Knee: femur, lateral posterior")
    TIBIA_MEDIAL_ANTERIOR = "t_ma", _("Knee: tibia, medial anterior")
    TIBIA_MEDIAL_CENTRAL = "t_mc", _("Knee: tibia, medial central")
    TIBIA_MEDIAL_POSTERIOR = "t_mp", _("Knee: tibia, medial posterior")
    TIBIA_LATERAL_ANTERIOR = "t_la", _("Knee: tibia, lateral anterior")
    TIBIA_LATERAL_CENTRAL = "t_lc", _("Knee: tibia, lateral central")
    TIBIA_LATERAL_POSTERIOR = "t_lp", _("Knee: tibia, lateral posterior")
    TIBIA_SUBSPINOUS = "t_s", _("Knee: tibia, subspinous")
    MEDIAL_MENISCUS = "menisc_m", _("Knee: medial meniscus")
    LATERAL_MENISCUS = "menisc_l", _("Knee: lateral meniscus")


KNEE_COMPARTMENTS = frozenset({Region.MEDIAL_FEMOROTIBIAL, Region.LATERAL_FEMOROTIBIAL,
                               Region.PATELLOFEMORAL})
MENISCI = frozenset({Region.MEDIAL_MENISCUS, Region.LATERAL_MENISCUS})
KNEE_SUBREGIONS = frozenset(r for r in Region if r.value.startswith(("p_", "f_", "t_")))
REGIONS_OF_JOINT = {
    "knee": KNEE_COMPARTMENTS | KNEE_SUBREGIONS | MENISCI,
    "hip": frozenset({Region.FEMORAL_HEAD, Region.ACETABULUM}),
    "shoulder": frozenset({Region.HUMERAL_HEAD, Region.GLENOID}),
}


class Measure(models.TextChoices):
    CARTILAGE_THICKNESS = "cartilage_thickness_mm", _("Cartilage thickness (mm)")
    CARTILAGE_VOLUME = "cartilage_volume_mm3", _("Cartilage volume (mm³)")
    MOAKS_CARTILAGE_AREA = "moaks_cartilage_area", _("MOAKS cartilage loss, area (0-3)")
    MOAKS_CARTILAGE_FULL = "moaks_cartilage_full", _("MOAKS full-thickness cartilage loss (0-3)")
    MOAKS_BML_SIZE = "moaks_bml_size", _("MOAKS bone marrow lesion size (0-3)")
    MOAKS_OSTEOPHYTE = "moaks_osteophyte", _("MOAKS osteophyte size (0-3)")
    WORMS_CARTILAGE = "worms_cartilage", _("WORMS cartilage (0, 1, 2, 2.5, 3-6)")
    WORMS_BML = "worms_bml", _("WORMS bone marrow abnormality (0-3)")
    WORMS_CYST = "worms_cyst", _("WORMS subarticular cysts (0-3)")
    WORMS_OSTEOPHYTE = "worms_osteophyte", _("WORMS marginal osteophytes (0-7)")
    WORMS_MENISCUS = "worms_meniscus", _("WORMS meniscal integrity (0-4)")


@dataclass(frozen=True)
class Allowed:
    """The values a measure takes and the regions it is read in."""

    lowest: Decimal
    highest: Decimal
    regions: frozenset[str]
    steps: frozenset[Decimal] | None = None  # a grade: only these values
    source: str = ""


def _grades(*values: str) -> frozenset[Decimal]:
    return frozenset(Decimal(v) for v in values)


_ARTICULAR = frozenset(KNEE_SUBREGIONS)
_QUANTITATIVE = frozenset(r for r in Region if r not in MENISCI)

ALLOWED: dict[str, Allowed] = {
    # Plausibility limits (this project's): the thickest articular cartilage in the body,
    # the patella's, is under 8 mm, and a whole femoral cartilage plate under 20 cm³.
    Measure.CARTILAGE_THICKNESS: Allowed(Decimal("0"), Decimal("10"), _QUANTITATIVE,
                                         source=gettext_noop("plausibility limit")),
    Measure.CARTILAGE_VOLUME: Allowed(Decimal("0"), Decimal("25000"), _QUANTITATIVE,
                                      source=gettext_noop("plausibility limit")),
    # MOAKS (Hunter 2011): cartilage area of loss and full-thickness loss each 0 none,
    # 1 <10 %, 2 10-75 %, 3 >75 % of the subregion; BML size 0 none, 1 <33 %, 2 33-66 %,
    # 3 >66 %; osteophytes 0 none, 1 small, 2 medium, 3 large.
    Measure.MOAKS_CARTILAGE_AREA: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                                          _grades("0", "1", "2", "3"), "Hunter 2011"),
    Measure.MOAKS_CARTILAGE_FULL: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                                          _grades("0", "1", "2", "3"), "Hunter 2011"),
    Measure.MOAKS_BML_SIZE: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                                    _grades("0", "1", "2", "3"), "Hunter 2011"),
    Measure.MOAKS_OSTEOPHYTE: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                                      _grades("0", "1", "2", "3"), "Hunter 2011"),
    # WORMS (Peterfy 2004): cartilage on an eight-point scale 0, 1, 2, 2.5, 3, 4, 5, 6;
    # bone marrow abnormality and subarticular cysts 0-3 (<25 %, 25-50 %, >50 % of the
    # region); marginal osteophytes 0-7; each meniscus 0-4.
    Measure.WORMS_CARTILAGE: Allowed(Decimal(0), Decimal(6), _ARTICULAR,
                                     _grades("0", "1", "2", "2.5", "3", "4", "5", "6"),
                                     "Peterfy 2004"),
    Measure.WORMS_BML: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                               _grades("0", "1", "2", "3"), "Peterfy 2004"),
    Measure.WORMS_CYST: Allowed(Decimal(0), Decimal(3), _ARTICULAR,
                                _grades("0", "1", "2", "3"), "Peterfy 2004"),
    Measure.WORMS_OSTEOPHYTE: Allowed(Decimal(0), Decimal(7), _ARTICULAR,
                                      _grades(*map(str, range(8))), "Peterfy 2004"),
    Measure.WORMS_MENISCUS: Allowed(Decimal(0), Decimal(4), frozenset(MENISCI),
                                    _grades("0", "1", "2", "3", "4"), "Peterfy 2004"),
}


def measure_problems(measure: str, region: str, value: Decimal, *, joint: str) -> dict[str, str]:
    """Return field -> message for a measure that its scale or the joint does not allow."""
    allowed = ALLOWED.get(measure)
    if allowed is None:
        return {"measure": gettext("Unknown measure %(measure)r.") % {"measure": measure}}
    problems: dict[str, str] = {}
    label = Measure(measure).label
    region_label = Region(region).label
    if region not in REGIONS_OF_JOINT.get(joint, frozenset()):
        problems["region"] = gettext("%(region)s is not a region of the %(joint)s.") % {
            "region": region_label, "joint": joint_word(joint)}
    elif region not in allowed.regions:
        problems["region"] = gettext("%(measure)s is not read in %(region)s.") % {
            "measure": label, "region": str(region_label).lower()}
    if allowed.steps is not None and value not in allowed.steps:
        steps = ", ".join(f"{s:g}" for s in sorted(allowed.steps))
        problems["value"] = gettext("%(measure)s takes only %(steps)s (%(source)s).") % {
            "measure": label, "steps": steps, "source": gettext(allowed.source)}
    elif not allowed.lowest <= value <= allowed.highest:
        problems["value"] = gettext(
            "%(measure)s must be between %(lowest)s and %(highest)s (%(source)s).") % {
            "measure": label, "lowest": f"{allowed.lowest:g}",
            "highest": f"{allowed.highest:g}", "source": gettext(allowed.source)}
    return problems


def joint_word(joint: str) -> str:
    """Name a joint in the active language, lower case, as inside a sentence: 'knee'."""
    return str(Joint(joint).label).lower()

