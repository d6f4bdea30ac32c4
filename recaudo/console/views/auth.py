"""Login, logout and the landing page that sends each role to its first screen."""

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from recaudo.console.forms.auth import LoginForm
from recaudo.console.navigation import sections_for
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction


class ConsoleLoginView(LoginView):
    template_name = "console/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The admin sends a logged-in user without staff status back to its login page: show
        # the form (to log in as someone else) instead of redirecting to the admin in a loop.
        if request.path == reverse("admin_login") and not request.user.is_staff:
            self.redirect_authenticated_user = False
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        record_audit(self.request.user, AuditAction.LOGIN, request=self.request)
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    if request.user.is_authenticated:
        record_audit(request.user, AuditAction.LOGOUT, request=request)
    logout(request)
    return redirect("console:login")


@login_required(login_url="console:login")
def home(request: HttpRequest) -> HttpResponseBase:
    """The first section the user's roles open; a user with no role sees why."""
    sections = sections_for(request.user)
    if sections:
        return redirect(sections[0].url_name)
    return render(request, "console/no_role.html", status=403)


urlpatterns = [
    path("login/", ConsoleLoginView.as_view(), name="login"),
    path("logout/", logout_view, name="logout"),
    path("", home, name="home"),
]
