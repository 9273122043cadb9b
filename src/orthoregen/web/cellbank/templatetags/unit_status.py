"""`{% unit_status unit %}`: a unit's status badge as it stands now (cellbank.status_shown)."""

from django import template
from django.utils.html import format_html

from orthoregen.web.cellbank.models import ProductUnit
from orthoregen.web.cellbank.status_shown import label_of, status_shown

register = template.Library()


@register.simple_tag
def unit_status(unit: ProductUnit) -> str:
    """Return the status badge of a stored unit: "Expired" for one past its expiry."""
    status = status_shown(unit)
    return format_html('<span class="status {}">{}</span>', status, label_of(status))


@register.filter
def status_label(status: str) -> str:
    """Return how a stored status value is written on the page."""
    return label_of(status)
