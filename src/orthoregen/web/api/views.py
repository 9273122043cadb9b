"""Staff pages for API tokens: make one (its secret shown once), list and revoke one's own.

An administrator also sees, and may revoke, the tokens of the staff of their sites.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action, Role
from orthoregen.web.api.forms import TokenForm
from orthoregen.web.api.models import ApiToken
from orthoregen.web.api.tokens import issue_token, revoke_token


def visible_tokens(user: User) -> QuerySet[ApiToken]:
    """One's own tokens; an administrator's also those of the staff of their sites."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.role == Role.ADMIN:
        return tokens.filter(Q(user=user) | Q(user__sites__in=user.sites.all())).distinct()
    return tokens.filter(user=user)


# Tokens act on patient records through the API, whose every operation needs a role that
# sees patients; a role that does not (the registry analyst) has no use for one.
@requires(Action.VIEW_PATIENT)
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "api/token_list.html", {
        "tokens": visible_tokens(request.user).order_by("-created_at"),
        "is_admin": request.user.role == Role.ADMIN})


@requires(Action.VIEW_PATIENT)
@require_http_methods(["GET", "POST"])
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = issue_token(user=request.user, name=form.cleaned_data["name"],
                             scopes=form.cleaned_data["scopes"], expires_at=form.expires_at())
        # Rendered, not redirected: the secret exists only in this response (never stored,
        # and the page is sent with Cache-Control: no-store by web/security.py).
        return render(request, "api/token_created.html", {"issued": issued}, status=201)
    return render(request, "form_page.html", {
        "form": form, "title": "New API token", "back": "api:tokens",
        "intro": "A partner system sends the token as 'Authorization: Bearer <token>' and "
                 "acts as you: your role and your sites apply."})


@requires(Action.VIEW_PATIENT)
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(visible_tokens(request.user), pk=token_id)
    revoke_token(token=token, by=request.user)
    messages.success(request, f"Token {token} revoked: it no longer works.")
    return redirect("api:tokens")
