from hypothesis import settings

# A red build must be reproducible: the same examples on every run (STYLE.md, Tests).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200)
settings.load_profile("ci")
