"""What the strategists' screens share: the creditor selector, the audit line of an edit and
the guard against a double-clicked form."""

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from recaudo.debts.models import Creditor
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction
from recaudo.staff.roles import Capability, can

TABS = (
    ("segments", _("Segments"), "console:segments"),
    ("strategies", _("Strategies"), "console:strategies"),
    ("templates", _("Templates"), "console:templates"),
    ("experiments", _("Experiments"), "console:experiments"),
)
# Form tokens already used in this session (the newest ones).
USED_TOKENS = "strategy_form_tokens"
KEPT_TOKENS = 50


def choose_creditor(request: HttpRequest) -> tuple[list[Creditor], Creditor | None]:
    """Every creditor (for the selector) and the one chosen by ``?creditor=`` (or posted),
    else the first."""
    creditors = list(Creditor.objects.order_by("name"))
    wanted = request.POST.get("creditor") or request.GET.get("creditor") or ""
    chosen = next((c for c in creditors if str(c.pk) == wanted), None)
    return creditors, chosen or (creditors[0] if creditors else None)


def new_token() -> str:
    return uuid.uuid4().hex


def first_submission(request: HttpRequest) -> bool:
    """Whether the posted ``form_token`` is new to this session (a double click sends it twice);
    a form without a token is always let through."""
    token = request.POST.get("form_token", "")
    if not token:
        return True
    used: list[str] = request.session.get(USED_TOKENS, [])
    if token in used:
        return False
    request.session[USED_TOKENS] = [*used, token][-KEPT_TOKENS:]
    return True


def audit_edit(
    request: HttpRequest, *, creditor_id: int, what: str, object_id: Any, changes: dict[str, Any]
) -> None:
    """One ``EDITED`` line with what changed (nothing changed: no line)."""
    if not changes:
        return
    record_audit(
        request.user,
        AuditAction.EDITED,
        request=request,
        creditor_id=creditor_id,
        detail={"object": what, "id": object_id, "changes": changes},
    )


def page_context(
    request: HttpRequest, tab: str, creditors: list[Creditor], creditor: Creditor | None
) -> dict[str, Any]:
    return {
        "tabs": TABS,
        "tab": tab,
        "creditors": creditors,
        "creditor": creditor,
        "can_edit": can(request.user, Capability.EDIT_STRATEGY),
        "form_token": new_token(),
    }
