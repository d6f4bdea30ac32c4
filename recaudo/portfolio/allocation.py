"""Payments allocated to the oldest unpaid instalments first: one pure function for every caller.

A payment plan (``debts.Plan``) replaces an account's unpaid instalments with its own schedule:
the creditor's instalments keep what they had (``agree_plan`` closed them at what was paid) and
the plan's instalments take only what is paid beyond them. So the creditor's schedule is served
first, then each plan's instalments, older plans first (the optional ``plan_id`` column: null
for the creditor's instalments), each by due date and number.
"""

import polars as pl


def running_total_within(value: str, group: str) -> pl.Expr:
    """Cumulative sum of ``value`` restarting at each ``group``, for a frame sorted by ``group``.

    One pass over the frame (a global cumulative sum minus the total before each group starts),
    much faster than a window over a million groups.
    """
    total = pl.col(value).cum_sum()
    group_starts = pl.col(group).ne_missing(pl.col(group).shift(1))
    before_group = pl.when(group_starts).then(total - pl.col(value)).forward_fill()
    return total - before_group


def has_plans(instalments: pl.DataFrame) -> bool:
    """Whether some instalment belongs to a payment plan (allocated after the others)."""
    return (
        "plan_id" in instalments.columns
        and instalments["plan_id"].null_count() < instalments.height
    )


def allocate_oldest_first(instalments: pl.DataFrame, paid_totals: pl.DataFrame) -> pl.DataFrame:
    """Add ``amount_paid_minor`` to ``instalments`` (frames.INSTALMENTS, plus optional
    ``plan_id`` and ``plan_paid_before_minor``, the plan's ``Plan.paid_before`` on its rows).

    ``paid_totals`` has one row per account: ``account_id`` and ``paid_minor``, the sum of the
    payments to allocate. Each instalment takes what is left after every earlier instalment
    is covered; an overpayment beyond the last instalment stays unallocated. Earlier means: the
    creditor's instalments (``plan_id`` null) before any plan's, plans in ``plan_id`` order,
    then by due date and number; a plan's ``plan_paid_before_minor`` is taken before its first
    instalment. The result is sorted in that order (by account, due date and number when no
    instalment has a ``plan_id``).
    """
    weight = "amount_due_minor"
    if not has_plans(instalments):
        instalments = instalments.sort("account_id", "due_date", "number")
    else:
        instalments = instalments.with_columns(
            allocation_rank=pl.col("plan_id").fill_null(0).cast(pl.Int64)
        ).sort("account_id", "allocation_rank", "due_date", "number")
        if "plan_paid_before_minor" in instalments.columns:
            # Money paid before a plan that no instalment took is set aside before the plan's
            # first instalment: it is already out of the balance the plan was agreed on.
            first_of_plan = pl.col("plan_id").is_not_null() & (
                pl.col("account_id").ne_missing(pl.col("account_id").shift(1))
                | pl.col("allocation_rank").ne_missing(pl.col("allocation_rank").shift(1))
            )
            reserved = pl.when(first_of_plan).then(pl.col("plan_paid_before_minor").fill_null(0))
            instalments = instalments.with_columns(
                allocation_weight=pl.col("amount_due_minor") + reserved.otherwise(0)
            )
            weight = "allocation_weight"
    allocated = (
        instalments.join(
            paid_totals.select("account_id", "paid_minor"),
            on="account_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            covered_before=running_total_within(weight, "account_id") - pl.col("amount_due_minor")
        )
        .with_columns(
            amount_paid_minor=(pl.col("paid_minor").fill_null(0) - pl.col("covered_before"))
            .clip(0, None)
            .clip(None, pl.col("amount_due_minor"))
            .cast(pl.Int64)
        )
        .drop("paid_minor", "covered_before")
    )
    return allocated.drop(
        [name for name in ("allocation_rank", "allocation_weight") if name in allocated.columns]
    )
