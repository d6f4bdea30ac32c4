"""Placeholder until the section is built (issue 5)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from recaudo.console.access import requires
from recaudo.staff.roles import Capability


@requires(Capability.VIEW_COMPLIANCE)
def audit_log(request: HttpRequest) -> HttpResponse:
    return render(request, "console/base.html")


urlpatterns = [path("compliance/audit/", audit_log, name="audit_log")]
