"""Synthetic data for the demo clinic, the tests and the benchmarks: never for production.

`clinic.synth_load` generates a cohort (the pure `orthoregen.synth`) and fills every pathway
stage's tables for it, one module per stage, through one bulk inserter (`bulk`). The app is
installed only in demo and test mode (settings.py), and no production module imports it
(tests/test_synthetic_is_apart.py); `orthoregen synth` refuses a production environment and
a database holding any patient of a site not marked synthetic.
"""


class SynthError(Exception):
    """The synthetic cohort cannot be loaded as asked."""
