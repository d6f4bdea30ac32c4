import datetime as dt
from decimal import Decimal
from typing import Any

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


# --- the same promise twice (a double submit) ------------------------------------------------


@pytest.mark.django_db
def test_the_same_promise_by_the_same_actor_moments_later_is_written_once() -> None:
    import time_machine

    from recaudo.debts.actions import PROMISE_REPEAT_WINDOW, make_promise_once

    account = make_account()
    moment = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    promise: dict[str, Any] = {
        "amount": Decimal("500000"),
        "promised_date": dt.date(2026, 12, 5),
        "today": TODAY,
        "actor": "agent",
        "actor_name": "ana",
    }
    with time_machine.travel(moment, tick=False):
        first, first_new = make_promise_once(account, **promise)
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=False):
        second, second_new = make_promise_once(account, **promise)
        third = make_promise(account, **promise)

    assert (first_new, second_new) == (True, False)
    assert first.pk == second.pk == third.pk
    assert account.promises.get().status == PromiseStatus.ACTIVE
    assert account.events.filter(kind=EventKind.PROMISE_MADE).count() == 1

    # Another agent, or the same one after the window, makes a new promise.
    with time_machine.travel(moment + dt.timedelta(minutes=2), tick=False):
        by_luis = make_promise(account, **(promise | {"actor_name": "luis"}))
    with time_machine.travel(moment + PROMISE_REPEAT_WINDOW + dt.timedelta(minutes=3), tick=False):
        later = make_promise(account, **promise)
    assert len({first.pk, by_luis.pk, later.pk}) == 3
    assert account.events.filter(kind=EventKind.PROMISE_MADE).count() == 3


@pytest.mark.django_db
def test_a_different_amount_or_date_is_a_new_promise() -> None:
    account = make_account()
    common: dict[str, Any] = {"today": TODAY, "actor": "agent", "actor_name": "ana"}
    first = make_promise(
        account, amount=Decimal("500000"), promised_date=dt.date(2026, 12, 5), **common
    )
    other_amount = make_promise(
        account, amount=Decimal("600000"), promised_date=dt.date(2026, 12, 5), **common
    )
    other_date = make_promise(
        account, amount=Decimal("600000"), promised_date=dt.date(2026, 12, 6), **common
    )
    assert len({first.pk, other_amount.pk, other_date.pk}) == 3
    assert account.promises.filter(status=PromiseStatus.ACTIVE).get() == other_date


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_promise_at_once_leave_one() -> None:
    """Real concurrency (PostgreSQL): the check runs under the account's row lock."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    account = make_account()
    barrier = threading.Barrier(2)
    made: list[int] = []

    def submit() -> None:
        try:
            stale = Account.objects.select_related("creditor", "customer").get(pk=account.pk)
            barrier.wait()
            promise = make_promise(
                stale,
                amount=Decimal("500000"),
                promised_date=dt.date(2026, 12, 5),
                today=TODAY,
                actor="agent",
                actor_name="ana",
            )
            made.append(promise.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2 and made[0] == made[1]
    assert account.promises.count() == 1
    assert account.events.filter(kind=EventKind.PROMISE_MADE).count() == 1
