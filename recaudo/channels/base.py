"""The one small interface every channel provider implements.

A provider sends one message, verifies a webhook's signature, and parses a webhook into inbound
messages and status updates. It knows nothing of the database: the sender and the webhook view
turn its values into rows. Register new providers in ``registry.py``.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class ProviderError(Exception):
    """A send that did not go through. ``permanent`` errors are never retried (an invalid
    number, an opt-out at the provider, a rejected template); the others back off and retry."""

    def __init__(self, message: str, *, permanent: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class OutboundMessage:
    """What a provider needs to send one message; ``id`` doubles as its idempotency key."""

    id: int
    channel: str
    to: str
    body: str
    subject: str = ""
    # Channel specifics, e.g. {"template_name": ..., "template_language": "es",
    # "template_params": [...], "buttons": [{"id": ..., "title": ...}],
    # "attachments": [{"filename": ..., "content_type": ..., "content_base64": ...}],
    # "html": "...", "link": "https://..."}
    payload: dict[str, Any] = field(default_factory=dict)
    # When the customer last wrote to us on this channel (WhatsApp's 24-hour window).
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # "sent" for most providers; a provider that confirms delivery synchronously may say so.
    status: str = "sent"


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request a provider needs, independent of Django."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    channel: str
    from_address: str
    to_address: str
    body: str
    received_at: datetime
    # e.g. the id of the button the customer pressed, a voice gather's digits or speech.
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str  # one of MessageStatus: sent, delivered, read, failed
    at: datetime
    error: str = ""
    permanent: bool = False
    # A shared error code (see channels/http_errors.py), e.g. "invalid_address".
    code: str = ""
    # False for a call that never connected (busy, no answer): the contact policy does not
    # count it as an attempt where the law says so.
    connected: bool | None = None


@dataclass(frozen=True)
class WebhookBatch:
    inbound: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    # What to answer the provider with (TwiML for voice, a challenge for WhatsApp's
    # subscription check); None means an empty 200.
    response_body: str | None = None
    response_content_type: str = "text/plain"
    # The response is the assistant's answer to the inbound message (a call to our number):
    # the webhook records the message, runs the assistant and answers with its TwiML.
    assistant_answers: bool = False


class Provider(ABC):
    kind: ClassVar[str]
    channels: ClassVar[tuple[str, ...]]
    # Environment variables that must be set for the provider to work.
    required_settings: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def send(self, message: OutboundMessage) -> SendResult:
        """Send it, or raise ProviderError."""

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the webhook really comes from the provider (its signature checks out)."""
        return False

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        """The inbound messages and status updates a verified webhook carries."""
        return WebhookBatch()
