"""Mercado Pago Checkout Pro through the official ``mercadopago`` SDK.

A checkout is a preference (one item, ``external_reference`` = our ``public_id``, back URLs to the
return page, ``notification_url`` to our webhook); the customer goes to its ``init_point``. The
public_id is also the ``x-idempotency-key``.

Mercado Pago's webhook says only "payment <id> changed": it is verified with the ``x-signature``
header (``ts=...,v1=...``: HMAC-SHA256 with the webhook secret of the manifest
``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``, checked by the SDK's
``WebhookSignatureValidator``), then the payment is fetched with ``sdk.payment().get(id)`` so
status, amount and external_reference come from Mercado Pago itself.

Settings: ``MERCADOPAGO["access_token"]``, ``MERCADOPAGO["webhook_secret"]``,
``MERCADOPAGO["api_base"]`` (tests only: a loopback server playing the API).
"""

import datetime as dt
import json
import logging
import warnings
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import mercadopago
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from mercadopago.config import RequestOptions
from mercadopago.http import HttpClient
from mercadopago.webhook import InvalidWebhookSignatureError, WebhookSignatureValidator

from recaudo.lib.http import READ_TIMEOUT_SECONDS
from recaudo.lib.money import minor_unit
from recaudo.payments.base import (
    NoticeStatus,
    PaymentNotice,
    PaymentProvider,
    PaymentProviderError,
    WebhookRequest,
)

if TYPE_CHECKING:
    from recaudo.payments.models import Checkout

logger = logging.getLogger(__name__)

SDK_API_BASE = "https://api.mercadopago.com"
PAID_STATUSES = {"approved"}
FAILED_STATUSES = {"rejected", "cancelled"}
REVERSED_STATUSES = {"refunded", "charged_back"}
# A preference cannot be paid after this long (one is paid at most once on our side anyway).
PREFERENCE_LIFETIME = timedelta(hours=24)
# Seconds a signed webhook stays valid (as Stripe's).
TOLERANCE_SECONDS = 300


def _config() -> dict[str, str]:
    return dict(getattr(settings, "MERCADOPAGO", {}) or {})


class _RebasedHttpClient(HttpClient):
    """The SDK's client, sending to ``api_base`` instead of api.mercadopago.com (tests)."""

    def __init__(self, api_base: str) -> None:
        self.api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(SDK_API_BASE):
            url = self.api_base + url[len(SDK_API_BASE) :]
        return super().request(method, url, *args, **kwargs)


def sdk(*, idempotency_key: str | None = None) -> mercadopago.SDK:
    config = _config()
    options = RequestOptions(
        access_token=config.get("access_token", ""),
        connection_timeout=READ_TIMEOUT_SECONDS,
        max_retries=2,
        custom_headers={"x-idempotency-key": idempotency_key} if idempotency_key else None,
    )
    api_base = config.get("api_base", "")
    http_client = _RebasedHttpClient(api_base) if api_base else None
    return mercadopago.SDK(
        config.get("access_token", ""), http_client=http_client, request_options=options
    )


def _number(amount: Decimal, currency: str) -> int | float:
    """The JSON number for ``amount`` (the SDK encodes with the standard JSON encoder)."""
    if minor_unit(currency) == 0 or amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def preference(checkout: "Checkout", *, success_url: str, cancel_url: str) -> dict[str, Any]:
    account = checkout.account
    hook = settings.RECAUDO_PUBLIC_URL.rstrip("/") + reverse(
        "payments_webhook", kwargs={"kind": MercadoPagoProvider.kind}
    )
    return {
        "items": [
            {
                "id": account.external_id,
                "title": f"{account.creditor.name} · {account.external_id}",
                "quantity": 1,
                "currency_id": checkout.currency,
                "unit_price": _number(checkout.amount, checkout.currency),
            }
        ],
        "external_reference": checkout.public_id,
        "back_urls": {"success": success_url, "pending": success_url, "failure": cancel_url},
        "auto_return": "approved",
        "notification_url": f"{hook}?source_news=webhooks",
        "metadata": {"checkout": checkout.public_id, "purpose": checkout.purpose},
        "expires": True,
        "expiration_date_to": _iso((checkout.created_at or timezone.now()) + PREFERENCE_LIFETIME),
    }


def _iso(moment: datetime) -> str:
    """Mercado Pago's date format: ``2026-12-02T15:00:00.000+00:00``."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _data_id(request: WebhookRequest) -> str:
    """The notified resource id: ``data.id`` in the query string (what the signature covers),
    else in the JSON body."""
    if request.query.get("data.id"):
        return request.query["data.id"]
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        return ""
    data = document.get("data") if isinstance(document, dict) else None
    return str((data or {}).get("id") or "")


def _topic(request: WebhookRequest) -> str:
    topic = request.query.get("type") or request.query.get("topic") or ""
    if topic:
        return topic
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        return ""
    return str(document.get("type") or "") if isinstance(document, dict) else ""


class MercadoPagoProvider(PaymentProvider):
    kind = "mercadopago"
    required_settings = ("MERCADOPAGO_ACCESS_TOKEN", "MERCADOPAGO_WEBHOOK_SECRET")

    @classmethod
    def missing_settings(cls) -> list[str]:
        config = _config()
        names = {
            "MERCADOPAGO_ACCESS_TOKEN": "access_token",
            "MERCADOPAGO_WEBHOOK_SECRET": "webhook_secret",
        }
        return [variable for variable, key in names.items() if not config.get(key)]

    def create_checkout(
        self, checkout: "Checkout", *, success_url: str, cancel_url: str
    ) -> tuple[str, str]:
        body = preference(checkout, success_url=success_url, cancel_url=cancel_url)
        try:
            with warnings.catch_warnings():
                # The SDK deprecates notification_url in favour of the panel's webhook; we set
                # it anyway so each installation needs no panel configuration to get notices.
                warnings.simplefilter("ignore", DeprecationWarning)
                result = sdk(idempotency_key=checkout.public_id).preference().create(body)
        except Exception as error:  # the SDK raises requests' and its own errors
            raise PaymentProviderError(f"Mercado Pago failed: {error}") from error
        status = int(result.get("status") or 0)
        response = result.get("response") or {}
        if status not in (200, 201) or not response.get("init_point"):
            raise PaymentProviderError(
                f"Mercado Pago answered {status}: {response.get('message', '')}",
                permanent=400 <= status < 500 and status not in (408, 429),
            )
        return str(response["id"]), str(response["init_point"])

    def verify(self, request: WebhookRequest) -> bool:
        secret = _config().get("webhook_secret", "")
        if not secret:
            return False
        data_id = _data_id(request)
        try:
            WebhookSignatureValidator.validate(
                request.header("x-signature"),
                request.header("x-request-id") or None,
                # Mercado Pago signs alphanumeric ids in lower case.
                data_id.lower() if data_id else None,
                secret,
                tolerance_seconds=TOLERANCE_SECONDS,
            )
        except InvalidWebhookSignatureError:
            return False
        return True

    def parse(self, request: WebhookRequest) -> list[PaymentNotice]:
        if _topic(request) != "payment":
            return []  # merchant orders, chargebacks...: the payment notice follows on its own
        payment_id = _data_id(request)
        if not payment_id:
            return []
        try:
            result = sdk().payment().get(payment_id)
        except Exception as error:
            raise PaymentProviderError(f"Mercado Pago lookup failed: {error}") from error
        if int(result.get("status") or 0) == 404:
            # Not a payment of this account (the panel's "simulate" sends made-up ids).
            logger.warning("Mercado Pago notified payment %s, which it does not know", payment_id)
            return []
        if int(result.get("status") or 0) != 200:
            raise PaymentProviderError(f"Mercado Pago lookup answered {result.get('status')}")
        payment = result.get("response") or {}
        public_id = payment.get("external_reference")
        if not public_id:
            return []
        state = str(payment.get("status") or "")
        if state in PAID_STATUSES:
            status = NoticeStatus.PAID
        elif state in REVERSED_STATUSES:
            status = NoticeStatus.REVERSED
        elif state in FAILED_STATUSES:
            status = NoticeStatus.FAILED
        else:
            status = NoticeStatus.PENDING
        when = payment.get("date_approved") or payment.get("date_last_updated")
        paid_at = datetime.fromisoformat(when) if when else timezone.now()
        return [
            PaymentNotice(
                provider_payment_id=str(payment.get("id") or payment_id),
                checkout_public_id=str(public_id),
                amount=Decimal(str(payment.get("transaction_amount"))),
                currency=str(payment.get("currency_id") or ""),
                paid_at=paid_at,
                status=status,
                event_id=f"payment:{payment.get('id') or payment_id}:{state}",
            )
        ]
