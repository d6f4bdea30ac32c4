"""The daily refresh as one pure composition: frames in, new engine values and transitions out.

accounts + instalments + payments → days past due (dpd) → bucket and stage (stages) → baseline
score (scoring) → segment (segments) → compared with each account's current values: the rows
that changed and one transition per changed bucket, stage or segment.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from recaudo.portfolio import dpd, scoring, segments, stages
from recaudo.portfolio.frames import ENGINE_VALUES, TRANSITIONS

TEN_THOUSANDTHS_DIGITS = 4
TRANSITION_FIELDS = {
    "bucket": "bucket_changed",
    "stage": "stage_changed",
    "segment": "segment_changed",
}


@dataclass(frozen=True)
class EngineSettings:
    """A creditor's settings for the engine (see ``debts.Creditor``)."""

    past_due_tolerance: Decimal = Decimal(0)
    thresholds: stages.StageThresholds = field(default_factory=stages.StageThresholds)
    bucket_bounds: Sequence[int] = stages.DEFAULT_BUCKET_BOUNDS
    default_segment: str = "general"


@dataclass(frozen=True)
class RefreshResult:
    values: pl.DataFrame  # frames.ENGINE_VALUES for every account
    changed: pl.DataFrame  # the rows of ``values`` that differ from the current values
    transitions: pl.DataFrame  # frames.TRANSITIONS


def _ten_thousandths_per_minor_unit() -> pl.Expr:
    return pl.lit(10, dtype=pl.Int64).pow(TEN_THOUSANDTHS_DIGITS - pl.col("minor_unit"))


def with_money_scales(accounts: pl.DataFrame, past_due_tolerance: Decimal) -> pl.DataFrame:
    """Add ``tolerance_minor`` (rounded down) and ``balance_ten_thousandths`` to ``accounts``."""
    tolerance = int(past_due_tolerance.scaleb(TEN_THOUSANDTHS_DIGITS))
    return accounts.with_columns(
        tolerance_minor=pl.lit(tolerance, dtype=pl.Int64) // _ten_thousandths_per_minor_unit(),
        balance_ten_thousandths=pl.col("balance_minor") * _ten_thousandths_per_minor_unit(),
    )


def compute(
    accounts: pl.DataFrame,
    instalments: pl.DataFrame,
    payments: pl.DataFrame,
    rules: pl.DataFrame,
    settings: EngineSettings,
    as_of: dt.date,
) -> pl.DataFrame:
    """The engine's values (frames.ENGINE_VALUES) for each row of ``accounts`` (frames.ACCOUNTS)."""
    # The stored balance is already net of payments after ``balance_as_of`` (the import and
    # record_payment apply recaudo.portfolio.ledger), so it is used as it is.
    scaled = with_money_scales(accounts, settings.past_due_tolerance)
    delinquency = dpd.delinquency(scaled, instalments, payments, as_of)
    staged = (
        scaled.join(delinquency, on="account_id", how="left")
        .with_columns(tenure_months=segments.tenure_months(pl.col("customer_since"), as_of))
        .with_columns(
            bucket=stages.bucket(pl.col("days_past_due"), settings.bucket_bounds),
            stage=stages.stage(
                pl.col("status"),
                pl.col("days_past_due"),
                pl.col("next_due_date"),
                as_of,
                settings.thresholds,
            ),
            score=scoring.baseline_score(
                pl.col("days_past_due"), pl.col("on_time_share"), pl.col("tenure_months")
            ),
        )
    )
    return segments.assign_segments(staged, rules, settings.default_segment).select(
        list(ENGINE_VALUES)
    )


def changed_rows(values: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``values`` whose engine values differ from ``current`` (nulls compare equal).

    Scores compare at their published precision, so a database's float round trip is no change.
    """
    compared = [name for name in ENGINE_VALUES if name not in ("account_id", "score")]
    joined = values.join(current, on="account_id", how="left", suffix="_current")
    differs = pl.any_horizontal(
        *(pl.col(name).ne_missing(pl.col(f"{name}_current")) for name in compared),
        pl.col("score")
        .round(scoring.SCORE_DECIMALS)
        .ne_missing(pl.col("score_current").round(scoring.SCORE_DECIMALS)),
    )
    return joined.filter(differs).select(values.columns)


def transitions(changed: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """One row (frames.TRANSITIONS) per changed bucket, stage and segment.

    Accounts in ``current`` with ``computed_as_of`` null were never computed: their first values
    are a starting state, not a transition, so they get none.
    """
    computed_before = current.filter(pl.col("computed_as_of").is_not_null())
    joined = changed.join(computed_before, on="account_id", how="inner", suffix="_current")
    parts = [
        joined.filter(pl.col(name).ne_missing(pl.col(f"{name}_current"))).select(
            "account_id",
            kind=pl.lit(kind),
            from_value=pl.col(f"{name}_current").fill_null(""),
            to_value=pl.col(name).fill_null(""),
        )
        for name, kind in TRANSITION_FIELDS.items()
    ]
    return pl.concat(parts).cast(TRANSITIONS).sort("account_id", "kind")  # type: ignore[arg-type]


def refresh(
    accounts: pl.DataFrame,
    current: pl.DataFrame,
    instalments: pl.DataFrame,
    payments: pl.DataFrame,
    rules: pl.DataFrame,
    settings: EngineSettings,
    as_of: dt.date,
) -> RefreshResult:
    """Compute every account's values as of ``as_of`` and compare them with ``current``.

    ``current`` holds frames.ENGINE_VALUES plus ``computed_as_of`` for the same accounts.
    """
    values = compute(accounts, instalments, payments, rules, settings, as_of)
    changed = changed_rows(values, current)
    return RefreshResult(values=values, changed=changed, transitions=transitions(changed, current))
