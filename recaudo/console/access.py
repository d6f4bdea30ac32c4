"""The console's gate: login required, one capability per view, idle sessions end.

Every console view is wrapped in ``requires(Capability.X)``; the role matrix is in
``recaudo.staff.roles``. A refusal is written to the audit log and answered with a 403 page.
"""

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction
from recaudo.staff.roles import can

View = Callable[..., HttpResponseBase]

# The session key with the time of the console user's last request (epoch seconds).
LAST_SEEN = "console_last_seen"
# A request with this header is not the user's activity (an htmx poll): it does not keep an idle
# session alive. console/session.js adds it to htmx requests no user event triggered.
BACKGROUND_HEADER = "X-Recaudo-Background"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_redirect(url: str) -> HttpResponse:
    """Send the whole page to ``url``: a 302 would swap the login page into a fragment."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def requires(capability: str) -> Callable[[View], View]:
    """Let the view run only for a logged-in user whose roles grant ``capability``."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                if is_htmx(request):
                    return htmx_redirect(reverse("console:login"))
                return redirect_to_login(request.get_full_path(), reverse("console:login"))
            if not can(request.user, capability):
                record_audit(
                    request.user,
                    AuditAction.DENIED,
                    request=request,
                    detail={"capability": capability},
                )
                return render(request, "console/denied.html", status=403)
            return view(request, *args, **kwargs)

        guarded.capability = capability  # type: ignore[attr-defined]
        return guarded

    return decorate


class IdleTimeoutMiddleware:
    """Log a staff user out after ``RECAUDO_CONSOLE_IDLE_MINUTES`` without a request.

    Customers' sessions (web chat, self-service) have no user and are left alone. The session is
    written at most once a minute, not on every request. Background requests (``BACKGROUND_HEADER``:
    the inbox's poll) do not count as activity; an htmx request after the timeout gets
    ``HX-Redirect`` so the whole page goes to the login.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(LAST_SEEN)
            idle = timedelta(minutes=settings.RECAUDO_CONSOLE_IDLE_MINUTES).total_seconds()
            if last_seen is not None and now - last_seen > idle:
                user = request.user
                logout(request)
                record_audit(user, AuditAction.SESSION_EXPIRED, request=request)
                login_url = f"{reverse('console:login')}?expired=1"
                return htmx_redirect(login_url) if is_htmx(request) else redirect(login_url)
            background = request.headers.get(BACKGROUND_HEADER) == "1"
            if last_seen is None or (now - last_seen > 60 and not background):
                request.session[LAST_SEEN] = now
        return self.get_response(request)
