"""The baseline scorecard: a 0-1 propensity to pay from three facts (a trained model comes later).

Points, added up:

==========================================  ======
Days past due: 0                            +40
Days past due: 1-30                         +20
Days past due: 31-60                          0
Days past due: 61-90                        -20
Days past due: 91-180                       -40
Days past due: 181 or more                  -60
Instalments paid on time (share 0-1)        +40 x share (no instalment due yet: +20)
Tenure: under 12 months or unknown            0
Tenure: 12-35 months                        +10
Tenure: 36 months or more                   +20
==========================================  ======

``score = 1 / (1 + exp(-(points - 30) / 15))``, rounded to four decimals: 100 points give 0.99,
50 points 0.79, 30 points 0.50, -60 points 0.0025.
"""

import polars as pl

BASELINE_MIDPOINT = 30.0
BASELINE_SPREAD = 15.0
UNKNOWN_ON_TIME_SHARE_POINTS = 20.0
SCORE_DECIMALS = 4


def days_past_due_points(days_past_due: pl.Expr) -> pl.Expr:
    return (
        pl.when(days_past_due <= 0)
        .then(40)
        .when(days_past_due <= 30)
        .then(20)
        .when(days_past_due <= 60)
        .then(0)
        .when(days_past_due <= 90)
        .then(-20)
        .when(days_past_due <= 180)
        .then(-40)
        .otherwise(-60)
    )


def on_time_points(on_time_share: pl.Expr) -> pl.Expr:
    return (on_time_share * 40.0).fill_null(UNKNOWN_ON_TIME_SHARE_POINTS)


def tenure_points(tenure_months: pl.Expr) -> pl.Expr:
    return pl.when(tenure_months >= 36).then(20).when(tenure_months >= 12).then(10).otherwise(0)


def baseline_score(
    days_past_due: pl.Expr, on_time_share: pl.Expr, tenure_months: pl.Expr
) -> pl.Expr:
    """The baseline propensity to pay, between 0 and 1 (see the module's table)."""
    points = (
        days_past_due_points(days_past_due).cast(pl.Float64)
        + on_time_points(on_time_share)
        + tenure_points(tenure_months).cast(pl.Float64)
    )
    logit = (points - BASELINE_MIDPOINT) / BASELINE_SPREAD
    return (1.0 / (1.0 + (-logit).exp())).round(SCORE_DECIMALS)
