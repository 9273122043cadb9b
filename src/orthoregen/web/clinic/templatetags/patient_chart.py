"""The patient's identity as every staff page shows it: one name format, one banner.

A wrong-patient error starts with a name read in a hurry, so every page about one patient
shows the same banner, in the same words and order, computed here from the patient alone:
no view passes an age or a site name that could drift from the record.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.clinic.models import Patient

register = template.Library()


@register.filter
def patient_name(patient: Patient) -> str:
    """Return the name as staff read it everywhere: "FAMILY NAME, Given name"."""
    return f"{patient.family_name.upper()}, {patient.given_name}"


@register.inclusion_tag("patient_banner.html")
def patient_banner(patient: Patient, *, is_chart: bool = False) -> dict:
    """Show who this page is about: name, MRN, date of birth and age today, sex, site.

    The patient must come from a view that already scoped it to the user's sites
    (``get_visible_or_404``); the banner reads only that patient and its site. On the chart
    itself the name is the page's heading and there is no link back to the chart.
    """
    return {
        "name": patient_name(patient),
        "mrn": patient.mrn,
        "born_on": patient.date_of_birth,
        "age_years": patient.age_on(timezone.localdate()),
        "sex": patient.get_sex_display().lower(),
        "site": patient.site.name,
        "is_chart": is_chart,
        "chart_url": "" if is_chart else reverse("patient-detail", args=[patient.pk]),
    }
