"""The landing page: each role starts at the first area it may use."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from orthoregen.web.context import nav_items, orthoregen


@login_required
def home(request: HttpRequest) -> HttpResponse:
    items = nav_items(request, orthoregen(request)["can"])
    if items:
        return redirect(items[0]["url"])
    return render(request, "home.html")
