"""allocate_oldest_first: the creditor's schedule first, then each plan's, less what a plan set
aside (Plan.paid_before)."""

import datetime as dt

import polars as pl
import pytest

from recaudo.portfolio.allocation import allocate_oldest_first
from recaudo.portfolio.frames import INSTALMENTS

SCHEMA = INSTALMENTS | {"plan_id": pl.Int64, "plan_paid_before_minor": pl.Int64}


def allocate(rows: list[tuple[int, str, int, int | None, int]], paid: int) -> list[int]:
    """``rows``: (number, due date, amount due, plan id, plan's paid before); returns what each
    instalment gets, in the order of ``rows``."""
    frame = pl.DataFrame(
        [
            (1, number, dt.date.fromisoformat(due), amount, plan, before)
            for number, due, amount, plan, before in rows
        ],
        schema=SCHEMA,
        orient="row",
    )
    totals = pl.DataFrame({"account_id": [1], "paid_minor": [paid]})
    allocated = allocate_oldest_first(frame, totals)
    by_number = dict(zip(allocated["number"], allocated["amount_paid_minor"], strict=True))
    return [by_number[row[0]] for row in rows]


@pytest.mark.parametrize(
    ("rows", "paid", "expected"),
    [
        # The reviewer's case: #2 (closed at 100, due in March) keeps its 100 although the
        # settlement is due in January; the settlement takes only what came after.
        (
            [
                (1, "2026-01-15", 500, None, 0),
                (2, "2026-03-15", 100, None, 0),
                (10001, "2026-01-27", 360, 7, 0),
            ],
            860,
            [500, 100, 260],
        ),
        # Without a plan: by due date, whatever the number.
        ([(2, "2026-01-15", 100, None, 0), (1, "2026-02-15", 100, None, 0)], 150, [100, 50]),
        # An older plan (closed at what it had) before a newer one.
        (
            [
                (10001, "2026-02-01", 50, 3, 0),
                (10002, "2026-01-20", 200, 4, 0),
                (10003, "2026-02-20", 200, 4, 0),
            ],
            300,
            [50, 200, 50],
        ),
        # No instalments before the plan: the 600 paid before it are set aside.
        ([(10001, "2026-01-27", 360, 7, 600)], 700, [100]),
        ([(10001, "2026-01-27", 360, 7, 600)], 500, [0]),
    ],
)
def test_plans_are_paid_after_the_creditors_schedule(
    rows: list[tuple[int, str, int, int | None, int]], paid: int, expected: list[int]
) -> None:
    assert allocate(rows, paid) == expected
