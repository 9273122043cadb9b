"""`{% unit_status unit %}`: a unit's status badge as it stands now (cellbank.status_shown)."""

from django import template
from django.utils.html import format_html

from orthoregen.web.cellbank.models import ProductUnit
from orthoregen.web.cellbank.status_shown import label_of, status_shown
from orthoregen.web.cellbank.vocabulary import SPECIFICATION_NAMES

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


# The lab's names for the release outcomes (products/release.py keeps the ids); the
# specifications' names are in cellbank.vocabulary, as their records' names use them too.
OUTCOME_WORDS = {"full": "full release", "conditional_pending_sterility":
                 "conditional release, sterility pending", "not_releasable": "not releasable"}


@register.filter
def specification_name(spec_id: str) -> str:
    """Return a release specification's name ("Culture-expanded MSC release specification")."""
    return SPECIFICATION_NAMES.get(spec_id, "Release specification")


@register.filter
def release_outcome(outcome: str) -> str:
    """Return what a release evaluation allows, in words ("not releasable")."""
    return OUTCOME_WORDS.get(str(outcome), str(outcome).replace("_", " "))
