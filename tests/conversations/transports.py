"""Drive a scripted dialogue over a real transport: the web chat endpoint (Django's test
client) or a signed WhatsApp Cloud webhook (the replies read back from the outbox).

``transport`` (a parametrised fixture in ``test_dialogues_over_transports``) gives one of
these; a test says and presses, then reads ``text`` and ``option_ids`` the same way on both.
"""

import hashlib
import hmac
import itertools
import json
from typing import Any

from django.test import Client

from recaudo.channels.models import Direction, Message
from recaudo.customers.models import Customer
from tests.conversations.dialogue import BIRTH_YEAR, DOCUMENT, phone_of

APP_SECRET = "transport-test-app-secret"
PHONE_NUMBER_ID = "106540352242922"
WHATSAPP_SETTINGS = {
    "phone_number_id": PHONE_NUMBER_ID,
    "access_token": "token",
    "app_secret": APP_SECRET,
    "verify_token": "verify",
    "api_base": "http://127.0.0.1:9",
}
_ids = itertools.count(1)


class WebChat:
    """The creditor's web chat page: one browser session, JSON turns."""

    name = "web"

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.client = Client()
        self.turns = f"/chat/{customer.creditor.slug}/turns"
        self.replies: list[dict[str, Any]] = []

    def _post(self, text: str, choice: str) -> None:
        response = self.client.post(
            self.turns,
            json.dumps({"text": text, "choice": choice}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        self.replies = response.json()["replies"]

    def say(self, text: str = "") -> None:
        self._post(text, "")

    def press(self, option_id: str) -> None:
        assert option_id in self.option_ids, (option_id, self.option_ids)
        self._post("", option_id)

    def verify(self) -> None:
        """The web chat knows nobody: the whole document, then the birth year."""
        self.say(DOCUMENT)
        self.say(BIRTH_YEAR)

    @property
    def text(self) -> str:
        return "\n".join(reply["text"] for reply in self.replies)

    @property
    def option_ids(self) -> list[str]:
        return [option["id"] for reply in self.replies for option in reply["options"]]

    def url(self, option_id: str) -> str:
        return next(
            option.get("url", "")
            for reply in self.replies
            for option in reply["options"]
            if option["id"] == option_id
        )


class WhatsApp:
    """The customer's phone writing to the creditor's WhatsApp number: signed Cloud API
    webhooks in, the queued outbound messages (replies and confirmations) read back."""

    name = "whatsapp"

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.client = Client()
        self.phone = phone_of(customer)
        self.sent: list[Message] = []

    def _post(self, content: dict[str, Any]) -> None:
        last = (
            Message.objects.filter(direction=Direction.OUTBOUND)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
            or 0
        )
        message = {
            "from": self.phone.removeprefix("+"),
            "id": f"wamid.transport.{next(_ids)}",
            "timestamp": "1773154800",
        }
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "María"}, "wa_id": message["from"]}],
            "messages": [message | content],
        }
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
            }
        ).encode()
        digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = self.client.post(
            "/hooks/whatsapp_cloud/",
            body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": f"sha256={digest}"},
        )
        assert response.status_code == 200, response.content
        self.sent = list(
            Message.objects.filter(
                direction=Direction.OUTBOUND, id__gt=last, channel="whatsapp"
            ).order_by("id")
        )

    def say(self, text: str = "") -> None:
        self._post({"type": "text", "text": {"body": text or "Hola"}})

    def press(self, option_id: str) -> None:
        offered = self._offered()
        if option_id in offered:
            kind = (
                "button_reply"
                if any(
                    option["id"] == option_id
                    for message in self.sent
                    for option in message.payload.get("buttons", [])
                )
                else "list_reply"
            )
            self._post(
                {
                    "type": "interactive",
                    "interactive": {
                        "type": kind,
                        kind: {"id": option_id, "title": offered[option_id]},
                    },
                }
            )
            return
        # Offered as numbered text (too many options, or a long text): answer the number.
        numbered = self._numbered()
        assert option_id in numbered, (option_id, offered, numbered)
        self.say(str(numbered.index(option_id) + 1))

    def _offered(self) -> dict[str, str]:
        offered: dict[str, str] = {}
        for message in self.sent:
            rows = message.payload.get("buttons", []) + message.payload.get("list", {}).get(
                "rows", []
            )
            offered |= {option["id"]: option["title"] for option in rows}
        return offered

    def _numbered(self) -> list[str]:
        from recaudo.conversations import inbound, render
        from recaudo.conversations.models import Conversation

        conversation = Conversation.objects.filter(channel="whatsapp", address=self.phone).last()
        if conversation is None:
            return []
        return [option["id"] for option in render.choices(inbound.last_options(conversation))]

    def verify(self) -> None:
        """The number is on file (a candidate, never proof): the last digits, then the year."""
        self.say(DOCUMENT[-4:])
        self.say(BIRTH_YEAR)

    @property
    def text(self) -> str:
        return "\n".join(message.body for message in self.sent)

    @property
    def option_ids(self) -> list[str]:
        return list(self._offered()) + [
            option_id for option_id in self._numbered() if option_id not in self._offered()
        ]

    def url(self, option_id: str) -> str:
        """Links go in the text on WhatsApp: the first URL written there."""
        import re

        found = re.search(r"https?://\S+", self.text)
        return found.group(0) if found else ""
