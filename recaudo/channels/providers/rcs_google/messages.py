"""The ``AgentMessage`` body RBM takes, built from an outbound message. Pure functions."""

import uuid
from typing import Any

from django.utils.translation import gettext

from recaudo.channels.base import OutboundMessage, ProviderError
from recaudo.channels.http_errors import CODE_REJECTED

RICH_CARD_FEATURE = "RICHCARD_STANDALONE"
OPEN_URL_FEATURE = "ACTION_OPEN_URL"
MAX_CARD_SUGGESTIONS = 4
MAX_TEXT_SUGGESTIONS = 11
MAX_SUGGESTION_TEXT_CHARS = 25
MAX_CARD_TITLE_CHARS = 200
OPEN_LINK_POSTBACK = "open_link"


def message_uuid(message_id: int, *, installation: str) -> str:
    """RBM wants a UUID per message and ignores a repeated one: derive it from the outbox id
    (and the installation's public URL, so two installations sharing an agent never clash)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{installation.rstrip('/')}/messages/{message_id}"))


def card_title(message: OutboundMessage) -> str:
    payload = message.payload
    title = str(payload.get("title") or payload.get("creditor_name") or message.subject or "")
    return title[:MAX_CARD_TITLE_CHARS]


def _suggestion_text(text: str) -> str:
    if not text or len(text) > MAX_SUGGESTION_TEXT_CHARS:
        raise ProviderError(
            f"rcs_google: a suggestion needs a text of at most {MAX_SUGGESTION_TEXT_CHARS} "
            f"characters: {text!r}",
            permanent=True,
            code=CODE_REJECTED,
        )
    return text


def _reply(text: str, postback: str) -> dict[str, Any]:
    return {"reply": {"text": _suggestion_text(text), "postbackData": postback}}


def _open_url(text: str, postback: str, url: str) -> dict[str, Any]:
    return {
        "action": {
            "text": _suggestion_text(text),
            "postbackData": postback,
            "openUrlAction": {"url": url},
        }
    }


def suggestions(
    message: OutboundMessage, *, open_url: bool = True, limit: int = MAX_CARD_SUGGESTIONS
) -> list[dict[str, Any]]:
    """A suggestion per payload button (one that opens its ``url`` when it has one and the
    device can), then an open-URL action for the payload's link unless a button opens it."""
    found: list[dict[str, Any]] = []
    opened: set[str] = set()
    for button in message.payload.get("buttons") or []:
        title, postback = str(button.get("title") or ""), str(button.get("id") or "")
        url = str(button.get("url") or "")
        if url and open_url:
            found.append(_open_url(title, postback, url))
            opened.add(url)
        else:
            found.append(_reply(title, postback))
    link = str(message.payload.get("link") or "")
    if link and open_url and link not in opened:
        text = str(message.payload.get("link_title") or gettext("Open link"))
        found.append(_open_url(text, OPEN_LINK_POSTBACK, link))
    if len(found) > limit:
        raise ProviderError(
            f"rcs_google: at most {limit} suggestions, got {len(found)}",
            permanent=True,
            code=CODE_REJECTED,
        )
    return found


def message_text(message: OutboundMessage, *, open_url: bool) -> str:
    """The text; the link goes into it when the device cannot open URLs from a suggestion."""
    link = str(message.payload.get("link") or "")
    if not link or open_url or link in message.body:
        return message.body
    return f"{message.body}\n{link}".strip()


def rich_card_message(message: OutboundMessage, *, open_url: bool = True) -> dict[str, Any]:
    content: dict[str, Any] = {"description": message_text(message, open_url=open_url)}
    title = card_title(message)
    if title:
        content = {"title": title, **content}
    found = suggestions(message, open_url=open_url)
    if found:
        content["suggestions"] = found
    card = {"standaloneCard": {"cardOrientation": "VERTICAL", "cardContent": content}}
    return {"contentMessage": {"richCard": card}}


def text_message(message: OutboundMessage, *, open_url: bool = True) -> dict[str, Any]:
    content: dict[str, Any] = {"text": message_text(message, open_url=open_url)}
    found = suggestions(message, open_url=open_url, limit=MAX_TEXT_SUGGESTIONS)
    if found:
        content["suggestions"] = found
    return {"contentMessage": content}


def _suggestion_count(message: OutboundMessage) -> int:
    buttons = message.payload.get("buttons") or []
    return len(buttons) + (1 if message.payload.get("link") else 0)


def agent_message(message: OutboundMessage, *, features: frozenset[str]) -> dict[str, Any]:
    """A rich card when the device shows them, plain text otherwise; links open from
    suggestions when the device supports it, and sit in the text otherwise. A card takes 4
    suggestions; more (up to 11 suggested replies) go with a text message."""
    open_url = OPEN_URL_FEATURE in features
    if RICH_CARD_FEATURE in features and _suggestion_count(message) <= MAX_CARD_SUGGESTIONS:
        return rich_card_message(message, open_url=open_url)
    return text_message(message, open_url=open_url)
