"""Days past due, overdue amount, next due date and punctuality of each account, as of a date.

Payments made on or before ``as_of`` are allocated to the oldest instalments first (a payment
plan's instalments after the creditor's: ``allocation.allocate_oldest_first``). An instalment
is *past due* when its due date is before ``as_of`` and its unpaid remainder exceeds the account's
tolerance (``tolerance_minor``); the oldest past-due instalment sets
``days_past_due = as_of - due date``. A remainder at or under the tolerance never counts.

* ``overdue_amount_minor``: the unpaid remainders of every instalment due before ``as_of``.
* ``next_due_date``: the earliest due date on or after ``as_of`` with something unpaid.
* ``on_time_share``: of the instalments due before ``as_of``, the share covered (within the
  tolerance) by the payments made on or before their due date; null when none was due yet.
"""

import datetime as dt

import polars as pl

from recaudo.portfolio.allocation import allocate_oldest_first, has_plans, running_total_within
from recaudo.portfolio.frames import DELINQUENCY

# Days since 1970 shifted to be non-negative, and room for them under each account id.
DAY_KEY_OFFSET = 1 << 20
DAY_KEY_SPAN = 1 << 22


def paid_totals(payments: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """``account_id`` and ``paid_minor``: what each account paid on or before ``as_of``."""
    return (
        payments.filter(pl.col("paid_on") <= as_of)
        .group_by("account_id")
        .agg(paid_minor=pl.col("amount_minor").sum())
    )


def _account_day_key(account_id: pl.Expr, day: pl.Expr) -> pl.Expr:
    """One sortable integer per (account, day), so an as-of join needs no ``by`` groups."""
    days = day.cast(pl.Int32).cast(pl.Int64) + DAY_KEY_OFFSET
    return account_id * DAY_KEY_SPAN + days


def paid_by_due_date(instalments: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """Add ``paid_by_due_minor``: the account's payments made on or before each due date.

    ``instalments`` must be sorted by account and due date (as ``allocate_oldest_first`` returns).
    """
    cumulative = (
        payments.select(
            key=_account_day_key(pl.col("account_id"), pl.col("paid_on")),
            paid_account_id="account_id",
            amount_minor="amount_minor",
        )
        .sort("key")
        .select(
            "key",
            "paid_account_id",
            paid_by_due_minor=running_total_within("amount_minor", "paid_account_id"),
        )
    )
    return (
        instalments.with_columns(key=_account_day_key(pl.col("account_id"), pl.col("due_date")))
        .set_sorted("key")
        .join_asof(cumulative, on="key", check_sortedness=False)
        .with_columns(
            paid_by_due_minor=pl.when(pl.col("paid_account_id") == pl.col("account_id"))
            .then(pl.col("paid_by_due_minor"))
            .otherwise(0)
        )
        .drop("key", "paid_account_id")
    )


def delinquency(
    accounts: pl.DataFrame,
    instalments: pl.DataFrame,
    payments: pl.DataFrame,
    as_of: dt.date,
) -> pl.DataFrame:
    """One row per account of ``accounts`` (``account_id``, ``tolerance_minor``): DELINQUENCY."""
    payments = payments.filter(pl.col("paid_on") <= as_of)
    allocated = allocate_oldest_first(instalments, paid_totals(payments, as_of))
    if has_plans(allocated):
        # Plans are served after the creditor's schedule; punctuality reads by due date.
        allocated = allocated.sort("account_id", "due_date", "number")
    allocated = allocated.drop(
        [name for name in ("plan_id", "plan_paid_before_minor") if name in allocated.columns]
    )
    unpaid = pl.col("amount_due_minor") - pl.col("amount_paid_minor")
    due_before = pl.col("due_date") < as_of
    paid_on_time = pl.col("paid_by_due_minor") >= (
        running_total_within("amount_due_minor", "account_id") - pl.col("tolerance_minor")
    )
    per_account = (
        paid_by_due_date(allocated, payments)
        .lazy()
        .join(
            accounts.lazy().select("account_id", "tolerance_minor"),
            on="account_id",
            how="inner",
            maintain_order="left",
        )
        .select(
            "account_id",
            past_due_date=pl.when(due_before & (unpaid > pl.col("tolerance_minor"))).then(
                pl.col("due_date")
            ),
            overdue_minor=pl.when(due_before).then(unpaid),
            upcoming_date=pl.when(~due_before & (unpaid > 0)).then(pl.col("due_date")),
            due=due_before.cast(pl.Int64),
            on_time=(due_before & paid_on_time).cast(pl.Int64),
        )
        .group_by("account_id")
        .agg(
            oldest_past_due=pl.col("past_due_date").min(),
            overdue_amount_minor=pl.col("overdue_minor").sum(),
            next_due_date=pl.col("upcoming_date").min(),
            due_count=pl.col("due").sum(),
            on_time_count=pl.col("on_time").sum(),
        )
    )
    return (
        accounts.lazy()
        .select("account_id")
        .join(per_account, on="account_id", how="left", maintain_order="left")
        .select(
            "account_id",
            days_past_due=(pl.lit(as_of) - pl.col("oldest_past_due")).dt.total_days().fill_null(0),
            overdue_amount_minor=pl.col("overdue_amount_minor").fill_null(0),
            next_due_date="next_due_date",
            on_time_share=pl.when(pl.col("due_count") > 0).then(
                pl.col("on_time_count") / pl.col("due_count")
            ),
        )
        .cast(DELINQUENCY)  # type: ignore[arg-type]
        .collect()
    )
