import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.db import IntegrityError

from recaudo.debts.models import Account
from recaudo.portfolio.io.bulk import insert_frame, read_frame, update_from_frame
from tests.factories import make_account, make_creditor, make_customer


@pytest.mark.django_db(transaction=True)
def test_frames_round_trip_through_a_table() -> None:
    first, second = make_account(), make_account()
    update_from_frame(
        "debts_account",
        pl.DataFrame(
            {
                "id": [first.pk, second.pk],
                "days_past_due": [3, 40],
                "bucket": ["1-30", "31-60"],
                "next_due_date": [dt.date(2026, 2, 29 - 1), None],
                "overdue_amount": [Decimal("10.50"), Decimal("0")],
            }
        ),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.days_past_due, first.bucket, first.next_due_date) == (
        3,
        "1-30",
        dt.date(2026, 2, 28),
    )
    assert first.overdue_amount == Decimal("10.50")
    assert (second.days_past_due, second.next_due_date) == (40, None)

    frame = read_frame(
        "SELECT id, days_past_due, next_due_date FROM debts_account WHERE id IN (%s, %s) ORDER BY id",
        [first.pk, second.pk],
        {"id": pl.Int64, "days_past_due": pl.Int64, "next_due_date": pl.Date},
    )
    assert frame.to_dicts() == [
        {"id": first.pk, "days_past_due": 3, "next_due_date": dt.date(2026, 2, 28)},
        {"id": second.pk, "days_past_due": 40, "next_due_date": None},
    ]


@pytest.mark.django_db(transaction=True)
def test_insert_frame_writes_rows_django_reads_back() -> None:
    customer = make_customer(make_creditor())
    insert_frame(
        "debts_account",
        pl.DataFrame(
            {
                "creditor_id": [customer.creditor_id],
                "customer_id": [customer.pk],
                "external_id": ["X-1"],
                "product_type": ["credit_card"],
                "currency": ["COP"],
                "original_amount": [Decimal("1234.56")],
                "balance": [Decimal("1000")],
                "balance_as_of": [dt.date(2026, 3, 1)],
                "status": ["active"],
                "days_past_due": [0],
                "overdue_amount": [Decimal("0")],
                "bucket": ["current"],
                "stage": ["current"],
                "segment": [""],
                "created_at": [dt.datetime(2026, 3, 1, 12, 30)],
                "updated_at": [dt.datetime(2026, 3, 1, 12, 30)],
            }
        ),
    )
    account = Account.objects.get(external_id="X-1")
    assert account.original_amount == Decimal("1234.56")
    assert account.balance_as_of == dt.date(2026, 3, 1)
    assert account.created_at.isoformat() == "2026-03-01T12:30:00+00:00"


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_row_raises_djangos_integrity_error() -> None:
    account = make_account()
    row = pl.DataFrame(
        {
            "creditor_id": [account.creditor_id],
            "account_id": [account.pk],
            "amount": [Decimal("10")],
            "paid_at": [dt.datetime(2026, 3, 1, 12, 0)],
            "method": ["cash"],
            "channel": [""],
            "external_reference": ["DUP-1"],
            "created_at": [dt.datetime(2026, 3, 1, 12, 0)],
        }
    )
    insert_frame("debts_payment", row)
    with pytest.raises(IntegrityError):
        insert_frame("debts_payment", row)
