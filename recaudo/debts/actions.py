"""Writes that matter on the ledger, for the console, the API and the assistant."""

from datetime import date, datetime
from decimal import Decimal

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo.channels.actions import cancel_queued_messages
from recaudo.customers.models import Customer
from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    AccountEvent,
    AccountStatus,
    EventKind,
    Hold,
    Payment,
    PaymentMethod,
    Promise,
    PromiseStatus,
)
from recaudo.lib.money import has_valid_precision, minor_unit, to_minor_units
from recaudo.portfolio.io.imports import Counts, Writer, write_payments


def record_payment(
    account: Account,
    *,
    amount: Decimal,
    paid_at: datetime,
    reference: str,
    method: str = PaymentMethod.OTHER,
    channel: str = "",
    actor: str,
    actor_name: str = "",
) -> tuple[Payment, bool]:
    """Record one payment, once per (creditor, reference); return it and whether it is new.

    Same rules as the payments import (they share the code): allocated to the oldest unpaid
    instalments first, and it reduces the balance when made after ``account.balance_as_of``.
    """
    if amount <= 0 or not has_valid_precision(amount, account.currency):
        raise ValueError(f"invalid amount {amount} for {account.currency}")
    existing = _payment_with_reference(account, reference)
    if existing is not None:
        return existing, False
    row = pl.DataFrame(
        {
            "payment_reference": [reference],
            "account_id": [account.external_id],
            "amount_minor": [to_minor_units(amount, account.currency)],
            "minor_unit": [minor_unit(account.currency)],
            "paid_at": [paid_at],
            "method": [str(method)],
            "channel": [channel],
        },
        schema_overrides={"paid_at": pl.Datetime("us", "UTC")},
    )
    writer = Writer(account.creditor, actor, actor_name, timezone.now())
    try:
        with transaction.atomic():
            write_payments(row, writer, Counts())
            account.refresh_from_db(fields=["balance", "status"])
            if account.balance <= 0:
                # Nothing still queued should remind a customer who has just paid in full.
                cancel_queued_messages(
                    account,
                    reason="the account was paid in full",
                    actor=actor,
                    actor_name=actor_name,
                )
    except IntegrityError:
        # Another process recorded the same reference in the meantime.
        payment = _payment_with_reference(account, reference)
        if payment is None:
            raise
        return payment, False
    return Payment.objects.get(creditor=account.creditor, external_reference=reference), True


def _payment_with_reference(account: Account, reference: str) -> Payment | None:
    return Payment.objects.filter(
        creditor_id=account.creditor_id, external_reference=reference
    ).first()


STATUSES_WITHOUT_PROMISES = TERMINAL_STATUSES | {AccountStatus.DISPUTE, AccountStatus.LEGAL}


def make_promise(
    account: Account,
    *,
    amount: Decimal,
    promised_date: date,
    today: date,
    channel: str = "",
    actor: str,
    actor_name: str = "",
) -> Promise:
    """Record a promise to pay; it replaces the account's active one and pauses dunning until
    ``promised_date`` (the contact policy reads it)."""
    if amount <= 0 or not has_valid_precision(amount, account.currency):
        raise ValueError(f"invalid amount {amount} for {account.currency}")
    if promised_date < today:
        raise ValueError(f"the promised date {promised_date} is before {today}")
    now = timezone.now()
    with transaction.atomic():
        # Locked so two promises made at once leave one active.
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.status in STATUSES_WITHOUT_PROMISES:
            # A promise must not lift a dispute or a lawsuit, nor reopen a closed account.
            raise ValueError(f"an account in status {account.status} takes no promise")
        account.promises.filter(status=PromiseStatus.ACTIVE).update(status=PromiseStatus.CANCELLED)
        promise = Promise.objects.create(
            account=account,
            amount=amount,
            promised_date=promised_date,
            channel=channel,
            actor=actor,
            actor_name=actor_name,
        )
        _event(
            account,
            EventKind.PROMISE_MADE,
            now,
            actor,
            actor_name,
            data={"amount": str(amount), "promised_date": promised_date.isoformat()},
        )
        _set_status(account, AccountStatus.PROMISE, now, actor, actor_name)
    return promise


def place_hold(
    customer: Customer,
    *,
    kind: str,
    account: Account | None = None,
    note: str = "",
    actor: str,
    actor_name: str = "",
) -> Hold:
    """Stop collection contact with the customer (or about one account) until released.

    Placing the same open hold twice returns the open one (a double click changes nothing).
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked so a double click places one hold.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        open_hold = Hold.objects.filter(
            customer=customer, account=account, kind=kind, released_at__isnull=True
        ).first()
        if open_hold is not None:
            return open_hold
        hold = Hold.objects.create(
            customer=customer,
            account=account,
            kind=kind,
            note=note,
            started_at=now,
            actor=actor,
            actor_name=actor_name,
        )
        for held in _accounts_of(hold):
            _event(held, EventKind.HOLD_PLACED, now, actor, actor_name, to_value=kind)
    return hold


def release_hold(hold: Hold, *, actor: str, actor_name: str = "") -> Hold:
    now = timezone.now()
    with transaction.atomic():
        released = Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(released_at=now)
        if released:
            for held in _accounts_of(hold):
                _event(held, EventKind.HOLD_RELEASED, now, actor, actor_name, from_value=hold.kind)
    hold.refresh_from_db()
    return hold


def _accounts_of(hold: Hold) -> list[Account]:
    if hold.account is not None:
        return [hold.account]
    return list(hold.customer.accounts.all())


def _set_status(account: Account, status: str, now: datetime, actor: str, actor_name: str) -> None:
    if account.status == status:
        return
    _event(
        account,
        EventKind.STATUS_CHANGED,
        now,
        actor,
        actor_name,
        from_value=account.status,
        to_value=status,
    )
    account.status = status
    account.save(update_fields=["status", "updated_at"])


def _event(
    account: Account,
    kind: str,
    now: datetime,
    actor: str,
    actor_name: str,
    *,
    from_value: str = "",
    to_value: str = "",
    data: dict[str, str] | None = None,
) -> None:
    AccountEvent.objects.create(
        account=account,
        kind=kind,
        at=now,
        actor=actor,
        actor_name=actor_name,
        from_value=from_value,
        to_value=to_value,
        data=data or {},
    )
