"""Security headers Django 5.2 does not set by itself."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class ContentSecurityPolicyMiddleware:
    """Add the Content-Security-Policy header: every asset is served by us, nothing inline.

    Django gains built-in CSP only in 6.0; this LTS line needs the one header added here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class NoStoreMiddleware:
    """Add `Cache-Control: no-store` to every response that reaches Django.

    Staff pages, the PDF report and the portal all show identifiable patient data, which a
    shared browser's cache or a proxy must not keep (OWASP ASVS 4.0.3 8.2.1). Static files
    are answered by WhiteNoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
