"""start_checkout and confirm_checkout: validation, double clicks, idempotent confirmation,
the amount really paid, and the customer's thank-you receipt."""

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from recaudo.channels.models import Message
from recaudo.debts.models import Payment, PaymentMethod
from recaudo.payments.actions import (
    CheckoutRefused,
    close_checkout,
    confirm_checkout,
    start_checkout,
)
from recaudo.payments.models import Checkout, CheckoutStatus
from tests.factories import make_contact_point
from tests.payments.helpers import email_of, owing_account

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_a_sandbox_checkout_has_an_unguessable_id_and_its_own_page() -> None:
    account = owing_account()

    checkout = start_checkout(account, amount=Decimal("150000"))

    assert checkout.status == CheckoutStatus.OPEN
    assert checkout.provider == "sandbox"
    assert (checkout.currency, checkout.amount) == ("COP", Decimal("150000"))
    assert len(checkout.public_id) >= 22
    assert checkout.url == f"http://127.0.0.1:8000/pay/sandbox/{checkout.public_id}/"
    assert checkout.provider_reference == checkout.public_id
    assert checkout.creditor_id == account.creditor_id


@pytest.mark.django_db
def test_a_double_click_opens_one_checkout() -> None:
    account = owing_account()

    first = start_checkout(account, amount=Decimal("150000"))
    second = start_checkout(account, amount=Decimal("150000"))

    assert first.pk == second.pk
    assert Checkout.objects.count() == 1


@pytest.mark.django_db
def test_another_amount_or_an_old_checkout_opens_a_new_one() -> None:
    account = owing_account()
    first = start_checkout(account, amount=Decimal("150000"))

    other_amount = start_checkout(account, amount=Decimal("100000"))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        later = start_checkout(account, amount=Decimal("150000"))

    assert len({first.pk, other_amount.pk, later.pk}) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("currency", "amount", "code"),
    [
        ("COP", "0", "amount_not_positive"),
        ("COP", "-5", "amount_not_positive"),
        ("COP", "100.001", "amount_precision"),
        ("CLP", "100.5", "amount_precision"),
        ("COP", "500000.01", "amount_too_high"),
    ],
)
def test_amounts_that_cannot_be_paid_are_refused(currency: str, amount: str, code: str) -> None:
    account = owing_account(currency=currency)

    with pytest.raises(CheckoutRefused) as refused:
        start_checkout(account, amount=Decimal(amount))

    assert refused.value.code == code
    assert refused.value.message  # for the customer
    assert not Checkout.objects.exists()


@pytest.mark.django_db
def test_a_down_payment_needs_its_plan_and_is_capped_by_it() -> None:
    from recaudo.debts.models import Plan

    account = owing_account()
    plan = Plan.objects.create(
        account=account,
        kind="instalments",
        total=Decimal("500000"),
        down_payment=Decimal("100000"),
        instalment_count=4,
        instalment_amount=Decimal("100000"),
        first_due_date=NOW.date() + timedelta(days=30),
        actor="customer",
    )

    with pytest.raises(CheckoutRefused, match="plan"):
        start_checkout(account, amount=Decimal("100000"), purpose="plan_down_payment")
    with pytest.raises(CheckoutRefused):
        start_checkout(account, amount=Decimal("100001"), purpose="plan_down_payment", plan=plan)
    checkout = start_checkout(
        account, amount=Decimal("100000"), purpose="plan_down_payment", plan=plan
    )

    assert (checkout.purpose, checkout.plan_id) == ("plan_down_payment", plan.id)


@pytest.mark.django_db
def test_confirming_records_the_payment_once_and_thanks_the_customer_once() -> None:
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))
    paid_at = NOW - timedelta(minutes=1)

    payment = confirm_checkout(
        checkout, provider_payment_id="pi_1", amount=Decimal("150000"), paid_at=paid_at
    )
    again = confirm_checkout(
        checkout, provider_payment_id="pi_1", amount=Decimal("150000"), paid_at=paid_at
    )

    assert again.pk == payment.pk
    assert Payment.objects.count() == 1
    assert payment.external_reference == "sandbox:pi_1"
    assert (payment.method, payment.channel) == (PaymentMethod.PAYMENT_LINK, "sandbox")
    assert payment.amount == Decimal("150000")
    checkout.refresh_from_db()
    assert (checkout.status, checkout.payment_id, checkout.paid_at) == ("paid", payment.id, paid_at)
    account.refresh_from_db()
    assert account.balance == Decimal("350000")
    [receipt] = Message.objects.filter(dedupe_key=f"payment-receipt:{payment.id}")
    assert receipt.channel == "email"
    assert receipt.contact_point == email_of(account)
    assert receipt.payload["purpose"] == "transactional"
    assert receipt.initiated_by_customer
    assert receipt.subject == "Recibimos su pago"
    assert "Camila" in receipt.body and "150.000" in receipt.body and "sandbox:pi_1" in receipt.body


@pytest.mark.django_db
def test_without_an_email_the_receipt_goes_by_sms() -> None:
    account = owing_account(email=False)
    checkout = start_checkout(account, amount=Decimal("150000"))

    confirm_checkout(checkout, provider_payment_id="x", amount=Decimal("150000"), paid_at=NOW)

    [receipt] = Message.objects.all()
    assert (receipt.channel, receipt.subject) == ("sms", "")


@pytest.mark.django_db
def test_a_different_amount_records_what_was_really_paid(caplog: pytest.LogCaptureFixture) -> None:
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))

    with caplog.at_level(logging.WARNING, logger="recaudo.payments.actions"):
        payment = confirm_checkout(
            checkout, provider_payment_id="pi_2", amount=Decimal("120000"), paid_at=NOW
        )

    assert payment.amount == Decimal("120000")
    assert "was paid 120000" in caplog.text


@pytest.mark.django_db
def test_a_closed_checkout_is_never_reopened_and_a_paid_one_never_closed() -> None:
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))
    confirm_checkout(checkout, provider_payment_id="p", amount=Decimal("150000"), paid_at=NOW)

    assert close_checkout(checkout, status=CheckoutStatus.FAILED) is False
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_concurrent_confirmations_record_one_payment() -> None:
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))

    def confirm(_: int) -> int:
        try:
            return confirm_checkout(
                checkout, provider_payment_id="pi_c", amount=Decimal("150000"), paid_at=NOW
            ).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = set(pool.map(confirm, range(2)))

    assert len(ids) == 1
    assert Payment.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_second_provider_payment_on_a_paid_checkout_is_recorded_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A Mercado Pago preference can be paid twice: the second payment is real money. It used
    # to be dropped (the checkout's first payment was returned whatever the provider id).
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))

    first = confirm_checkout(
        checkout, provider_payment_id="mp_1", amount=Decimal("150000"), paid_at=NOW
    )
    with caplog.at_level(logging.WARNING, logger="recaudo.payments.actions"):
        second = confirm_checkout(
            checkout, provider_payment_id="mp_2", amount=Decimal("150000"), paid_at=NOW
        )
    repeated = confirm_checkout(
        checkout, provider_payment_id="mp_2", amount=Decimal("150000"), paid_at=NOW
    )

    assert second.pk != first.pk and repeated.pk == second.pk
    assert sorted(Payment.objects.values_list("external_reference", flat=True)) == [
        "sandbox:mp_1",
        "sandbox:mp_2",
    ]
    checkout.refresh_from_db()
    assert checkout.payment_id == first.pk
    account.refresh_from_db()
    assert account.balance == Decimal("200000")
    assert Message.objects.count() == 2  # one receipt per payment
    assert "paid again" in caplog.text


@pytest.mark.django_db
def test_confirmations_in_sequence_record_one_payment_per_provider_payment() -> None:
    # The invariant of the PostgreSQL-only concurrency test, on any database.
    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))

    ids = {
        confirm_checkout(
            checkout, provider_payment_id="pi_c", amount=Decimal("150000"), paid_at=NOW
        ).pk
        for _ in range(2)
    }

    assert len(ids) == 1
    assert Payment.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_recorded_meanwhile_by_another_process_is_linked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The losing side of the race: the reference was free when checked, then the other
    # process (holding the account lock) recorded it first. What it recorded is returned as
    # not new, linked to the checkout, and nothing is recorded twice.
    import recaudo.debts.actions as debts_actions
    from recaudo.debts.actions import record_payment

    account = owing_account()
    checkout = start_checkout(account, amount=Decimal("150000"))
    other, _new = record_payment(
        account, amount=Decimal("150000"), paid_at=NOW, reference="sandbox:pi_r", actor="api"
    )
    checks = iter([None])
    real_check = debts_actions._payment_with_reference
    monkeypatch.setattr(
        debts_actions,
        "_payment_with_reference",
        lambda *args: next(checks, None) or real_check(*args),
    )

    payment, new = record_payment(
        account, amount=Decimal("150000"), paid_at=NOW, reference="sandbox:pi_r", actor="api"
    )
    assert (payment.pk, new) == (other.pk, False)
    linked = confirm_checkout(
        checkout, provider_payment_id="pi_r", amount=Decimal("150000"), paid_at=NOW
    )

    assert linked.pk == other.pk
    assert Payment.objects.count() == 1
    checkout.refresh_from_db()
    assert checkout.payment_id == other.pk
    account.refresh_from_db()
    assert account.balance == Decimal("350000")
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_the_receipt_skips_withdrawn_channels_and_landlines() -> None:
    from recaudo.customers.models import Consent

    account = owing_account(email=False)
    customer = account.customer
    [mobile] = customer.contact_points.all()
    Consent.objects.create(
        contact_point=mobile, channel="sms", granted=False, source="customer", at=NOW
    )
    make_contact_point(customer, value="+5716011234")  # a Bogotá landline, newer
    newer_mobile = make_contact_point(customer, value="+573109998877")
    Consent.objects.create(
        contact_point=newer_mobile, channel="sms", granted=False, source="customer", at=NOW
    )
    checkout = start_checkout(account, amount=Decimal("150000"))

    # SMS withdrawn on both mobiles, the landline cannot take texts: WhatsApp on the newest.
    confirm_checkout(checkout, provider_payment_id="r1", amount=Decimal("150000"), paid_at=NOW)

    [receipt] = Message.objects.all()
    assert (receipt.channel, receipt.contact_point) == ("whatsapp", newer_mobile)


@pytest.mark.django_db
def test_the_receipt_writes_money_as_in_the_customers_country() -> None:
    # An English-speaking customer in the US of a Colombian creditor: the amount is written
    # with the customer's conventions, not the creditor country's.
    account = owing_account()
    customer = account.customer
    customer.country, customer.language = "US", "en"
    customer.save(update_fields=["country", "language"])
    checkout = start_checkout(account, amount=Decimal("150000"))

    confirm_checkout(checkout, provider_payment_id="l1", amount=Decimal("150000"), paid_at=NOW)

    [receipt] = Message.objects.all()
    assert "150,000" in receipt.body
