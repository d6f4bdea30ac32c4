"""RBM's webhook: a Pub/Sub-style envelope whose ``message.data`` is a base64 JSON event or user
message, signed with ``X-Goog-Signature`` = base64(HMAC-SHA512(client token, decoded data)).

The one-time configuration request (``{"clientToken": ..., "secret": ...}``) is answered with
the secret when the client token matches."""

import base64
import binascii
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from recaudo.channels.base import InboundMessage, StatusUpdate, WebhookBatch

logger = logging.getLogger(__name__)

CHANNEL = "rcs"
SIGNATURE_HEADER = "X-Goog-Signature"
EVENT_STATUSES = {"DELIVERED": "delivered", "READ": "read"}
# Server events: the message expired before delivery (recorded as failed, not permanent).
EXPIRY_EVENTS = frozenset({"TTL_EXPIRATION_REVOKED", "TTL_EXPIRATION_REVOKE_FAILED"})


def _json(raw: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def envelope_data(body: bytes) -> bytes | None:
    """The decoded ``message.data`` of the envelope, or None when there is none."""
    message = _json(body).get("message")
    encoded = message.get("data") if isinstance(message, dict) else None
    if not isinstance(encoded, str):
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def signature(client_token: str, data: bytes) -> str:
    digest = hmac.new(client_token.encode(), data, hashlib.sha512).digest()
    return base64.b64encode(digest).decode()


def configuration_secret(body: bytes, client_token: str) -> str | None:
    """The secret to answer the webhook configuration request with, if the token matches."""
    data = _json(body)
    token, secret = data.get("clientToken"), data.get("secret")
    if not client_token or not isinstance(token, str) or not isinstance(secret, str):
        return None
    return secret if hmac.compare_digest(token.encode(), client_token.encode()) else None


def signature_is_valid(client_token: str, body: bytes, header_value: str) -> bool:
    data = envelope_data(body)
    if not client_token or not header_value or data is None:
        return False
    return hmac.compare_digest(signature(client_token, data).encode(), header_value.encode())


def _time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(tz=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _status(event: dict[str, Any]) -> StatusUpdate | None:
    event_type = event.get("eventType", "")
    at = _time(event.get("sendTime"))
    if event_type in EVENT_STATUSES:
        status = EVENT_STATUSES[event_type]
        return StatusUpdate(
            provider_message_id=str(event.get("messageId", "")), status=status, at=at
        )
    if event_type in EXPIRY_EVENTS:
        return StatusUpdate(
            provider_message_id=str(event.get("messageId", "")),
            status="failed",
            at=at,
            error=f"expired: {event_type} (not delivered before it expired)",
            permanent=False,
        )
    return None


def _inbound(user_message: dict[str, Any]) -> InboundMessage:
    payload: dict[str, Any] = {}
    body = str(user_message.get("text", ""))
    suggestion = user_message.get("suggestionResponse")
    if isinstance(suggestion, dict):
        body = str(suggestion.get("text", ""))
        payload = {
            "type": "suggestion",
            "button_id": suggestion.get("postbackData", ""),
            "button_text": body,
            "suggestion_type": suggestion.get("type", ""),
        }
    elif "text" in user_message:
        payload = {"type": "text"}
    else:
        kinds = ("location", "userFile")
        payload = {"type": next((kind for kind in kinds if kind in user_message), "other")}
    return InboundMessage(
        provider_message_id=str(user_message.get("messageId", "")),
        channel=CHANNEL,
        from_address=str(user_message.get("senderPhoneNumber", "")),
        to_address=str(user_message.get("agentId", "")),
        body=body,
        received_at=_time(user_message.get("sendTime")),
        payload=payload,
    )


def parse_payload(body: bytes, client_token: str) -> WebhookBatch:
    secret = configuration_secret(body, client_token)
    if secret is not None:
        return WebhookBatch(response_body=secret)
    data = envelope_data(body)
    event = _json(data) if data is not None else {}
    if not event:
        logger.warning("rcs_google: webhook without a decodable message.data; ignored")
        return WebhookBatch()
    if "eventType" in event:
        status = _status(event)
        return WebhookBatch(statuses=(status,) if status else ())
    if "messageId" in event and "senderPhoneNumber" in event:
        return WebhookBatch(inbound=(_inbound(event),))
    return WebhookBatch()
