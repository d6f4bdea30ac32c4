"""Segmentation by a creditor's ordered rule table: the first active rule that matches wins.

Each rule is a conjunction of conditions over balance, customer tenure (whole months), customer
type, days past due, product type, stage and score; a blank condition matches anything and
ranges include both ends. An account no rule matches gets the creditor's default segment and
no rule. The loop runs over the (few) rules; every condition is a vectorised expression.
"""

import datetime as dt
from typing import Any

import polars as pl


def tenure_months(customer_since: pl.Expr, as_of: dt.date) -> pl.Expr:
    """Whole months from ``customer_since`` to ``as_of``; null when unknown."""
    months = (as_of.year - customer_since.dt.year().cast(pl.Int64)) * 12 + (
        as_of.month - customer_since.dt.month().cast(pl.Int64)
    )
    return months - (customer_since.dt.day() > as_of.day).cast(pl.Int64)


def _within(column: pl.Expr, lowest: Any, highest: Any) -> pl.Expr:
    condition = pl.lit(True)
    if lowest is not None:
        condition = condition & (column >= lowest)
    if highest is not None:
        condition = condition & (column <= highest)
    return condition.fill_null(False)


def _one_of(column: pl.Expr, values: list[str] | None) -> pl.Expr:
    if not values:
        return pl.lit(True)
    return column.is_in(values).fill_null(False)


def rule_condition(rule: dict[str, Any]) -> pl.Expr:
    """Whether an account matches ``rule`` (a row of frames.SEGMENT_RULES)."""
    return (
        _within(
            pl.col("balance_ten_thousandths"),
            rule["min_balance_ten_thousandths"],
            rule["max_balance_ten_thousandths"],
        )
        & _within(pl.col("tenure_months"), rule["min_tenure_months"], rule["max_tenure_months"])
        & _within(pl.col("days_past_due"), rule["min_days_past_due"], rule["max_days_past_due"])
        & _within(pl.col("score"), rule["min_score"], rule["max_score"])
        & _one_of(pl.col("customer_type"), rule["customer_types"])
        & _one_of(pl.col("product_type"), rule["product_types"])
        & _one_of(pl.col("stage"), rule["stages"])
    )


def matching_rule_id(rules: pl.DataFrame) -> pl.Expr:
    """The id of the first active rule (by position, then id) matching each account, or null."""
    ordered = rules.filter(pl.col("active")).sort("position", "rule_id")
    expressions = [
        pl.when(rule_condition(rule)).then(pl.lit(rule["rule_id"], dtype=pl.Int64))
        for rule in ordered.iter_rows(named=True)
    ]
    return pl.coalesce(expressions) if expressions else pl.lit(None, dtype=pl.Int64)


def assign_segments(
    accounts: pl.DataFrame, rules: pl.DataFrame, default_segment: str
) -> pl.DataFrame:
    """Add ``segment_rule_id`` and ``segment`` to ``accounts``.

    ``accounts`` needs ``balance_ten_thousandths``, ``tenure_months``, ``customer_type``,
    ``days_past_due``, ``product_type``, ``stage`` and ``score``.
    """
    segment_names = rules.select(
        segment_rule_id="rule_id", matched_segment=pl.col("segment")
    ).unique("segment_rule_id")
    return (
        accounts.with_columns(segment_rule_id=matching_rule_id(rules))
        .join(segment_names, on="segment_rule_id", how="left")
        .with_columns(segment=pl.col("matched_segment").fill_null(default_segment))
        .drop("matched_segment")
    )
