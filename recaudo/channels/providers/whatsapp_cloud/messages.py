"""The JSON body of one ``POST /{phone-number-id}/messages`` request, built from an outbound
message. Pure functions: the caller passes ``now``."""

from datetime import datetime, timedelta
from typing import Any

from recaudo.channels.base import OutboundMessage, ProviderError
from recaudo.channels.http_errors import CODE_REJECTED

# Meta lets a business answer freely for 24 hours after the customer's last message.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
DEFAULT_TEMPLATE_LANGUAGE = "es"
MAX_BUTTONS = 3
MAX_BUTTON_TITLE_CHARS = 20
MAX_BUTTON_ID_CHARS = 256
MAX_LIST_ROWS = 10
MAX_LIST_ROW_TITLE_CHARS = 24
MAX_LIST_ROW_ID_CHARS = 200
MAX_LIST_BUTTON_CHARS = 20

# Free text outside the 24-hour window with no approved template: a permanent failure (the
# planner's messages carry their template; a free-text reply that came too late fails).
CODE_TEMPLATE_REQUIRED = "template_required"


def in_customer_service_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether the customer wrote less than 24 hours ago (exactly 24 hours is outside)."""
    return last_inbound_at is not None and now - last_inbound_at < CUSTOMER_SERVICE_WINDOW


def recipient(address: str) -> str:
    """Graph wants the number as digits with the country code, without the ``+``."""
    return address.removeprefix("+")


def _envelope(message: OutboundMessage, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient(message.to),
        "type": kind,
        kind: content,
    }


def _text_with_link(message: OutboundMessage) -> str:
    link = str(message.payload.get("link") or "")
    if link and link not in message.body:
        return f"{message.body}\n{link}" if message.body else link
    return message.body


def text_request(message: OutboundMessage) -> dict[str, Any]:
    body = _text_with_link(message)
    return _envelope(message, "text", {"preview_url": "://" in body, "body": body})


def template_language(language: str | None) -> str:
    """Meta's language codes use an underscore (``es``, ``es_MX``); ours may use a hyphen."""
    return (language or DEFAULT_TEMPLATE_LANGUAGE).replace("-", "_")


def template_request(message: OutboundMessage) -> dict[str, Any]:
    payload = message.payload
    template: dict[str, Any] = {
        "name": payload["template_name"],
        "language": {"code": template_language(payload.get("template_language"))},
    }
    params = payload.get("template_params") or []
    if params:
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": str(value)} for value in params],
            }
        ]
    return _envelope(message, "template", template)


def _checked_buttons(buttons: list[dict[str, Any]]) -> list[dict[str, str]]:
    if len(buttons) > MAX_BUTTONS:
        raise ProviderError(
            f"whatsapp_cloud: at most {MAX_BUTTONS} reply buttons, got {len(buttons)}",
            permanent=True,
            code=CODE_REJECTED,
        )
    checked = []
    for button in buttons:
        button_id, title = str(button.get("id") or ""), str(button.get("title") or "")
        if not button_id or not title or len(title) > MAX_BUTTON_TITLE_CHARS:
            raise ProviderError(
                f"whatsapp_cloud: a reply button needs an id and a title of at most "
                f"{MAX_BUTTON_TITLE_CHARS} characters: {title!r}",
                permanent=True,
                code=CODE_REJECTED,
            )
        if len(button_id) > MAX_BUTTON_ID_CHARS:
            raise ProviderError(
                f"whatsapp_cloud: a reply button id has at most {MAX_BUTTON_ID_CHARS} characters",
                permanent=True,
                code=CODE_REJECTED,
            )
        checked.append({"id": button_id, "title": title})
    return checked


def buttons_request(message: OutboundMessage) -> dict[str, Any]:
    buttons = _checked_buttons(list(message.payload["buttons"]))
    interactive = {
        "type": "button",
        "body": {"text": _text_with_link(message)},
        "action": {"buttons": [{"type": "reply", "reply": button} for button in buttons]},
    }
    return _envelope(message, "interactive", interactive)


def _rejected(text: str) -> ProviderError:
    return ProviderError(f"whatsapp_cloud: {text}", permanent=True, code=CODE_REJECTED)


def _checked_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    if not rows or len(rows) > MAX_LIST_ROWS:
        raise _rejected(f"a list has 1 to {MAX_LIST_ROWS} rows, got {len(rows)}")
    checked = []
    for row in rows:
        row_id, title = str(row.get("id") or ""), str(row.get("title") or "")
        if not row_id or not title or len(title) > MAX_LIST_ROW_TITLE_CHARS:
            raise _rejected(
                f"a list row needs an id and a title of at most {MAX_LIST_ROW_TITLE_CHARS} "
                f"characters: {title!r}"
            )
        if len(row_id) > MAX_LIST_ROW_ID_CHARS:
            raise _rejected(f"a list row id has at most {MAX_LIST_ROW_ID_CHARS} characters")
        item = {"id": row_id, "title": title}
        if row.get("description"):
            item["description"] = str(row["description"])[:72]
        checked.append(item)
    return checked


def list_request(message: OutboundMessage) -> dict[str, Any]:
    """An interactive list: ``payload["list"] = {"button": "Opciones", "rows": [{"id",
    "title", "description"?}]}`` (one section, at most 10 rows)."""
    spec = dict(message.payload["list"])
    button = str(spec.get("button") or "")
    if not button or len(button) > MAX_LIST_BUTTON_CHARS:
        raise _rejected(f"a list needs a button text of at most {MAX_LIST_BUTTON_CHARS} characters")
    interactive = {
        "type": "list",
        "body": {"text": _text_with_link(message)},
        "action": {"button": button, "sections": [{"rows": _checked_rows(list(spec["rows"]))}]},
    }
    return _envelope(message, "interactive", interactive)


def build_request(message: OutboundMessage, *, now: datetime) -> dict[str, Any]:
    """Free text, buttons or a list inside the window; the approved template outside it (or
    when the message is one); a permanent ``template_required`` error when outside with no
    template."""
    inside = in_customer_service_window(message.last_inbound_at, now)
    if inside and message.payload.get("buttons"):
        return buttons_request(message)
    if inside and message.payload.get("list"):
        return list_request(message)
    if inside and message.body:
        return text_request(message)
    if message.payload.get("template_name"):
        return template_request(message)
    reason = "an empty message" if inside else "outside the 24-hour window"
    raise ProviderError(
        f"whatsapp_cloud: {reason} and no approved template to send",
        permanent=True,
        code=CODE_TEMPLATE_REQUIRED,
    )
