import polars as pl
import pytest

from recaudo.portfolio.scoring import baseline_score


@pytest.mark.parametrize(
    ("days_past_due", "on_time_share", "tenure_months", "expected"),
    [
        (0, 1.0, 36, 0.9907),  # 40 + 40 + 20 = 100 points
        (15, 0.5, 24, 0.7914),  # 20 + 20 + 10 = 50
        (45, None, None, 0.3392),  # 0 + 20 + 0 = 20
        (61, 0.0, 11, 0.0344),  # -20 + 0 + 0 = -20
        (200, 0.0, 0, 0.0025),  # -60 + 0 + 0 = -60
    ],
)
def test_baseline_score_points(
    days_past_due: int, on_time_share: float | None, tenure_months: int | None, expected: float
) -> None:
    frame = pl.DataFrame(
        {"days": [days_past_due], "share": [on_time_share], "tenure": [tenure_months]},
        schema={"days": pl.Int64, "share": pl.Float64, "tenure": pl.Int64},
    )
    score = frame.select(baseline_score(pl.col("days"), pl.col("share"), pl.col("tenure")))[0, 0]
    assert score == pytest.approx(expected, abs=1e-4)


def test_score_falls_as_days_past_due_grow() -> None:
    frame = pl.DataFrame({"days": [0, 10, 40, 70, 100, 200]})
    scores = frame.select(baseline_score(pl.col("days"), pl.lit(0.5), pl.lit(24))).to_series()
    assert scores.to_list() == sorted(scores.to_list(), reverse=True)
    assert all(0 < score < 1 for score in scores)
