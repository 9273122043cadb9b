"""Date formats per staff locale (Django FORMAT_MODULE_PATH); the rule is in clinic/dates.py."""
