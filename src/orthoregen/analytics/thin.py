"""The "too thin to conclude" rule: below this many patients a result is shown, but flagged."""

# Why 20: a 95 % Wilson interval for a proportion near 50 % is about ±21 percentage points at
# n = 20 and the t-based interval of a mean change is about ±0.47 SD, i.e. already wider than
# most MCIDs on a 0-100 scale (Tubach 2005 MCII knee VAS −19.9 mm with change SD ≈ 20-22 mm,
# docs/evidence.md#change-after-injection). Below it the dashboard says "too few patients to
# conclude" instead of drawing confident lines. It is a display policy, not a statistical law:
# clinics may raise it.
MIN_N_TO_CONCLUDE = 20

# Why 3: with two studies the between-study variance tau² is estimated from a single degree of
# freedom and the Hartung-Knapp interval uses t(1) (12.7 × SE); pooled numbers from k < 3 mislead.
MIN_STUDIES_TO_POOL = 3


def is_too_thin(n: int, *, minimum: int = MIN_N_TO_CONCLUDE) -> bool:
    """Return True when n patients (or events at risk) are too few to draw a conclusion."""
    return n < minimum
