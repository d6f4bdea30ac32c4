"""Meta's webhook: the GET subscription check, the ``X-Hub-Signature-256`` check, and the
``entry[].changes[].value`` payload turned into inbound messages and status updates."""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from recaudo.channels.base import InboundMessage, StatusUpdate, WebhookBatch
from recaudo.channels.providers.whatsapp_cloud.errors import status_error

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
STATUSES = frozenset({"sent", "delivered", "read", "failed"})


def signature(app_secret: str, body: bytes) -> str:
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_is_valid(app_secret: str, body: bytes, header_value: str) -> bool:
    if not app_secret or not header_value.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature(app_secret, body), header_value.strip())


def subscription_challenge(query: dict[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta checks the subscription with our verify token."""
    if not verify_token or query.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(query.get("hub.verify_token", "").encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge", "")


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError):
        return datetime.now(tz=UTC)


def _e164(number: Any) -> str:
    digits = str(number or "")
    return digits if not digits or digits.startswith("+") else f"+{digits}"


def _content(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text the customer sent (or the title of what they tapped) and what else matters."""
    kind = str(message.get("type", ""))
    extra: dict[str, Any] = {"type": kind}
    if kind == "text":
        return str(message.get("text", {}).get("body", "")), extra
    if kind == "interactive":
        interactive = message.get("interactive", {})
        reply = interactive.get(interactive.get("type", ""), {})  # button_reply or list_reply
        title = str(reply.get("title", ""))
        extra.update(
            interactive_type=interactive.get("type", ""),
            button_id=reply.get("id", ""),
            button_text=title,
        )
        return title, extra
    if kind == "button":  # a quick-reply button of a template
        button = message.get("button", {})
        title = str(button.get("text", ""))
        extra.update(button_id=button.get("payload", ""), button_text=title)
        return title, extra
    media = message.get(kind, {})
    if isinstance(media, dict) and media.get("id"):
        extra.update(media_id=media["id"], mime_type=media.get("mime_type", ""))
        return str(media.get("caption", "")), extra
    return "", extra


def _profile_name(value: dict[str, Any], wa_id: Any) -> str:
    """The name the customer set in WhatsApp, from the ``contacts`` next to the messages."""
    contacts = value.get("contacts", [])
    return next(
        (str(c.get("profile", {}).get("name", "")) for c in contacts if c.get("wa_id") == wa_id), ""
    )


def _inbound(message: dict[str, Any], value: dict[str, Any]) -> InboundMessage:
    body, extra = _content(message)
    if message.get("context", {}).get("id"):
        extra["in_reply_to"] = message["context"]["id"]
    name = _profile_name(value, message.get("from"))
    if name:
        extra["profile_name"] = name
    return InboundMessage(
        provider_message_id=str(message.get("id", "")),
        channel=CHANNEL,
        from_address=_e164(message.get("from")),
        to_address=_e164(value.get("metadata", {}).get("display_phone_number")),
        body=body,
        received_at=_timestamp(message.get("timestamp")),
        payload=extra,
    )


def _status(status: dict[str, Any]) -> StatusUpdate | None:
    if status.get("status") not in STATUSES:
        return None
    permanent, error = False, ""
    if status["status"] == "failed":
        errors = status.get("errors") or [{}]
        permanent, error = status_error(errors[0] if isinstance(errors[0], dict) else {})
    return StatusUpdate(
        provider_message_id=str(status.get("id", "")),
        status=status["status"],
        at=_timestamp(status.get("timestamp")),
        error=error,
        permanent=permanent,
    )


def _values(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        change.get("value", {})
        for entry in data.get("entry", [])
        for change in entry.get("changes", [])
        if change.get("field") == "messages"
    ]


def parse_payload(body: bytes) -> WebhookBatch:
    try:
        data = json.loads(body)
    except ValueError:
        logger.warning("whatsapp_cloud: webhook body is not JSON; ignored")
        return WebhookBatch()
    if not isinstance(data, dict):
        return WebhookBatch()
    inbound, statuses = [], []
    for value in _values(data):
        inbound += [_inbound(message, value) for message in value.get("messages", [])]
        statuses += [s for s in map(_status, value.get("statuses", [])) if s is not None]
    return WebhookBatch(inbound=tuple(inbound), statuses=tuple(statuses))
