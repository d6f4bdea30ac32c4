"""``POST /policy/check``: the contact policy's decision for one request, as ``recaudo policy check``."""

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router, Schema

from recaudo.policy.decide import decide
from recaudo.policy.parsing import PolicyRequestError, parse_request

router = Router(tags=["contact policy"])

# The request, read as plain JSON: recaudo.policy.parsing checks it and names the bad field.
REQUEST_BODY = Body(
    ...,
    description="A contact policy request (docs/contact-policy.md).",
    examples=[
        {
            "jurisdiction": "CO",
            "timezones": ["America/Bogota"],
            "at": "2026-03-15T10:00:00-05:00",
            "channel": "whatsapp",
            "recipient_role": "debtor",
            "debt_id": "ACC-1001",
            "authorised_channels": ["whatsapp", "sms"],
            "opted_out_channels": [],
            "holds": [],
            "history": [
                {
                    "at": "2026-03-13T09:00:00-05:00",
                    "channel": "sms",
                    "direction": "outbound",
                    "connected": True,
                    "conversation": False,
                    "debt_id": "ACC-1001",
                    "recipient_role": "debtor",
                }
            ],
        }
    ],
)


class DecisionOut(Schema):
    allowed: bool
    rule: str
    source: str
    reasons: list[str]
    next_allowed_at: str | None


class PolicyErrorOut(Schema):
    field: str
    message: str


class PolicyErrorsOut(Schema):
    errors: list[PolicyErrorOut]


@router.post(
    "/policy/check",
    response={200: DecisionOut, 422: PolicyErrorsOut},
    summary="May we contact this person, on this channel, now? (política de contacto)",
    description=(
        "Send the same JSON request as `recaudo policy check` (docs/contact-policy.md): "
        "jurisdiction, timezones, at, channel, recipient_role, debt_id, initiated_by_customer, "
        "authorised_channels, opted_out_channels, holds, history and the optional purpose, "
        "preferred_channels, preferred_hours, creditor_limits, paused_until, debt_settled. "
        "The answer says whether it is allowed, the deciding rule and its legal source, the "
        "reasons and the next allowed time. Nothing is stored."
    ),
)
def check_policy(
    request: HttpRequest, payload: dict[str, Any] = REQUEST_BODY
) -> tuple[int, dict[str, Any]]:
    try:
        contact_request = parse_request(payload)
    except PolicyRequestError as error:
        return 422, {"errors": [error.as_json()]}
    return 200, decide(contact_request).as_json()
