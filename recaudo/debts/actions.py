"""Writes that matter on the ledger, for the console, the API and the assistant."""

from datetime import datetime
from decimal import Decimal

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo.debts.models import Account, Payment, PaymentMethod
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
