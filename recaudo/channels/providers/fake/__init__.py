"""The default provider: sends nothing, so a demo or a test can run the whole outbound flow.

The outbox row is the record of what was "sent". For demos it can also play the other side:
``simulate_status`` and ``simulate_reply`` build the webhook this provider would receive (signed
with the project's secret key) and run it through ``/hooks/fake/``'s processing, so a simulated
delivery, read, failure or reply goes through exactly the same actions as a real provider's.

Webhook body (JSON)::

    {"events": [
      {"type": "status", "message_id": "fake-12", "status": "delivered",
       "at": "2026-12-01T10:00:00+00:00", "error": "", "permanent": false},
      {"type": "inbound", "id": "fake-in-…", "channel": "sms", "from": "+573001234567",
       "to": "", "body": "BAJA", "at": "2026-12-01T10:01:00+00:00"}
    ]}

signed with ``X-Fake-Signature: hex(HMAC-SHA256(SECRET_KEY, body))``.
"""

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from recaudo.channels.base import (
    InboundMessage,
    OutboundMessage,
    Provider,
    SendResult,
    StatusUpdate,
    WebhookBatch,
    WebhookRequest,
)

if TYPE_CHECKING:
    from recaudo.channels.models import Message
    from recaudo.channels.webhooks import WebhookResponse

SIGNATURE_HEADER = "X-Fake-Signature"


def sign(body: bytes) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), body, hashlib.sha256).hexdigest()


class FakeProvider(Provider):
    kind = "fake"
    channels = ("sms", "whatsapp", "rcs", "voice", "email", "push", "letter")

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(provider_message_id=f"fake-{message.id}")

    def verify(self, request: WebhookRequest) -> bool:
        return hmac.compare_digest(request.header(SIGNATURE_HEADER), sign(request.body))

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        events: list[dict[str, Any]] = json.loads(request.body or b"{}").get("events", [])
        inbound = tuple(
            InboundMessage(
                provider_message_id=str(event["id"]),
                channel=str(event["channel"]),
                from_address=str(event["from"]),
                to_address=str(event.get("to", "")),
                body=str(event.get("body", "")),
                received_at=_instant(event.get("at")),
            )
            for event in events
            if event.get("type") == "inbound"
        )
        statuses = tuple(
            StatusUpdate(
                provider_message_id=str(event["message_id"]),
                status=str(event["status"]),
                at=_instant(event.get("at")),
                error=str(event.get("error", "")),
                permanent=bool(event.get("permanent", False)),
            )
            for event in events
            if event.get("type") == "status"
        )
        return WebhookBatch(inbound=inbound, statuses=statuses)


def _instant(raw: Any) -> datetime:
    return datetime.fromisoformat(raw) if raw else timezone.now()


def webhook_request(events: list[dict[str, Any]]) -> WebhookRequest:
    """The signed request this provider's webhook would receive for ``events``."""
    body = json.dumps({"events": events}).encode()
    return WebhookRequest(
        method="POST",
        url=f"{settings.RECAUDO_PUBLIC_URL.rstrip('/')}/hooks/fake/",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
        body=body,
    )


def simulate_status(
    message: "Message", status: str, *, error: str = "", permanent: bool = False
) -> "WebhookResponse":
    """Play the provider reporting ``status`` (delivered, read, failed ...) for ``message``."""
    from recaudo.channels.webhooks import process_webhook

    if message.provider != FakeProvider.kind or not message.provider_message_id:
        raise ValueError(f"message {message.id} was not sent by the fake provider")
    event = {
        "type": "status",
        "message_id": message.provider_message_id,
        "status": status,
        "at": timezone.now().isoformat(),
        "error": error,
        "permanent": permanent,
    }
    return process_webhook(FakeProvider.kind, webhook_request([event]))


def simulate_failure(
    message: "Message", *, error: str = "invalid_number", permanent: bool = True
) -> "WebhookResponse":
    return simulate_status(message, "failed", error=error, permanent=permanent)


def simulate_reply(message: "Message", text: str) -> "WebhookResponse":
    """Play the customer answering ``message`` with ``text``."""
    from recaudo.channels.webhooks import process_webhook

    event = {
        "type": "inbound",
        "id": f"fake-in-{uuid.uuid4().hex}",
        "channel": message.channel,
        "from": message.address,
        "to": "",
        "body": text,
        "at": timezone.now().isoformat(),
    }
    return process_webhook(FakeProvider.kind, webhook_request([event]))
