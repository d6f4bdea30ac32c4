"""The console's sections, in menu order, each behind the capability its views require."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recaudo.staff.roles import Capability, can


@dataclass(frozen=True)
class Section:
    label: str | Promise
    url_name: str
    capability: str
    # Path prefix that marks the section as current in the menu.
    prefix: str


SECTIONS = (
    Section(_("My inbox"), "console:inbox", Capability.INBOX, "/console/inbox"),
    Section(_("Customers"), "console:customers", Capability.VIEW_CUSTOMERS, "/console/customers"),
    Section(_("Strategy"), "console:segments", Capability.VIEW_STRATEGY, "/console/strategy"),
    Section(
        _("Dashboards"), "console:dashboard", Capability.VIEW_DASHBOARDS, "/console/dashboards"
    ),
    Section(
        _("Compliance"), "console:audit_log", Capability.VIEW_COMPLIANCE, "/console/compliance"
    ),
)


def sections_for(user: AbstractBaseUser | AnonymousUser) -> list[Section]:
    return [section for section in SECTIONS if can(user, section.capability)]


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: the menu of the logged-in user."""
    if not request.path.startswith("/console/") or not request.user.is_authenticated:
        return {}
    return {
        "console_sections": sections_for(request.user),
        "console_can_administer": can(request.user, Capability.ADMINISTER),
    }
