"""Mercado Pago Checkout Pro: the exact preference request to a loopback server playing the
API, and webhooks signed as Mercado Pago signs them (``x-signature``), checked by the SDK's
validator, after which the payment is fetched from the API and only its data is trusted."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from recaudo.channels.models import Message
from recaudo.debts.models import Payment
from recaudo.payments.actions import start_checkout
from recaudo.payments.models import Checkout, CheckoutStatus, PaymentWebhookEvent
from recaudo.staff.models import Task, TaskKind
from tests.channels.providers.loopback_google import LoopbackServer
from tests.payments.helpers import owing_account

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parents[1] / "fixtures" / "providers" / "mercadopago"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
ACCESS_TOKEN = "APP_USR-test-token"
WEBHOOK_SECRET = "mp-webhook-secret"
PREFERENCES = "/checkout/preferences"
PREFERENCE_ID = "202809963-920c288b-4ebb-40be-966f-700250fa5370"
INIT_POINT = f"https://www.mercadopago.com.co/checkout/v1/redirect?pref_id={PREFERENCE_ID}"
PAYMENT_ID = "1316783442"
HOOK = "/payments/hooks/mercadopago/"


@pytest.fixture(autouse=True)
def _frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mp_api(settings: Any) -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        settings.RECAUDO_PAYMENT_PROVIDER = "mercadopago"
        settings.MERCADOPAGO = {
            "access_token": ACCESS_TOKEN,
            "webhook_secret": WEBHOOK_SECRET,
            "api_base": server.url,
        }
        server.reply(
            "POST", PREFERENCES, status=201, json={"id": PREFERENCE_ID, "init_point": INIT_POINT}
        )
        yield server


def test_a_checkout_is_the_exact_preference_request(mp_api: LoopbackServer) -> None:
    account = owing_account(currency="COP", name="Banco Andino")

    checkout = start_checkout(account, amount=Decimal("150000"))

    assert (checkout.provider_reference, checkout.url) == (PREFERENCE_ID, INIT_POINT)
    [request] = mp_api.requests
    assert (request.method, request.path) == ("POST", PREFERENCES)
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["x-idempotency-key"] == checkout.public_id
    back = f"http://127.0.0.1:8000/pay/return/{checkout.public_id}/"
    assert request.json() == {
        "items": [
            {
                "id": account.external_id,
                "title": f"Banco Andino · {account.external_id}",
                "quantity": 1,
                "currency_id": "COP",
                "unit_price": 150000,
            }
        ],
        "external_reference": checkout.public_id,
        "back_urls": {"success": back, "pending": back, "failure": back + "?cancelled=1"},
        "auto_return": "approved",
        "notification_url": "http://127.0.0.1:8000/payments/hooks/mercadopago/?source_news=webhooks",
        "metadata": {"checkout": checkout.public_id, "purpose": "payment"},
        # A preference left open can be paid again and again: it expires after a day.
        "expires": True,
        "expiration_date_to": "2026-03-11T15:00:00.000+00:00",
    }


def signature(data_id: str, request_id: str, ts: str, secret: str = WEBHOOK_SECRET) -> str:
    """``x-signature`` as Mercado Pago builds it (the SDK has a validator, not a signer)."""
    manifest = f"id:{data_id};request-id:{request_id};ts:{ts};"
    digest = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return f"ts={ts},v1={digest}"


def notify(
    client: Client,
    *,
    secret: str = WEBHOOK_SECRET,
    data_id: str = PAYMENT_ID,
    signed_at: datetime = NOW,
) -> int:
    body = json.loads((FIXTURES / "notification_payment_updated.json").read_text())
    body["data"]["id"] = data_id
    request_id = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
    ts = str(int(signed_at.timestamp()))
    response = client.post(
        f"{HOOK}?data.id={data_id}&type=payment",
        json.dumps(body),
        content_type="application/json",
        headers={
            "x-signature": signature(data_id, request_id, ts, secret),
            "x-request-id": request_id,
        },
    )
    return response.status_code


def serve_payment(
    mp_api: LoopbackServer, checkout: Checkout, *, status: str = "approved", amount: Any = 150000
) -> None:
    recorded = (FIXTURES / "payment_approved.json").read_text()
    payment = json.loads(recorded.replace("PUBLIC_ID", checkout.public_id))
    payment |= {"status": status, "transaction_amount": amount, "currency_id": checkout.currency}
    if status != "approved":
        payment |= {"status_detail": "cc_rejected_other_reason", "date_approved": None}
    mp_api.reply("GET", f"/v1/payments/{PAYMENT_ID}", json=payment)


def test_an_approved_payment_is_fetched_and_recorded_once(
    client: Client, mp_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout)

    assert notify(client) == 200
    assert notify(client) == 200

    fetches = mp_api.requests_to(f"/v1/payments/{PAYMENT_ID}")
    assert len(fetches) == 2
    assert fetches[0].headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    [payment] = Payment.objects.all()
    assert payment.external_reference == f"mercadopago:{PAYMENT_ID}"
    assert payment.amount == Decimal("150000")
    assert payment.paid_at == datetime(2026, 3, 10, 14, 58, tzinfo=UTC)
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert PaymentWebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_amount_mercado_pago_reports_is_what_is_recorded(
    client: Client, mp_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout, amount=100000.5)

    assert notify(client) == 200

    assert Payment.objects.get().amount == Decimal("100000.50")


def test_a_rejected_payment_fails_the_checkout(client: Client, mp_api: LoopbackServer) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout, status="rejected")

    assert notify(client) == 200

    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.FAILED
    assert not Payment.objects.exists()


def test_a_bad_signature_is_403_and_nothing_is_fetched(
    client: Client, mp_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout)

    assert notify(client, secret="not-the-secret") == 403

    assert not mp_api.requests_to(f"/v1/payments/{PAYMENT_ID}")
    assert not Payment.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()


def test_a_signature_older_than_five_minutes_is_refused(
    client: Client, mp_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout)

    # A captured notice replayed later: the signature is right, its time is not.
    assert notify(client, signed_at=NOW - timedelta(minutes=6)) == 403
    assert not mp_api.requests_to(f"/v1/payments/{PAYMENT_ID}")
    assert notify(client, signed_at=NOW - timedelta(minutes=4)) == 200
    assert Payment.objects.count() == 1


def test_a_refunded_payment_of_a_paid_checkout_opens_a_review_task(
    client: Client, mp_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    serve_payment(mp_api, checkout)
    assert notify(client) == 200
    serve_payment(mp_api, checkout, status="refunded")

    assert notify(client) == 200
    assert notify(client) == 200  # the same notice again: one task

    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    task = Task.objects.get()
    assert task.kind == TaskKind.REVIEW and task.account == checkout.account
    assert PAYMENT_ID in task.reason


def test_an_api_outage_asks_mercado_pago_to_retry(client: Client, mp_api: LoopbackServer) -> None:
    start_checkout(owing_account(), amount=Decimal("150000"))
    mp_api.reply("GET", f"/v1/payments/{PAYMENT_ID}", status=500, json={"message": "oops"})

    assert notify(client) == 503
    assert not PaymentWebhookEvent.objects.exists()


def test_a_payment_mercado_pago_does_not_know_is_acknowledged(
    client: Client, mp_api: LoopbackServer
) -> None:
    mp_api.reply("GET", "/v1/payments/123456", status=404, json={"message": "not found"})

    assert notify(client, data_id="123456") == 200
    assert not PaymentWebhookEvent.objects.exists()
