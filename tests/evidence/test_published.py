"""Published pooled results against docs/evidence.md#published-pooled-results and
#placebo-response (each row's values as its review published them).
"""

from collections import Counter

from orthoregen.evidence.published import load_published_pools, placebo_arm_changes


def test_every_published_pool_has_a_citation_and_is_tagged_verified():
    pools = load_published_pools()
    assert all(p.citation.strip() for p in pools)
    assert {p.verification for p in pools} == {"V"}
    assert len({p.id for p in pools}) == len(pools)


def test_dai_2021_placebo_contrasts_are_all_non_significant():
    # docs/evidence.md#published-pooled-results: vs placebo VAS MD 1.62 (-0.60 to 3.85), WOMAC
    # pain 1.88 (-0.21 to 3.98), function -0.67 (-6.54 to 5.19), stiffness 0.64 (-0.86 to
    # 2.14); MCID RRs 0.93 and 0.40.
    dai = [p for p in load_published_pools() if p.id.startswith("dai-2021") and "placebo" in p.id]
    assert len(dai) == 6
    for p in dai:
        null = 1.0 if p.measure == "risk ratio" else 0.0
        assert p.ci_low < null < p.ci_high, p.id


def test_previtali_saline_arm_vas_change():
    # docs/evidence.md#placebo-response: saline-arm VAS pain -13.4 mm (-21.7 to -5.1) up to 6
    # months.
    vas = placebo_arm_changes(load_published_pools(), instrument="VAS pain")
    previtali = next(p for p in vas if p.id == "previtali-2021-vas")
    assert (previtali.estimate, previtali.ci_low, previtali.ci_high) == (-13.4, -21.7, -5.1)
    assert {p.id for p in vas} == {"previtali-2021-vas", "saltzman-2017-vas-3m"}


def test_comparisons_are_kept_apart():
    counts = Counter(p.comparison for p in load_published_pools())
    assert counts["MSC vs placebo"] == 6
    assert counts["MSC vs HA"] == 4
    assert counts["placebo arm change"] == 6


def test_the_unreliable_2024_network_meta_analysis_is_not_imported():
    # docs/evidence.md#left-out-on-purpose: its "SMD 2.94 (1.90, 4.56)" intervals are on a ratio
    # scale; do not import.
    assert not any("s13018-024-04846-1" in p.citation for p in load_published_pools())


def test_rescaled_converts_only_between_declared_equivalent_scales():
    from orthoregen.evidence.published import rescaled

    pools = {p.id: p for p in load_published_pools()}
    vas = pools["previtali-2021-vas"]
    assert rescaled(vas, instrument="WOMAC", subscale="pain") is None
    nrs = rescaled(vas, instrument="NRS pain", subscale="total")
    assert (nrs.instrument, nrs.scale, nrs.estimate) == ("NRS pain", "0-10", -1.34)
    assert vas.rescaled_from == "" and vas.estimate == -13.4  # the published row is unchanged
    # No interval stays no interval.
    gel = pools["gel200-pbs-womac-pain-12w"]
    assert rescaled(gel, instrument="NRS pain", subscale="total") is None
