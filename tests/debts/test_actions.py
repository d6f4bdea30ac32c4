import datetime as dt
from decimal import Decimal

import pytest

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.debts.actions import make_promise, place_hold, record_payment, release_hold
from recaudo.debts.models import Account, AccountStatus, EventKind, HoldKind, PromiseStatus
from tests.factories import make_account

TODAY = dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_a_promise_replaces_the_active_one_and_puts_the_account_in_promise() -> None:
    account = make_account()
    first = make_promise(
        account,
        amount=Decimal("500000"),
        promised_date=dt.date(2026, 12, 5),
        today=TODAY,
        actor="customer",
    )
    second = make_promise(
        account,
        amount=Decimal("600000"),
        promised_date=dt.date(2026, 12, 10),
        today=TODAY,
        actor="agent",
        actor_name="ana",
    )

    first.refresh_from_db()
    account.refresh_from_db()
    assert first.status == PromiseStatus.CANCELLED
    assert second.status == PromiseStatus.ACTIVE
    assert account.status == AccountStatus.PROMISE
    kinds = list(account.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.PROMISE_MADE, EventKind.STATUS_CHANGED, EventKind.PROMISE_MADE]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "promised_date"),
    [(Decimal("0"), dt.date(2026, 12, 5)), (Decimal("10"), dt.date(2026, 11, 30))],
)
def test_a_promise_needs_a_positive_amount_and_a_date_not_in_the_past(
    amount: Decimal, promised_date: dt.date
) -> None:
    account = make_account()
    with pytest.raises(ValueError):
        make_promise(
            account, amount=amount, promised_date=promised_date, today=TODAY, actor="agent"
        )
    assert not account.promises.exists()


@pytest.mark.django_db
def test_placing_a_hold_twice_keeps_one_and_releasing_it_is_on_the_timeline() -> None:
    account = make_account()
    customer = account.customer

    hold = place_hold(customer, kind=HoldKind.DISPUTE, actor="agent", note="no reconoce")
    again = place_hold(customer, kind=HoldKind.DISPUTE, actor="agent")
    release_hold(hold, actor="agent")
    release_hold(hold, actor="agent")

    assert again.pk == hold.pk
    hold.refresh_from_db()
    assert hold.released_at is not None
    kinds = list(account.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.HOLD_PLACED, EventKind.HOLD_RELEASED]


@pytest.mark.django_db
def test_a_payment_that_settles_the_account_cancels_what_is_queued_for_it() -> None:
    account = make_account(balance=Decimal("100000"), balance_as_of=dt.date(2026, 11, 1))
    queued = make_message(account)
    partial = make_message(make_account(customer=account.customer))

    record_payment(
        account,
        amount=Decimal("40000"),
        paid_at=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC),
        reference="P-1",
        actor="api",
    )
    queued.refresh_from_db()
    assert queued.status == MessageStatus.QUEUED

    record_payment(
        account,
        amount=Decimal("60000"),
        paid_at=dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC),
        reference="P-2",
        actor="api",
    )

    queued.refresh_from_db()
    partial.refresh_from_db()
    assert queued.status == MessageStatus.CANCELLED
    assert partial.status == MessageStatus.QUEUED
    assert account.events.filter(kind=EventKind.MESSAGES_CANCELLED).count() == 1


def make_message(account: Account) -> Message:
    return Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        direction=Direction.OUTBOUND,
        channel="sms",
        address="+573001234567",
        status=MessageStatus.QUEUED,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [AccountStatus.DISPUTE, AccountStatus.LEGAL, AccountStatus.PAID])
def test_a_promise_never_lifts_a_dispute_or_a_lawsuit_nor_reopens_an_account(status: str) -> None:
    account = make_account(status=status)
    with pytest.raises(ValueError):
        make_promise(
            account,
            amount=Decimal("1000"),
            promised_date=dt.date(2026, 12, 5),
            today=TODAY,
            actor="customer",
        )
    account.refresh_from_db()
    assert account.status == status
    assert not account.promises.exists()
