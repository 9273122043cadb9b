"""The API's URLs: /api/v1/ (django-ninja) and the staff pages for tokens at /api/tokens/.

The operations' views carry the role actions their operations declare (v1.DECLARED), as a
page's view does through accounts.permissions.requires: the access-trail middleware reads them
to record every call like a page view (audit/middleware.py), and tests/web/test_permissions.py
checks that every page declares them. The OpenAPI document and its docs page show no patient
data and declare none.
"""

from typing import Any

from django.urls import URLPattern, path

from orthoregen.web.api import views
from orthoregen.web.api.v1 import DECLARED, api

app_name = "api"

NO_PATIENT_DATA = {"openapi-json", "openapi-view", "api-root"}


def _declared(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name not in NO_PATIENT_DATA:
            route = str(pattern.pattern)
            actions = DECLARED[route]
            if not actions:
                raise LookupError(f"API route {route!r} declares no action.")
            view: Any = pattern.callback  # a function: it takes the attributes
            view.required_actions = tuple(sorted(actions))
            view.__name__ = f"API {route}"
    return patterns


api_patterns, api_app, api_namespace = api.urls
urlpatterns = [
    path("v1/", (_declared(api_patterns), api_app, api_namespace)),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
