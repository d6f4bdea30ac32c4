"""Bucket and stage of each account from its days past due (thresholds per creditor).

Buckets: ``current`` (0 days past due), then one bucket per upper bound (default
``[30, 60, 90, 120, 180]`` gives ``1-30``, ``31-60``, ``61-90``, ``91-120``, ``121-180``) and a last
open bucket (``181+``).

Stages, first that applies: ``closed`` when the status is paid, written off or closed;
``legal_handoff``, ``pre_legal`` or ``administrative`` from their days-past-due thresholds;
``preventive`` when not past due and the next due date is within ``preventive_days`` of
``as_of`` (both ends included); else ``current``. The status itself is never changed.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

DEFAULT_BUCKET_BOUNDS = (30, 60, 90, 120, 180)
CLOSED_STATUSES = ("paid", "written_off", "closed")


@dataclass(frozen=True)
class StageThresholds:
    administrative_from_days: int = 1
    pre_legal_from_days: int = 61
    legal_handoff_from_days: int = 121
    preventive_days: int = 5


def bucket_labels(bounds: Sequence[int] = DEFAULT_BUCKET_BOUNDS) -> list[str]:
    """``["current", "1-30", ..., "181+"]`` for the given upper bounds."""
    lowers = [1, *(bound + 1 for bound in bounds)]
    ranges = [f"{lower}-{upper}" for lower, upper in zip(lowers, bounds, strict=False)]
    return ["current", *ranges, f"{lowers[-1]}+"]


def bucket(days_past_due: pl.Expr, bounds: Sequence[int] = DEFAULT_BUCKET_BOUNDS) -> pl.Expr:
    bounds = list(bounds) or list(DEFAULT_BUCKET_BOUNDS)
    labels = bucket_labels(bounds)
    expression = pl.lit(labels[-1])
    for bound, label in reversed(list(zip([0, *bounds], labels, strict=False))):
        expression = pl.when(days_past_due <= bound).then(pl.lit(label)).otherwise(expression)
    return expression


def stage(
    status: pl.Expr,
    days_past_due: pl.Expr,
    next_due_date: pl.Expr,
    as_of: dt.date,
    thresholds: StageThresholds,
) -> pl.Expr:
    preventive_until = as_of + dt.timedelta(days=thresholds.preventive_days)
    return (
        pl.when(status.is_in(CLOSED_STATUSES))
        .then(pl.lit("closed"))
        .when(days_past_due >= thresholds.legal_handoff_from_days)
        .then(pl.lit("legal_handoff"))
        .when(days_past_due >= thresholds.pre_legal_from_days)
        .then(pl.lit("pre_legal"))
        .when(days_past_due >= thresholds.administrative_from_days)
        .then(pl.lit("administrative"))
        .when(next_due_date.is_not_null() & (next_due_date <= preventive_until))
        .then(pl.lit("preventive"))
        .otherwise(pl.lit("current"))
    )
