"""The sandbox end to end through the Django client: the hosted page, the card submit through
the same webhook path as real providers, the payment recorded, the return page, the receipt;
and the webhook endpoint itself: signatures, unknown checkouts, repeats."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from recaudo.channels.models import Message
from recaudo.debts.models import Payment
from recaudo.payments.actions import start_checkout
from recaudo.payments.base import NoticeStatus
from recaudo.payments.models import Checkout, CheckoutStatus, PaymentWebhookEvent
from recaudo.payments.providers.sandbox import (
    APPROVED_CARD,
    DECLINED_CARD,
    SIGNATURE_HEADER,
    notice_body,
    sign,
)
from recaudo.staff.models import Task, TaskKind
from tests.payments.helpers import owing_account

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
HOOK = "/payments/hooks/sandbox/"


@pytest.fixture(autouse=True)
def _frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def checkout() -> Checkout:
    return start_checkout(owing_account(name="Banco Andino"), amount=Decimal("150000"))


def pay_path(checkout: Checkout) -> str:
    return f"/pay/sandbox/{checkout.public_id}/"


def return_path(checkout: Checkout) -> str:
    return f"/pay/return/{checkout.public_id}/"


def test_paying_with_the_approved_card_records_the_payment_and_says_paid(
    client: Client, checkout: Checkout
) -> None:
    page = client.get(pay_path(checkout))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Banco Andino" in html
    assert "150.000" in html
    assert "Pago de prueba" in html
    assert APPROVED_CARD in html and DECLINED_CARD in html
    assert 'name="viewport"' in html

    submitted = client.post(
        pay_path(checkout), {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
    )

    assert submitted.status_code == 302
    assert submitted["Location"] == return_path(checkout)
    [payment] = Payment.objects.all()
    assert payment.external_reference == f"sandbox:sbx_{checkout.public_id}"
    assert payment.amount == Decimal("150000")
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert PaymentWebhookEvent.objects.filter(provider="sandbox", applied=True).count() == 1
    [receipt] = Message.objects.all()
    assert receipt.dedupe_key == f"payment-receipt:{payment.id}"
    assert "Recibimos su pago" in receipt.subject

    back = client.get(submitted["Location"]).content.decode()
    assert "Pago recibido. ¡Gracias!" in back
    assert "Volver a mis cuentas" in back

    # Paid: the page now sends the customer to the status instead of the form.
    assert client.get(pay_path(checkout))["Location"] == return_path(checkout)


def test_the_declined_card_records_nothing_and_says_failed(
    client: Client, checkout: Checkout
) -> None:
    submitted = client.post(
        pay_path(checkout), {"number": DECLINED_CARD, "expiry": "12/30", "cvc": "123"}
    )

    assert not Payment.objects.exists()
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.FAILED
    assert "No se pudo realizar el pago." in client.get(submitted["Location"]).content.decode()


def test_another_card_number_is_refused_on_the_page(client: Client, checkout: Checkout) -> None:
    page = client.post(pay_path(checkout), {"number": "5555", "expiry": "12/30", "cvc": "123"})

    assert page.status_code == 200
    assert "Use una de las tarjetas de prueba" in page.content.decode()
    assert not PaymentWebhookEvent.objects.exists()


def test_before_the_webhook_the_return_page_says_pending(
    client: Client, checkout: Checkout
) -> None:
    pending = client.get(return_path(checkout))
    cancelled = client.get(return_path(checkout) + "?cancelled=1")

    assert "Estamos confirmando su pago." in pending.content.decode()
    assert pending["Refresh"] == "5"
    assert "El pago no se completó." in cancelled.content.decode()


def test_unknown_public_ids_are_not_found(client: Client) -> None:
    assert client.get("/pay/sandbox/nope/").status_code == 404
    assert client.get("/pay/return/nope/").status_code == 404


def post_hook(client: Client, body: bytes, signature: str | None = None) -> int:
    headers = {SIGNATURE_HEADER: sign(body) if signature is None else signature}
    response = client.post(HOOK, body, content_type="application/json", headers=headers)
    return response.status_code


def test_a_repeated_webhook_answers_200_and_records_nothing_new(
    client: Client, checkout: Checkout
) -> None:
    body = notice_body(checkout, approved=True, at=NOW)

    assert post_hook(client, body) == 200
    assert post_hook(client, body) == 200

    assert Payment.objects.count() == 1
    assert PaymentWebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_a_bad_signature_is_403_and_writes_nothing(client: Client, checkout: Checkout) -> None:
    body = notice_body(checkout, approved=True, at=NOW)

    assert post_hook(client, body, signature="0" * 64) == 403
    assert post_hook(client, body, signature="") == 403

    assert not Payment.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()


def test_an_unknown_checkout_is_logged_answered_200_and_writes_nothing(
    client: Client, checkout: Checkout, caplog: pytest.LogCaptureFixture
) -> None:
    # It used to be 400: a provider retries a refused notice for days, then disables the
    # endpoint; a notice that is not ours is logged and acknowledged.
    document = json.loads(notice_body(checkout, approved=True, at=NOW))
    document["checkout"] = "not-ours"

    assert post_hook(client, json.dumps(document).encode()) == 200

    assert not Payment.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()
    assert "not-ours" in caplog.text


def test_a_notice_that_cannot_be_recorded_is_400_not_500(
    client: Client, checkout: Checkout, caplog: pytest.LogCaptureFixture
) -> None:
    document = json.loads(notice_body(checkout, approved=True, at=NOW))
    document["amount"] = "0"

    assert post_hook(client, json.dumps(document).encode()) == 400

    assert not Payment.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()
    assert "refused" in caplog.text


def test_a_payment_in_another_currency_opens_one_task(client: Client, checkout: Checkout) -> None:
    document = json.loads(notice_body(checkout, approved=True, at=NOW))
    document["currency"] = "USD"
    body = json.dumps(document).encode()

    assert post_hook(client, body) == 200
    document["event_id"] += ":again"  # a second notice about the same payment
    assert post_hook(client, json.dumps(document).encode()) == 200

    assert not Payment.objects.exists()
    task = Task.objects.get()
    assert task.kind == TaskKind.CHECK_PAYMENT and task.account == checkout.account
    assert "USD" in task.reason


def test_a_refund_of_a_paid_checkout_opens_a_review_task(
    client: Client, checkout: Checkout
) -> None:
    assert post_hook(client, notice_body(checkout, approved=True, at=NOW)) == 200
    document = json.loads(notice_body(checkout, approved=True, at=NOW))
    document["status"] = NoticeStatus.REVERSED
    document["event_id"] += ":refunded"

    assert post_hook(client, json.dumps(document).encode()) == 200

    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID
    assert Payment.objects.count() == 1
    task = Task.objects.get()
    assert task.kind == TaskKind.REVIEW and task.account == checkout.account


def test_an_unknown_provider_is_404_and_get_is_not_allowed(client: Client) -> None:
    assert (
        client.post("/payments/hooks/paypal/", b"{}", content_type="application/json").status_code
        == 404
    )
    assert client.get(HOOK).status_code == 405


def test_a_sandbox_notice_cannot_pay_another_providers_checkout(
    client: Client, checkout: Checkout
) -> None:
    Checkout.objects.filter(pk=checkout.pk).update(provider="stripe")

    # Not one of the sandbox's checkouts: ignored (logged, 200 so nobody retries it).
    assert post_hook(client, notice_body(checkout, approved=True, at=NOW)) == 200
    assert not Payment.objects.exists()
