"""Who may call an operation: a bearer token, its user's role, the token's scope, its rate.

Each operation declares, through its ``TokenAuth``, the role actions it needs (the table of
accounts/roles.py, as the pages declare them with accounts.permissions.requires) and the area
and mode of the token scope it needs. The checks run in this order, before the operation reads
anything, so that a refused caller learns nothing of the records:

1. no bearer token: 401; a malformed, unknown, expired or revoked one: 401 (tokens.bearer_user);
2. over the token's rate limit: 429;
3. a role that may not perform the action: 403, as on the pages;
4. a token whose scopes do not cover the area (or writing it): 403.

bearer_user sets ``request.user`` to the token's user, so the access-trail middleware records
the call as theirs, like a page view (audit/middleware.py; see urls.py for the declarations it
reads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja.security import HttpBearer

from orthoregen.web.accounts.permissions import REFUSAL
from orthoregen.web.api.limits import WINDOW_SECONDS, token_call_allowed
from orthoregen.web.api.models import AREAS
from orthoregen.web.api.problems import ApiProblem
from orthoregen.web.api.tokens import TokenRefused, bearer_user, token_allows

if TYPE_CHECKING:
    from django.http import HttpRequest

    from orthoregen.web.accounts.models import User
    from orthoregen.web.accounts.roles import Action


class RateLimited(ApiProblem):
    def __init__(self) -> None:
        super().__init__(429, f"Too many calls with this token; wait up to {WINDOW_SECONDS} s.")


class TokenAuth(HttpBearer):
    """Let an operation run for a token whose user's role and whose scope allow it."""

    def __init__(self, *actions: Action, area: str, write: bool = False) -> None:
        if not actions:
            raise ValueError("Name at least one action.")
        if area not in AREAS:
            raise ValueError(f"Unknown area {area!r}.")
        super().__init__()
        self.actions = actions
        self.area = area
        self.write = write

    def __call__(self, request: HttpRequest) -> User | None:
        try:
            user = bearer_user(request)
        except TokenRefused as refused:
            raise ApiProblem(401, refused.message) from None
        if user is None:
            return None  # django-ninja answers 401 (AuthenticationError)
        token = request.api_token  # type: ignore[attr-defined]  # set by bearer_user
        if not token_call_allowed(token.prefix):
            raise RateLimited()
        if not any(user.may(action) for action in self.actions):
            raise ApiProblem(403, REFUSAL)
        if not token_allows(token, area=self.area, write=self.write):
            mode = "write" if self.write else "read"
            raise ApiProblem(403, f"This token's scopes do not include {self.area}:{mode}.")
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        raise NotImplementedError("__call__ checks the token")  # pragma: no cover
