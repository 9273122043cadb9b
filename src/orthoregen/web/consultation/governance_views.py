"""The lifecycle pages of a governed configuration, shared by every kind.

Candidacy protocols, consent documents (consultation), follow-up schedule protocols
(followup) and release specifications (cellbank) take the same steps (governance.py): list
the versions, copy one as a draft, edit the draft, validate it by the system's checks, read
its changes, approve them with an electronic signature (a second person), publish with one.
The pages of the kinds differ only in their names, their forms, their services and the words
said after publication, which one ``GovernedPages`` holds; each kind's views module keeps
what really differs: how a version is shown (and listed, where a kind lists its own way).

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history and the signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

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
    from django import forms
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from orthoregen.web.clinic.models import Site

V = TypeVar("V", bound=GovernedVersion)

# What a step may be refused with, said on the page: a published version, a step out of
# turn or by someone who may not take it (the system's checks' refusals included).
REFUSAL: tuple[type[Exception], ...] = (ProtocolLocked, LifecycleRefused)


def form_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else the form's."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


@dataclass(frozen=True)
class GovernedPages(Generic[V]):
    """What the lifecycle pages of one kind of governed protocol need to know."""

    app: str  # the URL namespace and the template folder, e.g. "followup"
    missing: StrOrPromise  # the words of the 404 for a version the user may not see
    # Stores the shipped default, so it is always listed; a kind shipped without one (each
    # clinic's consent documents) passes a function that stores nothing.
    stored_default: Callable[[], object]
    visible: Callable[[Iterable[Site]], QuerySet[V]]  # the versions of these clinics
    in_use: Callable[[Site], V | None]  # the version a clinic uses now, if it has one
    validate: Callable[..., V]  # services: (stored, *, by) and so on
    review: Callable[[V], Review]
    approve: Callable[..., V]
    publish: Callable[..., V]
    published: Callable[[V], str]  # what is said once a version is published
    # Copying a version as a new draft and editing a draft. Each form is made from the POST
    # data (None for a GET) and the stored version; each service is called with the stored
    # version, by=the user and the form's cleaned data as keywords, and returns the draft.
    copy_form: Callable[[Any, V], forms.Form]
    copy: Callable[..., V]
    edit_form: Callable[[Any, V], forms.Form]
    update: Callable[..., V]
    # What a step may be refused with, as a message: a kind whose services refuse with
    # their own exception too (candidacy protocols: ProtocolError) adds it.
    refusals: tuple[type[Exception], ...] = REFUSAL
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
            raise Http404(str(self.missing))  # in the language of this request
        return found


class LifecycleViews(NamedTuple):
    protocol_list: View
    protocol_copy: View
    protocol_edit: View
    protocol_validate: View
    protocol_review: View
    protocol_approve: View
    protocol_publish: View


def lifecycle_views(pages: GovernedPages[Any]) -> LifecycleViews:
    """Return the list, copy, edit, validate, review, approve and publish pages of one kind."""

    @requires(pages.action)
    def protocol_list(request: AuthenticatedHttpRequest) -> HttpResponse:
        pages.stored_default()
        sites = list(request.user.sites.all())
        in_use = {site.pk: getattr(pages.in_use(site), "pk", None) for site in sites}
        rows = [(version, [site for site in sites if in_use[site.pk] == version.pk])
                for version in pages.visible(sites)]
        return render(request, pages.template("list"), {"rows": rows})

    def form_view(*, page: str, form_of: Callable[[Any, Any], forms.Form],
                  act: Callable[..., Any], said: StrOrPromise, then: str) -> View:
        """Return a page that shows a version's form; on a valid POST ``act`` saves it, the
        page says ``said`` and goes to the ``then`` page of what was saved, or shows the form
        again with the refusal."""

        @requires(pages.action)
        @require_http_methods(["GET", "POST"])
        def form_page(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
            stored = pages.version(request, protocol_id)
            form = form_of(request.POST or None, stored)
            if request.method == "POST" and form.is_valid():
                try:
                    saved = act(stored, by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    form_errors(form, error)
                except pages.refusals as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, said % {"version": saved})
                    return redirect(pages.url(then), protocol_id=saved.pk)
            return render(request, pages.template(page), {"stored": stored, "form": form},
                          status=400 if form.errors else 200)

        return form_page

    protocol_copy = form_view(page="copy", form_of=pages.copy_form, act=pages.copy,
                              said=gettext_lazy("Copied as draft %(version)s."), then="edit")
    protocol_edit = form_view(page="edit", form_of=pages.edit_form, act=pages.update,
                              said=gettext_lazy("Saved draft %(version)s."), then="detail")

    @requires(pages.action)
    @require_POST
    def protocol_validate(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
        stored = pages.version(request, protocol_id)
        try:
            pages.validate(stored, by=request.user)
        except ValidationRefused as refused:
            messages.error(request, _("%(version)s was not validated. The system's checks "
                                      "found: %(problems)s")
                           % {"version": stored, "problems": "; ".join(refused.problems)})
        except pages.refusals as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The system's checks found no problem in %(version)s; "
                                        "a second person may now read its changes and approve "
                                        "it.") % {"version": stored})
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

    def signed_view(form_class: type[SigningForm], sign: Callable[..., Any], *,
                    refused_to: str, said: Callable[[Any], str]) -> View:
        """Return a page that signs a step (approval, publication) from the changes page:
        a wrong password or a form error shows that page again, a refusal goes to the
        ``refused_to`` page with it, a signature to the version's page saying ``said``."""

        @requires(pages.action)
        @require_POST
        def signed_page(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
            stored = pages.version(request, protocol_id)
            form = form_class(request.POST)
            if not form.is_valid():
                return protocol_review(request, protocol_id, form=form)
            try:
                sign(stored, data=form.cleaned_data, by=request.user,
                     signing=form.signing(request))
            except SignatureRefused as refused:
                form.add_error("password", str(refused))
                return protocol_review(request, protocol_id, form=form)
            except pages.refusals as error:
                messages.error(request, str(error))
                return redirect(pages.url(refused_to), protocol_id=stored.pk)
            messages.success(request, said(stored))
            return redirect(pages.url("detail"), protocol_id=stored.pk)

        return signed_page

    protocol_approve = signed_view(
        ApprovalForm, lambda stored, *, data, by, signing: pages.approve(
            stored, seen_digest=data["seen_digest"], by=by, signing=signing),
        refused_to="review",
        said=lambda stored: _("You approved %(version)s; it may now be published.")
        % {"version": stored})
    protocol_publish = signed_view(
        PublicationForm, lambda stored, *, data, by, signing: pages.publish(
            stored, by=by, signing=signing),
        refused_to="detail", said=pages.published)

    return LifecycleViews(protocol_list, protocol_copy, protocol_edit, protocol_validate,
                          protocol_review, protocol_approve, protocol_publish)
