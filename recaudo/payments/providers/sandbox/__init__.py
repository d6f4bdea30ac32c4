"""The sandbox provider: Recaudo's own test checkout page, for the demo and the tests.

``/pay/sandbox/<public_id>/`` shows a fake card form. Its submit builds a notice signed with
HMAC-SHA256 (``RECAUDO_SANDBOX_PAYMENT_SECRET``, derived from SECRET_KEY when empty) and hands
it to the same webhook processing as the real providers, so the whole path is exercised.
"""

import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from recaudo.payments.base import (
    NoticeStatus,
    PaymentNotice,
    PaymentProvider,
    WebhookRequest,
)

if TYPE_CHECKING:
    from recaudo.payments.models import Checkout

SIGNATURE_HEADER = "X-Sandbox-Signature"
# Test cards shown on the page: one approves, one declines.
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def sandbox_secret() -> str:
    configured = str(getattr(settings, "RECAUDO_SANDBOX_PAYMENT_SECRET", "") or "")
    if configured:
        return configured
    return salted_hmac("recaudo.payments.sandbox", "webhook", algorithm="sha256").hexdigest()


def sign(body: bytes) -> str:
    return hmac.new(sandbox_secret().encode(), body, hashlib.sha256).hexdigest()


def notice_body(checkout: "Checkout", *, approved: bool, at: datetime) -> bytes:
    """The JSON the sandbox "sends" for one card submission of ``checkout``."""
    payment_id = f"sbx_{checkout.public_id}"
    status = NoticeStatus.PAID if approved else NoticeStatus.FAILED
    document: dict[str, Any] = {
        "event_id": f"{payment_id}:{status}",
        "payment_id": payment_id,
        "checkout": checkout.public_id,
        "amount": str(checkout.amount),
        "currency": checkout.currency,
        "status": status,
        "at": at.isoformat(),
    }
    return json.dumps(document, sort_keys=True).encode()


class SandboxProvider(PaymentProvider):
    kind = "sandbox"

    def create_checkout(
        self, checkout: "Checkout", *, success_url: str, cancel_url: str
    ) -> tuple[str, str]:
        base = settings.RECAUDO_PUBLIC_URL.rstrip("/")
        path = reverse("payments_sandbox", kwargs={"public_id": checkout.public_id})
        return checkout.public_id, base + path

    def verify(self, request: WebhookRequest) -> bool:
        received = request.header(SIGNATURE_HEADER)
        return bool(received) and hmac.compare_digest(received, sign(request.body))

    def parse(self, request: WebhookRequest) -> list[PaymentNotice]:
        document = json.loads(request.body)
        return [
            PaymentNotice(
                provider_payment_id=str(document["payment_id"]),
                checkout_public_id=str(document["checkout"]),
                amount=Decimal(str(document["amount"])),
                currency=str(document["currency"]),
                paid_at=datetime.fromisoformat(str(document["at"])),
                status=str(document["status"]),
                event_id=str(document["event_id"]),
            )
        ]
