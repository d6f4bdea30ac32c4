"""The one small interface every payment provider implements.

A provider opens a hosted checkout for a ``Checkout`` (its ``public_id`` is the idempotency key
and the reference the provider sends back), verifies a webhook's signature, and parses a webhook
into payment notices. A provider that notifies only an id fetches the payment through its API,
so amounts and statuses always come from the provider, never from the notification body. It
knows nothing of the database: ``webhooks.py`` and ``actions.py`` turn notices into rows.
Register new providers in ``registry.py``.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from recaudo.channels.base import WebhookRequest

if TYPE_CHECKING:
    from recaudo.payments.models import Checkout

__all__ = [
    "NoticeStatus",
    "PaymentNotice",
    "PaymentProvider",
    "PaymentProviderError",
    "WebhookRequest",
]


class PaymentProviderError(Exception):
    """The provider could not open a checkout (or answer a lookup). ``permanent`` errors will
    not go away by trying again (bad credentials, an invalid amount)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NoticeStatus:
    PAID = "paid"
    PENDING = "pending"
    FAILED = "failed"
    EXPIRED = "expired"
    # The money went back after it was paid (a refund, a chargeback).
    REVERSED = "reversed"


@dataclass(frozen=True)
class PaymentNotice:
    """What a verified webhook says about one payment, as the provider confirms it."""

    provider_payment_id: str
    checkout_public_id: str
    amount: Decimal
    currency: str
    paid_at: datetime
    status: str  # NoticeStatus
    # The provider's id for this notification: a retry carries the same one.
    event_id: str


class PaymentProvider(ABC):
    kind: ClassVar[str]
    # Environment variables that must be set for the provider to work.
    required_settings: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def create_checkout(
        self, checkout: "Checkout", *, success_url: str, cancel_url: str
    ) -> tuple[str, str]:
        """Open the hosted checkout; return (provider_reference, url to send the customer to).

        Called again with the same checkout it must not open a second one at the provider
        (``checkout.public_id`` is the idempotency key). Raises PaymentProviderError."""

    @abstractmethod
    def verify(self, request: WebhookRequest) -> bool:
        """Whether the webhook really comes from the provider (its signature checks out)."""

    @abstractmethod
    def parse(self, request: WebhookRequest) -> list[PaymentNotice]:
        """The payments a verified webhook is about; [] for events that do not concern us."""

    @classmethod
    def missing_settings(cls) -> list[str]:
        """The required settings still empty (for the system check)."""
        return []
