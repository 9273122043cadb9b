"""The site's URLs plus two that fail, for tests/web/test_errors.py."""

from django.db import OperationalError
from django.urls import path

from orthoregen.web.urls import handler500, urlpatterns


def broken(request):
    raise ValueError("a bug")


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


urlpatterns = [*urlpatterns, path("broken/", broken), path("database-down/", database_down)]
__all__ = ["handler500", "urlpatterns"]
