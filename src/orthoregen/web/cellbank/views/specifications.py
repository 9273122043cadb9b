"""Release specification pages: each clinic's versions, one read in words.

Copying, editing, validation, reading the changes, approval and publication are the
lifecycle pages every governed configuration shares (consultation.governance_views). The
list is this module's own: a clinic has one version in use per specification (cultured
MSC, point of care), where a protocol has one in all. Specifications hold no patient data,
so these pages need no access records; their changes are kept by simple-history and the
signatures.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orthoregen.products.product_class import PRODUCT_CLASSES
from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services import specifications as specs
from orthoregen.web.cellbank.services.qc_panel import panel_tests
from orthoregen.web.cellbank.services.release import release_specs_in_use
from orthoregen.web.consultation.governance_forms import CopyForm, DocumentForm
from orthoregen.web.consultation.governance_views import GovernedPages, lifecycle_views


def _published(stored: ReleaseSpecVersion) -> str:
    return _("Published %(version)s. Units at %(site)s are judged by it from %(date)s; units "
             "already released keep the version they were released against.") % {
                 "version": stored, "site": stored.site.name,
                 "date": date_format(stored.effective_from, "d M Y")}


def _nothing_shared() -> Any:
    """Return nothing: a clinic's defaults are stored when its list is first shown."""
    return None


def _first_in_use(site: Site) -> ReleaseSpecVersion:
    # Read only by the shared list page, which this kind replaces with spec_list (one
    # version in use per specification).
    return release_specs_in_use(site)[0]


PAGES = GovernedPages[ReleaseSpecVersion](
    app="cellbank", prefix="spec", action=Action.MANAGE_RELEASE_SPECS,
    missing=gettext_lazy("No such release specification."), stored_default=_nothing_shared,
    visible=specs.release_specs_visible, in_use=_first_in_use,
    validate=specs.release_spec_validate, review=specs.release_spec_review,
    approve=specs.release_spec_approve, publish=specs.release_spec_publish,
    published=_published,
    copy_form=lambda data, stored: CopyForm(data, max_length=20,
                                            help_text=_("For example 2026.2.")),
    copy=specs.release_spec_copy, update=specs.release_spec_draft_update,
    edit_form=lambda data, stored: DocumentForm(data, stored=stored, field="specification",
                                                label=_("Specification (JSON)")))
# The shared list is not used: spec_list below lists one version in use per specification.
_lifecycle = lifecycle_views(PAGES)
spec_copy, spec_edit, spec_validate = (_lifecycle.protocol_copy, _lifecycle.protocol_edit,
                                       _lifecycle.protocol_validate)
spec_review, spec_approve, spec_publish = (_lifecycle.protocol_review,
                                           _lifecycle.protocol_approve,
                                           _lifecycle.protocol_publish)
_visible = PAGES.version


# The lab reads the specifications it judges units by; only their owners change them.
READERS = (Action.MANAGE_RELEASE_SPECS, Action.MANAGE_PRODUCTS)


def _roles(request: AuthenticatedHttpRequest) -> dict[str, bool]:
    return {"may_govern": request.user.may(Action.MANAGE_RELEASE_SPECS),
            "may_open_units": request.user.may(Action.MANAGE_PRODUCTS)}


@requires_any(*READERS)
def spec_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sites = list(request.user.sites.order_by("name"))
    groups = []
    for site in sites:  # its defaults were stored when it was created (cellbank.apps)
        in_use = {stored.pk for stored in release_specs_in_use(site)}
        rows = [(stored, stored.pk in in_use)
                for stored in specs.release_specs_visible([site])]
        groups.append((site, rows))
    return render(request, "cellbank/spec_list.html", {"groups": groups, **_roles(request)})


@requires_any(*READERS)
def spec_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    read = specs.release_spec_read(stored)
    problems = specs.specification_problems(stored)
    try:
        tests = panel_tests(read) if read is not None else []
    except ValueError:  # a draft naming a test the lab does not record: the checks say so
        tests = []
    in_use = stored.pk in {s.pk for s in release_specs_in_use(stored.site)}
    return render(request, "cellbank/spec_detail.html", {
        "stored": stored, "read": read, "tests": tests, "problems": problems,
        "in_use": in_use, "classes": sorted(PRODUCT_CLASSES[c].label for c in
                                            (read.product_classes if read else ())),
        "specification": json.dumps(stored.specification, indent=2, ensure_ascii=False),
        **_roles(request)})
