"""Factories and stand-ins for the channel tests."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from recaudo.channels.actions import queue_message
from recaudo.channels.base import OutboundMessage, Provider, ProviderError, SendResult
from recaudo.channels.models import Message
from recaudo.customers.models import ContactPoint
from recaudo.policy.types import Decision
from tests.factories import make_account, make_contact_point

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 10:00 in Bogotá, a Tuesday


def make_message(contact_point: ContactPoint | None = None, **fields: Any) -> Message:
    if contact_point is None:
        account = fields.pop("account", None) or make_account()
        contact_point = make_contact_point(account.customer)
        fields["account"] = account
    fields.setdefault("channel", "sms")
    fields.setdefault("body", "Hola María, le recordamos su pago.")
    message, _ = queue_message(contact_point, **fields)
    return message


def allow(message: Message, at: dt.datetime) -> Decision:
    return Decision(True, "allowed", "", (), None)


def refuse_until(later: dt.datetime | None, rule: str = "hours") -> Callable[..., Decision]:
    def check(message: Message, at: dt.datetime) -> Decision:
        return Decision(False, rule, "Ley 2300 de 2023, art. 3", ("outside hours",), later)

    return check


class RecordingProvider(Provider):
    """Records what it was asked to send; optionally raises the next errors in ``errors``."""

    kind = "recording"
    channels = ("sms", "whatsapp", "rcs", "email")

    def __init__(self, errors: list[Exception] | None = None) -> None:
        self.sent: list[OutboundMessage] = []
        self.errors = list(errors or [])

    def send(self, message: OutboundMessage) -> SendResult:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(message)
        return SendResult(provider_message_id=f"rec-{message.id}")


def transient(text: str = "timeout") -> ProviderError:
    return ProviderError(text)


def permanent(code: str = "invalid_number") -> ProviderError:
    return ProviderError("the number does not exist", permanent=True, code=code)
