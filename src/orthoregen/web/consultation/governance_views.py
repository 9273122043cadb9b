"""The lifecycle pages of a governed configuration, shared by every kind of protocol.

Candidacy protocols (consultation) and follow-up schedule protocols (followup) take the same
steps (governance.py): list the versions, validate a draft by the system's checks, read its
changes, approve them with an electronic signature (a second person), publish with one. The
pages of the two kinds differ only in their names, their services and the words said after
publication, which one ``GovernedPages`` holds; each app's protocol_views.py keeps what
really differs: how a version is shown, copied and edited.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history and the signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, View, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation.governance import (
    GovernedVersion,
    LifecycleRefused,
    ProtocolLocked,
    Review,
    SignatureRefused,
    ValidationRefused,
    diff_rows,
)
from orthoregen.web.consultation.governance_forms import (
    ApprovalForm,
    PublicationForm,
    SigningForm,
    signing_form,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from orthoregen.web.clinic.models import Site

V = TypeVar("V", bound=GovernedVersion)


@dataclass(frozen=True)
class GovernedPages(Generic[V]):
    """What the lifecycle pages of one kind of governed protocol need to know."""

    app: str  # the URL namespace and the template folder, e.g. "followup"
    missing: str  # the words of the 404 for a version the user may not see
    # Stores the shipped default, so it is always listed; a kind shipped without one (each
    # clinic's consent documents) passes a function that stores nothing.
    stored_default: Callable[[], object]
    visible: Callable[[Iterable[Site]], QuerySet[V]]  # the versions of these clinics
    in_use: Callable[[Site], V | None]  # the version a clinic uses now, if it has one
    validate: Callable[..., V]  # services: (stored, *, by) and so on
    review: Callable[[V], Review]
    approve: Callable[..., V]
    publish: Callable[..., V]
    refusals: tuple[type[Exception], ...]  # what publishing may refuse with, as a message
    published: Callable[[V], str]  # what is said once a version is published
    # What the URL names and templates start with: "protocol" gives consultation:protocol-list
    # and consultation/protocol_list.html; another governed kind in the same app (consent
    # documents, release specifications) takes its own, e.g. "consent".
    prefix: str = "protocol"
    # Who may take the steps: protocols are managed by clinic administrators; a kind whose
    # owners differ (the cell lab's release specifications) names its own action.
    action: Action = Action.MANAGE_PROTOCOLS

    def url(self, page: str) -> str:
        return f"{self.app}:{self.prefix}-{page}"

    def template(self, page: str) -> str:
        return f"{self.app}/{self.prefix}_{page}.html"

    def version(self, request: AuthenticatedHttpRequest, protocol_id: int) -> V:
        """Return the version ``protocol_id`` if one of the user's clinics may see it."""
        self.stored_default()  # the shipped default is always listed
        found = self.visible(request.user.sites.all()).filter(pk=protocol_id).first()
        if found is None:
            raise Http404(self.missing)
        return found


class LifecycleViews(NamedTuple):
    protocol_list: View
    protocol_validate: View
    protocol_review: View
    protocol_approve: View
    protocol_publish: View


def lifecycle_views(pages: GovernedPages[Any]) -> LifecycleViews:
    """Return the list, validate, review, approve and publish pages of one kind."""

    @requires(pages.action)
    def protocol_list(request: AuthenticatedHttpRequest) -> HttpResponse:
        pages.stored_default()
        sites = list(request.user.sites.all())
        in_use = {site.pk: getattr(pages.in_use(site), "pk", None) for site in sites}
        rows = [(version, [site for site in sites if in_use[site.pk] == version.pk])
                for version in pages.visible(sites)]
        return render(request, pages.template("list"), {"rows": rows})

    @requires(pages.action)
    @require_POST
    def protocol_validate(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
        stored = pages.version(request, protocol_id)
        try:
            pages.validate(stored, by=request.user)
        except ValidationRefused as refused:
            messages.error(request, f"{stored} was not validated. The system's checks found: "
                           + "; ".join(refused.problems))
        except (ProtocolLocked, LifecycleRefused) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The system's checks found no problem in {stored}; a "
                             "second person may now read its changes and approve it.")
        return redirect(pages.url("detail"), protocol_id=stored.pk)

    @requires(pages.action)
    def protocol_review(request: AuthenticatedHttpRequest, protocol_id: int,
                        form: SigningForm | None = None) -> HttpResponse:
        stored = pages.version(request, protocol_id)
        review = pages.review(stored)
        return render(request, pages.template("review"), {
            "stored": stored, "review": review, "diff": diff_rows(review),
            "form": form or signing_form(stored, review), "ns": f"{pages.app}:{pages.prefix}",
            "approve_url": pages.url("approve"), "detail_url": pages.url("detail"),
            "is_author": request.user.pk in stored.author_ids()},
            status=400 if form is not None else 200)

    @requires(pages.action)
    @require_POST
    def protocol_approve(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
        stored = pages.version(request, protocol_id)
        form = ApprovalForm(request.POST)
        if not form.is_valid():
            return protocol_review(request, protocol_id, form=form)
        try:
            pages.approve(stored, seen_digest=form.cleaned_data["seen_digest"],
                          by=request.user, signing=form.signing(request))
        except SignatureRefused as refused:
            form.add_error("password", str(refused))
            return protocol_review(request, protocol_id, form=form)
        except (ProtocolLocked, LifecycleRefused) as error:
            messages.error(request, str(error))
            return redirect(pages.url("review"), protocol_id=stored.pk)
        messages.success(request, f"You approved {stored}; it may now be published.")
        return redirect(pages.url("detail"), protocol_id=stored.pk)

    @requires(pages.action)
    @require_POST
    def protocol_publish(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
        stored = pages.version(request, protocol_id)
        form = PublicationForm(request.POST)
        if not form.is_valid():
            return protocol_review(request, protocol_id, form=form)
        try:
            pages.publish(stored, by=request.user, signing=form.signing(request))
        except SignatureRefused as refused:
            form.add_error("password", str(refused))
            return protocol_review(request, protocol_id, form=form)
        except pages.refusals as error:
            messages.error(request, str(error))
        else:
            messages.success(request, pages.published(stored))
        return redirect(pages.url("detail"), protocol_id=stored.pk)

    return LifecycleViews(protocol_list, protocol_validate, protocol_review, protocol_approve,
                          protocol_publish)
