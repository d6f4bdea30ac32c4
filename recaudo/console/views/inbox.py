"""Placeholder until the section is built (issue 5)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from recaudo.console.access import requires
from recaudo.staff.roles import Capability


@requires(Capability.INBOX)
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "console/base.html")


urlpatterns = [path("inbox/", inbox, name="inbox")]
