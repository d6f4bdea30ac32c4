import datetime as dt

import polars as pl
import pytest

from recaudo.portfolio.dpd import delinquency
from tests.portfolio.engine_frames import instalments, payments

JAN_31 = (1, "2026-01-31", 100)
FEB_28 = (1, "2026-02-28", 100)
MAR_31 = (1, "2026-03-31", 100)


def _delinquency(
    due: list[tuple[int, str, int]],
    paid: list[tuple[int, str, int]],
    as_of: str,
    tolerance: int = 0,
) -> dict[str, object]:
    accounts = pl.DataFrame({"account_id": [1], "tolerance_minor": [tolerance]})
    result = delinquency(accounts, instalments(*due), payments(*paid), dt.date.fromisoformat(as_of))
    return result.row(0, named=True)


@pytest.mark.parametrize(
    ("paid", "as_of", "tolerance", "days", "overdue", "next_due", "on_time"),
    [
        # Due today is not past due yet; the next due date is today.
        ([], "2026-01-31", 0, 0, 0, "2026-01-31", None),
        ([], "2026-02-01", 0, 1, 100, "2026-02-28", 0.0),
        ([], "2026-03-01", 0, 29, 200, "2026-03-31", 0.0),
        # A partial payment leaves January past due.
        ([(1, "2026-01-20", 60)], "2026-02-10", 0, 10, 40, "2026-02-28", 0.0),
        # A shortfall under the tolerance does not count; at the tolerance neither.
        ([(1, "2026-01-20", 95)], "2026-02-10", 5, 0, 5, "2026-02-28", 1.0),
        ([(1, "2026-01-20", 94)], "2026-02-10", 5, 10, 6, "2026-02-28", 0.0),
        # Paid after the due date: past due until the payment, not on time.
        ([(1, "2026-02-05", 100)], "2026-02-04", 0, 4, 100, "2026-02-28", 0.0),
        ([(1, "2026-02-05", 100)], "2026-02-05", 0, 0, 0, "2026-02-28", 0.0),
        # Oldest first: 150 pays January and half of February.
        ([(1, "2026-01-31", 150)], "2026-03-05", 0, 5, 50, "2026-03-31", 0.5),
        # Everything paid: no next due date.
        ([(1, "2026-01-02", 300)], "2026-04-01", 0, 0, 0, None, 1.0),
        # Payments after as_of are ignored (backdating).
        ([(1, "2026-03-01", 300)], "2026-02-20", 0, 20, 100, "2026-02-28", 0.0),
    ],
)
def test_delinquency(
    paid: list[tuple[int, str, int]],
    as_of: str,
    tolerance: int,
    days: int,
    overdue: int,
    next_due: str | None,
    on_time: float | None,
) -> None:
    row = _delinquency([JAN_31, FEB_28, MAR_31], paid, as_of, tolerance)
    assert row == {
        "account_id": 1,
        "days_past_due": days,
        "overdue_amount_minor": overdue,
        "next_due_date": dt.date.fromisoformat(next_due) if next_due else None,
        "on_time_share": on_time,
    }


def test_leap_day_due_date() -> None:
    row = _delinquency([(1, "2028-02-29", 100)], [], "2028-03-31")
    assert (row["days_past_due"], row["next_due_date"]) == (31, None)


def test_account_without_instalments_is_current() -> None:
    accounts = pl.DataFrame({"account_id": [7], "tolerance_minor": [0]})
    row = delinquency(accounts, instalments(), payments(), dt.date(2026, 1, 1)).row(0, named=True)
    assert row == {
        "account_id": 7,
        "days_past_due": 0,
        "overdue_amount_minor": 0,
        "next_due_date": None,
        "on_time_share": None,
    }


def test_accounts_do_not_share_payments() -> None:
    accounts = pl.DataFrame({"account_id": [1, 2], "tolerance_minor": [0, 0]})
    result = delinquency(
        accounts,
        instalments((1, "2026-01-31", 100), (2, "2026-01-31", 100)),
        payments((2, "2026-01-31", 100)),
        dt.date(2026, 2, 10),
    ).sort("account_id")
    assert result["days_past_due"].to_list() == [10, 0]
