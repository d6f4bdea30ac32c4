"""Who the self-service page is talking to, kept in the Django session.

A link (``/s/<token>`` or ``/p/<token>``) only *names* a customer: it is stored as the pending
customer, with the page to show after verification. Verification marks the session verified
for that customer alone, for ``VERIFIED_FOR`` after the last request (each request renews it).
A link for another customer drops the verified state: that customer must verify again.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "selfservice"
VERIFIED_FOR = dt.timedelta(minutes=30)


def _state(request: HttpRequest) -> dict[str, Any]:
    state = request.session.get(SESSION_KEY)
    return state if isinstance(state, dict) else {}


def _save(request: HttpRequest, state: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = state


def pending(request: HttpRequest) -> tuple[int, str] | None:
    """The customer a link named and the page to show once verified."""
    state = _state(request)
    customer_id = state.get("pending")
    if not isinstance(customer_id, int):
        return None
    return customer_id, str(state.get("next", ""))


def set_pending(request: HttpRequest, customer_id: int, next_url: str) -> None:
    state = _state(request)
    if state.get("verified") not in (None, customer_id):
        # Someone else's link: nothing of the previous customer stays reachable.
        request.session.flush()
        state = {}
    elif state.get("pending") != customer_id:
        state.pop("code_to", None)
        state.pop("code_sent_at", None)
    state |= {"pending": customer_id, "next": next_url}
    _save(request, state)


def verified_customer_id(request: HttpRequest, *, now: dt.datetime) -> int | None:
    """The verified customer of this session, renewing the verification; None when there is
    none or it lapsed."""
    state = _state(request)
    customer_id = state.get("verified")
    until = state.get("until")
    if not isinstance(customer_id, int) or not isinstance(until, (int, float)):
        return None
    if now.timestamp() >= until:
        state.pop("verified", None)
        state.pop("until", None)
        _save(request, state)
        return None
    state["until"] = (now + VERIFIED_FOR).timestamp()
    _save(request, state)
    return customer_id


def mark_verified(request: HttpRequest, customer_id: int, *, now: dt.datetime) -> str:
    """Verify the session for ``customer_id``; return the page to go to."""
    state = _state(request)
    next_url = str(state.get("next", "")) if state.get("pending") == customer_id else ""
    # A new session key: a key known before verification (fixation) is worth nothing after.
    request.session.cycle_key()
    _save(
        request,
        {
            "pending": customer_id,
            "verified": customer_id,
            "until": (now + VERIFIED_FOR).timestamp(),
            "next": "",
        },
    )
    return next_url


def code_sent(request: HttpRequest) -> tuple[str, float] | None:
    """Where the last code went (masked) and when (a timestamp)."""
    state = _state(request)
    masked = state.get("code_to")
    sent_at = state.get("code_sent_at")
    if not isinstance(masked, str) or not isinstance(sent_at, (int, float)):
        return None
    return masked, float(sent_at)


def remember_code_sent(request: HttpRequest, masked: str, *, now: dt.datetime) -> None:
    state = _state(request)
    state |= {"code_to": masked, "code_sent_at": now.timestamp()}
    _save(request, state)


def log_out(request: HttpRequest) -> None:
    request.session.flush()
