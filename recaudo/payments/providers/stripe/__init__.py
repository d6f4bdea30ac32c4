"""Stripe Checkout through the official ``stripe`` SDK.

A checkout is a Checkout Session in ``payment`` mode with one line item priced in the currency's
minor units (none for zero-decimal currencies such as CLP), ``client_reference_id`` = our
``public_id``, and the ``public_id`` as idempotency key. The webhook is verified with the SDK's
``stripe.Webhook.construct_event`` and carries the whole session, so nothing is fetched back.

Settings: ``STRIPE["secret_key"]`` (``sk_...``), ``STRIPE["webhook_secret"]`` (``whsec_...``),
``STRIPE["api_base"]`` (tests only: a loopback server playing the API).
"""

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings

from recaudo.lib.http import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from recaudo.lib.money import from_minor_units, to_minor_units
from recaudo.payments.base import (
    NoticeStatus,
    PaymentNotice,
    PaymentProvider,
    PaymentProviderError,
    WebhookRequest,
)

if TYPE_CHECKING:
    from recaudo.payments.models import Checkout

SIGNATURE_HEADER = "Stripe-Signature"
# Seconds a signed webhook stays valid (Stripe's default tolerance).
TOLERANCE_SECONDS = 300
COMPLETED = "checkout.session.completed"
ASYNC_SUCCEEDED = "checkout.session.async_payment_succeeded"
ASYNC_FAILED = "checkout.session.async_payment_failed"
EXPIRED = "checkout.session.expired"


def _config() -> dict[str, str]:
    return dict(getattr(settings, "STRIPE", {}) or {})


def client() -> stripe.StripeClient:
    config = _config()
    base_addresses: Any = {"api": config["api_base"]} if config.get("api_base") else {}
    return stripe.StripeClient(
        config.get("secret_key", ""),
        base_addresses=base_addresses,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
        max_network_retries=2,
    )


def session_params(checkout: "Checkout", *, success_url: str, cancel_url: str) -> dict[str, Any]:
    account = checkout.account
    description = f"{account.creditor.name} · {account.external_id}"
    metadata = {
        "checkout": checkout.public_id,
        "account": account.external_id,
        "purpose": checkout.purpose,
    }
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": checkout.currency.lower(),
                    "unit_amount": to_minor_units(checkout.amount, checkout.currency),
                    "product_data": {"name": description},
                },
            }
        ],
        "client_reference_id": checkout.public_id,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": "es",
    }


class StripeProvider(PaymentProvider):
    kind = "stripe"
    required_settings = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")

    @classmethod
    def missing_settings(cls) -> list[str]:
        config = _config()
        names = {"STRIPE_SECRET_KEY": "secret_key", "STRIPE_WEBHOOK_SECRET": "webhook_secret"}
        return [variable for variable, key in names.items() if not config.get(key)]

    def create_checkout(
        self, checkout: "Checkout", *, success_url: str, cancel_url: str
    ) -> tuple[str, str]:
        params = session_params(checkout, success_url=success_url, cancel_url=cancel_url)
        try:
            session = client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": checkout.public_id},
            )
        except (stripe.InvalidRequestError, stripe.AuthenticationError) as error:
            raise PaymentProviderError(f"Stripe refused: {error}", permanent=True) from error
        except stripe.StripeError as error:
            raise PaymentProviderError(f"Stripe failed: {error}") from error
        if not session.url:
            raise PaymentProviderError("Stripe answered a session without url")
        return session.id, session.url

    def verify(self, request: WebhookRequest) -> bool:
        secret = _config().get("webhook_secret", "")
        if not secret:
            return False
        try:
            stripe.Webhook.construct_event(
                request.body, request.header(SIGNATURE_HEADER), secret, TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, ValueError, KeyError, IndexError):
            return False
        return True

    def parse(self, request: WebhookRequest) -> list[PaymentNotice]:
        event = json.loads(request.body)
        kind = event.get("type")
        session = (event.get("data") or {}).get("object") or {}
        if kind == COMPLETED:
            # Cards are paid at once; bank debits and vouchers complete "unpaid" and follow
            # with async_payment_succeeded or async_payment_failed.
            paid = session.get("payment_status") in ("paid", "no_payment_required")
            status = NoticeStatus.PAID if paid else NoticeStatus.PENDING
        elif kind == ASYNC_SUCCEEDED:
            status = NoticeStatus.PAID
        elif kind == ASYNC_FAILED:
            status = NoticeStatus.FAILED
        elif kind == EXPIRED:
            status = NoticeStatus.EXPIRED
        else:
            return []
        public_id = session.get("client_reference_id") or (session.get("metadata") or {}).get(
            "checkout"
        )
        if not public_id:
            return []  # a session some other integration opened on this Stripe account
        currency = str(session.get("currency") or "").upper()
        amount = from_minor_units(int(session.get("amount_total") or 0), currency)
        payment_id = session.get("payment_intent") or session.get("id")
        return [
            PaymentNotice(
                provider_payment_id=str(payment_id),
                checkout_public_id=str(public_id),
                amount=amount,
                currency=currency,
                paid_at=datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC),
                status=status,
                event_id=str(event["id"]),
            )
        ]
