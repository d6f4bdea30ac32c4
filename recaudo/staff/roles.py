"""Who may do what in the console: roles as Django groups, capabilities as data.

The matrix below is the documented permission matrix (docs/console.md prints it); every console
view names the one capability it needs (``recaudo.console.access.requires``).
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    # "role" context: the person who works the inbox is an "agente" by role, an "asesor" to
    # the customer (Actor.AGENT on the timeline).
    AGENT = "agent", pgettext_lazy("role", "agent")
    SUPERVISOR = "supervisor", pgettext_lazy("role", "supervisor")
    STRATEGIST = "strategist", pgettext_lazy("role", "strategist")
    COMPLIANCE = "compliance", pgettext_lazy("role", "compliance officer")
    ADMIN = "admin", pgettext_lazy("role", "administrator")


class Capability(models.TextChoices):
    INBOX = "inbox", _("work the inbox and conversations")
    VIEW_CUSTOMERS = "view_customers", _("open customers' data")
    ACT_ON_ACCOUNTS = "act_on_accounts", _("register promises, plans, payments, notes, holds")
    VIEW_STRATEGY = "view_strategy", _("see segments, strategies, templates and experiments")
    EDIT_STRATEGY = "edit_strategy", _("edit segments, strategies, templates and experiments")
    VIEW_DASHBOARDS = "view_dashboards", _("see dashboards and export them")
    VIEW_COMPLIANCE = "view_compliance", _("see the audit log, blocked messages and consents")
    ADMINISTER = "administer", _("manage users and settings")


MATRIX: dict[str, frozenset[str]] = {
    Role.AGENT: frozenset(
        {Capability.INBOX, Capability.VIEW_CUSTOMERS, Capability.ACT_ON_ACCOUNTS}
    ),
    Role.SUPERVISOR: frozenset(
        {
            Capability.INBOX,
            Capability.VIEW_CUSTOMERS,
            Capability.ACT_ON_ACCOUNTS,
            Capability.VIEW_STRATEGY,
            Capability.VIEW_DASHBOARDS,
        }
    ),
    Role.STRATEGIST: frozenset(
        {Capability.VIEW_STRATEGY, Capability.EDIT_STRATEGY, Capability.VIEW_DASHBOARDS}
    ),
    Role.COMPLIANCE: frozenset({Capability.VIEW_CUSTOMERS, Capability.VIEW_COMPLIANCE}),
    Role.ADMIN: frozenset(Capability.values),
}


def group_name(role: str) -> str:
    """The Django group that carries a role (groups are created by migration)."""
    return f"recaudo:{role}"


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's roles; a superuser is an administrator. Cached on the user object."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_recaudo_roles", None)
    if cached is None:
        if getattr(user, "is_superuser", False):
            cached = frozenset({Role.ADMIN.value})
        else:
            names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
            cached = frozenset(role for role in Role.values if group_name(role) in set(names))
        user._recaudo_roles = cached  # type: ignore[attr-defined]
    return cached


def capabilities_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    return frozenset().union(*(MATRIX[role] for role in roles_of(user)))


def can(user: AbstractBaseUser | AnonymousUser, capability: str) -> bool:
    return capability in capabilities_of(user)


def assign_roles(user: AbstractBaseUser, roles: Iterable[str]) -> None:
    """Give the user exactly these roles (other groups are kept).

    The administrator is a Django superuser too, so the admin site (users, settings, unit costs)
    opens for them; the other roles work only in the console.
    """
    roles = list(roles)
    administrator = Role.ADMIN in roles
    if user.is_superuser != administrator or user.is_staff != administrator:  # type: ignore[attr-defined]
        user.is_superuser = user.is_staff = administrator  # type: ignore[attr-defined]
        user.save(update_fields=["is_superuser", "is_staff"])
    wanted = {group_name(Role(role)) for role in roles}
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        if group.name in wanted:
            user.groups.add(group)  # type: ignore[attr-defined]
        else:
            user.groups.remove(group)  # type: ignore[attr-defined]
    user.__dict__.pop("_recaudo_roles", None)
