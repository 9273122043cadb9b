"""Cohort statistics for the outcomes registry: pure numpy / pandas / scipy / lifelines.

Each public function states its method and convention in its docstring, and each is tested
against a published reference result (see tests/analytics/). Nothing here imports Django.
"""
