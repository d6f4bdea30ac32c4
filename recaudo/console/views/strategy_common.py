"""What the strategists' screens share: the creditor selector (and the creditor a write names),
the audit line of an edit and the guard against a double-clicked form."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
    """Every creditor (for the selector) and the one chosen by ``?creditor=``, else the first:
    for showing a page. A write names its creditor: ``posted_creditor``."""
    creditors = list(Creditor.objects.order_by("name"))
    wanted = request.GET.get("creditor") or ""
    chosen = next((c for c in creditors if str(c.pk) == wanted), None)
    return creditors, chosen or (creditors[0] if creditors else None)


def posted_creditor(request: HttpRequest) -> tuple[list[Creditor], Creditor | None]:
    """Every creditor and the one the form posted in ``creditor``; None when it posted none or
    an unknown one (never a fallback: the write would go to another creditor's data)."""
    creditors = list(Creditor.objects.order_by("name"))
    wanted = request.POST.get("creditor") or ""
    return creditors, next((c for c in creditors if str(c.pk) == wanted), None)


def unknown_creditor(request: HttpRequest) -> HttpResponse:
    """The 400 answer to a write that did not name a known creditor."""
    return render(
        request,
        "console/strategy/bad_request.html",
        {
            "message": _(
                "The form did not say which creditor it is for, or named one that does not "
                "exist; nothing was saved. Reload the page and try again."
            )
        },
        status=400,
    )


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
