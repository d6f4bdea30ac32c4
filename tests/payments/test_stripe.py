"""Stripe Checkout: the exact request to a loopback server playing the Stripe API (zero-decimal
CLP, idempotency key), and webhooks signed with the SDK's own helper."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe
import time_machine
from django.test import Client

from recaudo.channels.models import Message
from recaudo.debts.models import Payment
from recaudo.payments.actions import start_checkout
from recaudo.payments.base import PaymentProviderError
from recaudo.payments.models import Checkout, CheckoutStatus, PaymentWebhookEvent
from tests.channels.providers.loopback_google import LoopbackServer
from tests.payments.helpers import owing_account

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parents[1] / "fixtures" / "providers" / "stripe"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SECRET_KEY = "sk_test_recaudo"
WEBHOOK_SECRET = "whsec_test_recaudo"
SESSIONS = "/v1/checkout/sessions"
HOOK = "/payments/hooks/stripe/"
SESSION_ID = "cs_test_a1b2c3"
SESSION_URL = "https://checkout.stripe.com/c/pay/cs_test_a1b2c3"


@pytest.fixture(autouse=True)
def _frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stripe_api(settings: Any) -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        settings.RECAUDO_PAYMENT_PROVIDER = "stripe"
        settings.STRIPE = {
            "secret_key": SECRET_KEY,
            "webhook_secret": WEBHOOK_SECRET,
            "api_base": server.url,
        }
        server.reply(
            "POST",
            SESSIONS,
            json={"id": SESSION_ID, "object": "checkout.session", "url": SESSION_URL},
        )
        yield server


def test_a_clp_checkout_is_the_exact_session_request(stripe_api: LoopbackServer) -> None:
    account = owing_account(currency="CLP", balance="250000", name="Financiera Austral")

    checkout = start_checkout(account, amount=Decimal("150000"))

    assert (checkout.provider, checkout.provider_reference, checkout.url) == (
        "stripe",
        SESSION_ID,
        SESSION_URL,
    )
    [request] = stripe_api.requests
    assert (request.method, request.path) == ("POST", SESSIONS)
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["idempotency-key"] == checkout.public_id
    back = f"http://127.0.0.1:8000/pay/return/{checkout.public_id}/"
    meta = {"checkout": checkout.public_id, "account": account.external_id, "purpose": "payment"}
    assert request.form() == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "clp",
        # CLP has no minor unit: 150000 pesos are 150000, not 15000000.
        "line_items[0][price_data][unit_amount]": "150000",
        "line_items[0][price_data][product_data][name]": f"Financiera Austral · {account.external_id}",
        "client_reference_id": checkout.public_id,
        **{f"metadata[{key}]": value for key, value in meta.items()},
        **{f"payment_intent_data[metadata][{key}]": value for key, value in meta.items()},
        "success_url": back,
        "cancel_url": back + "?cancelled=1",
        "locale": "es",
    }


def test_cop_is_sent_in_cents(stripe_api: LoopbackServer) -> None:
    start_checkout(owing_account(currency="COP"), amount=Decimal("150000.50"))

    assert stripe_api.requests[0].form()["line_items[0][price_data][unit_amount]"] == "15000050"


def test_a_double_click_asks_stripe_once(stripe_api: LoopbackServer) -> None:
    account = owing_account()

    first = start_checkout(account, amount=Decimal("150000"))
    second = start_checkout(account, amount=Decimal("150000"))

    assert first.pk == second.pk
    assert len(stripe_api.requests) == 1


def test_a_refused_session_fails_the_checkout(stripe_api: LoopbackServer) -> None:
    stripe_api.routes.clear()
    stripe_api.reply(
        "POST",
        SESSIONS,
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Invalid currency"}},
    )

    with pytest.raises(PaymentProviderError) as error:
        start_checkout(owing_account(), amount=Decimal("150000"))

    assert error.value.permanent
    assert Checkout.objects.get().status == CheckoutStatus.FAILED


def event(checkout: Checkout, kind: str, *, payment_status: str = "paid", **session: Any) -> str:
    from recaudo.lib.money import to_minor_units

    values = {
        "id": SESSION_ID,
        "object": "checkout.session",
        "client_reference_id": checkout.public_id,
        "amount_total": to_minor_units(checkout.amount, checkout.currency),
        "currency": checkout.currency.lower(),
        "payment_intent": "pi_3Nabc",
        "payment_status": payment_status,
        "metadata": {"checkout": checkout.public_id},
    }
    return json.dumps(
        {
            "id": f"evt_{kind.rsplit('.', 1)[-1]}_1",
            "object": "event",
            "type": kind,
            "created": int(NOW.timestamp()),
            "data": {"object": values | session},
        }
    )


def post_event(client: Client, payload: str, *, secret: str = WEBHOOK_SECRET) -> int:
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    response = client.post(
        HOOK, payload, content_type="application/json", headers={"Stripe-Signature": header}
    )
    return response.status_code


def test_a_completed_session_records_the_payment_once(
    client: Client, stripe_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(currency="CLP"), amount=Decimal("150000"))
    payload = event(checkout, "checkout.session.completed")

    assert post_event(client, payload) == 200
    assert post_event(client, payload) == 200

    [payment] = Payment.objects.all()
    assert payment.external_reference == "stripe:pi_3Nabc"
    assert payment.amount == Decimal("150000")
    assert payment.paid_at == NOW
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert Message.objects.count() == 1


def test_an_async_payment_waits_for_its_outcome(client: Client, stripe_api: LoopbackServer) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))

    completed = event(checkout, "checkout.session.completed", payment_status="unpaid")
    assert post_event(client, completed) == 200
    assert not Payment.objects.exists()
    assert PaymentWebhookEvent.objects.get().applied is False

    succeeded = event(checkout, "checkout.session.async_payment_succeeded")
    assert post_event(client, succeeded) == 200
    assert Payment.objects.count() == 1


def test_an_async_failure_fails_the_checkout(client: Client, stripe_api: LoopbackServer) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))

    payload = event(checkout, "checkout.session.async_payment_failed", payment_status="unpaid")
    assert post_event(client, payload) == 200

    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.FAILED
    assert not Payment.objects.exists()


def test_a_bad_signature_is_403(client: Client, stripe_api: LoopbackServer) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))
    payload = event(checkout, "checkout.session.completed")

    assert post_event(client, payload, secret="whsec_someone_else") == 403
    assert client.post(HOOK, payload, content_type="application/json").status_code == 403
    assert not Payment.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()


def test_other_events_are_acknowledged_and_ignored(
    client: Client, stripe_api: LoopbackServer
) -> None:
    payload = json.dumps({"id": "evt_x", "type": "charge.refunded", "data": {"object": {}}})

    assert post_event(client, payload) == 200
    assert not PaymentWebhookEvent.objects.exists()


def test_the_recorded_completed_event_records_the_payment(
    client: Client, stripe_api: LoopbackServer
) -> None:
    checkout = start_checkout(owing_account(currency="CLP"), amount=Decimal("150000"))
    recorded = (FIXTURES / "checkout_session_completed.json").read_text()
    payload = recorded.replace("PUBLIC_ID", checkout.public_id)

    assert post_event(client, payload) == 200

    payment = Payment.objects.get()
    assert payment.external_reference == "stripe:pi_3R9xKaLkdIwHu7ix0x4bT9Zq"
    assert (payment.amount, payment.paid_at) == (Decimal("150000"), NOW)
