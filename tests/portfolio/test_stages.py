import datetime as dt

import polars as pl
import pytest

from recaudo.portfolio.stages import StageThresholds, bucket, bucket_labels, stage

AS_OF = dt.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("days_past_due", "expected"),
    [
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "121-180"),
        (180, "121-180"),
        (181, "181+"),
        (5000, "181+"),
    ],
)
def test_default_buckets(days_past_due: int, expected: str) -> None:
    frame = pl.DataFrame({"days": [days_past_due]})
    assert frame.select(bucket(pl.col("days")))[0, 0] == expected


def test_buckets_follow_the_creditors_bounds() -> None:
    assert bucket_labels([15, 45]) == ["current", "1-15", "16-45", "46+"]
    frame = pl.DataFrame({"days": [0, 15, 16, 46]})
    assert frame.select(bucket(pl.col("days"), [15, 45])).to_series().to_list() == [
        "current",
        "1-15",
        "16-45",
        "46+",
    ]


@pytest.mark.parametrize(
    ("status", "days_past_due", "next_due_date", "expected"),
    [
        ("active", 0, None, "current"),
        ("active", 0, dt.date(2026, 3, 6), "current"),
        ("active", 0, dt.date(2026, 3, 5), "preventive"),  # 5 days ahead: inside the window
        ("active", 0, AS_OF, "preventive"),
        ("active", 1, AS_OF, "administrative"),
        ("promise", 60, None, "administrative"),
        ("plan", 61, None, "pre_legal"),
        ("dispute", 120, None, "pre_legal"),
        ("legal", 121, None, "legal_handoff"),
        ("paid", 0, None, "closed"),
        ("written_off", 400, None, "closed"),
        ("closed", 0, AS_OF, "closed"),
    ],
)
def test_stage(
    status: str, days_past_due: int, next_due_date: dt.date | None, expected: str
) -> None:
    frame = pl.DataFrame(
        {"status": [status], "days": [days_past_due], "next": [next_due_date]},
        schema={"status": pl.String, "days": pl.Int64, "next": pl.Date},
    )
    computed = frame.select(
        stage(pl.col("status"), pl.col("days"), pl.col("next"), AS_OF, StageThresholds())
    )
    assert computed[0, 0] == expected


def test_stage_thresholds_are_per_creditor() -> None:
    thresholds = StageThresholds(
        administrative_from_days=10, pre_legal_from_days=30, legal_handoff_from_days=90
    )
    frame = pl.DataFrame(
        {"days": [5, 10, 30, 90], "next": [None] * 4},
        schema={"days": pl.Int64, "next": pl.Date},
    )
    stages = frame.select(
        stage(pl.lit("active"), pl.col("days"), pl.col("next"), AS_OF, thresholds)
    ).to_series()
    assert stages.to_list() == ["current", "administrative", "pre_legal", "legal_handoff"]
