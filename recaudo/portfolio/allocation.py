"""Payments allocated to the oldest unpaid instalments first: one pure function for every caller."""

import polars as pl


def allocate_oldest_first(instalments: pl.DataFrame, paid_totals: pl.DataFrame) -> pl.DataFrame:
    """Add ``amount_paid_minor`` to ``instalments`` (frames.INSTALMENTS).

    ``paid_totals`` has one row per account: ``account_id`` and ``paid_minor``, the sum of the
    payments to allocate. Each instalment takes what is left after every earlier instalment
    (by due date, then number) is covered; an overpayment beyond the last instalment stays
    unallocated.
    """
    return (
        instalments.sort("account_id", "due_date", "number")
        .join(paid_totals.select("account_id", "paid_minor"), on="account_id", how="left")
        .with_columns(
            covered_before=(
                pl.col("amount_due_minor").cum_sum().over("account_id") - pl.col("amount_due_minor")
            )
        )
        .with_columns(
            amount_paid_minor=(pl.col("paid_minor").fill_null(0) - pl.col("covered_before"))
            .clip(0, None)
            .clip(None, pl.col("amount_due_minor"))
            .cast(pl.Int64)
        )
        .drop("paid_minor", "covered_before")
    )
