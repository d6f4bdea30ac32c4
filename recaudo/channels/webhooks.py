"""Provider callbacks: verify, parse, deduplicate, record. Independent of Django's request.

Each inbound message and each status update is recorded once: its event id (``inbound:<id>``
or ``status:<id>:<status>``) goes into ``WebhookEvent`` in the same transaction as the write it
causes, so a provider's retry of the same webhook, or a replay, changes nothing.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from recaudo.channels.actions import apply_status_update, record_inbound
from recaudo.channels.base import InboundMessage, StatusUpdate, WebhookRequest
from recaudo.channels.models import Message, WebhookEvent
from recaudo.channels.registry import UnknownProvider, get_provider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str = ""
    content_type: str = "text/plain"
    # How many inbound messages and status updates were new (not repeats).
    recorded: int = 0


def process_webhook(kind: str, request: WebhookRequest) -> WebhookResponse:
    try:
        provider = get_provider(kind)
    except UnknownProvider:
        return WebhookResponse(404, "unknown provider")
    if not provider.verify(request):
        logger.warning("webhook for %s with an invalid signature", kind)
        return WebhookResponse(403, "invalid signature")
    batch = provider.parse(request)
    recorded = 0
    for inbound in batch.inbound:
        recorded += _once(kind, f"inbound:{inbound.provider_message_id}", inbound)
    for update in batch.statuses:
        recorded += _once(kind, status_event_id(update.provider_message_id, update.status), update)
    if batch.assistant_answers and batch.inbound:
        return WebhookResponse(
            200, _assistant_answer(kind, batch.inbound[0]), "text/xml", recorded=recorded
        )
    return WebhookResponse(
        200, batch.response_body or "", batch.response_content_type, recorded=recorded
    )


def _assistant_answer(kind: str, inbound: InboundMessage) -> str:
    """The TwiML of the assistant's replies to a call's turn (recorded by ``_once``; a repeated
    request reads the same replies back)."""
    from recaudo.conversations.inbound import answer_call

    message = Message.objects.filter(
        provider=kind, provider_message_id=inbound.provider_message_id
    ).first()
    return answer_call(message, gather_url=str(inbound.payload.get("next_gather_url", "")))


# How long a status waits for its message to record the provider's id.
PENDING_FOR = timedelta(days=1)


def status_event_id(provider_message_id: str, status: str) -> str:
    return f"status:{provider_message_id}:{status}"[:200]


def _once(kind: str, event_id: str, item: InboundMessage | StatusUpdate) -> bool:
    payload: dict[str, Any] = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in asdict(item).items()
    }
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=kind, event_id=event_id[:200], payload=payload
            )
            if isinstance(item, InboundMessage):
                record_inbound(item, provider=kind)
            elif apply_status_update(item, provider=kind) is None:
                # No message with that provider id yet: the callback overtook the worker's
                # record. It waits; the worker applies it when it records the id.
                event.applied = False
                event.save(update_fields=["applied"])
    except IntegrityError:
        if WebhookEvent.objects.filter(provider=kind, event_id=event_id[:200]).exists():
            return False  # already processed
        raise
    return True


def apply_pending_statuses(*, now: datetime) -> int:
    """Apply the statuses that arrived before their message recorded the provider's id (the
    worker calls it after each batch); return how many. A status still unmatched after a day
    belongs to no message of ours and is left alone."""
    pending = WebhookEvent.objects.filter(
        applied=False, received_at__gte=now - PENDING_FOR
    ).order_by("received_at", "id")
    applied = 0
    for event in pending:
        update = _status_from(event.payload)
        recorded = Message.objects.filter(
            provider=event.provider, provider_message_id=update.provider_message_id
        )
        if not recorded.exists():
            continue  # its message has not recorded the id yet
        with transaction.atomic():
            if WebhookEvent.objects.filter(id=event.id, applied=False).update(applied=True):
                apply_status_update(update, provider=event.provider)
                applied += 1
    return applied


def _status_from(payload: dict[str, Any]) -> StatusUpdate:
    fields = dict(payload)
    fields["at"] = datetime.fromisoformat(fields["at"])
    return StatusUpdate(**fields)
