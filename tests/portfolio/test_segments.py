import datetime as dt
from typing import Any

import polars as pl
import pytest

from recaudo.portfolio import frames
from recaudo.portfolio.segments import assign_segments, tenure_months


def _rules(*rules: dict[str, Any]) -> pl.DataFrame:
    blank = {name: None for name in frames.SEGMENT_RULES} | {
        "active": True,
        "customer_types": [],
        "product_types": [],
        "stages": [],
    }
    rows = [blank | {"position": index} | rule for index, rule in enumerate(rules)]
    return pl.DataFrame(rows, schema=frames.SEGMENT_RULES)


def _account(**values: Any) -> pl.DataFrame:
    defaults: dict[str, Any] = {
        "account_id": 1,
        "balance_ten_thousandths": 5_000_000,  # 500.0000
        "tenure_months": 24,
        "customer_type": "retail",
        "days_past_due": 10,
        "product_type": "credit_card",
        "stage": "administrative",
        "score": 0.6,
    }
    return pl.DataFrame([defaults | values])


RULES = _rules(
    {"rule_id": 10, "segment": "inactive", "active": False},
    {"rule_id": 11, "segment": "vip", "customer_types": ["vip"]},
    {"rule_id": 12, "segment": "large", "min_balance_ten_thousandths": 10_000_000},
    {
        "rule_id": 13,
        "segment": "late-cards",
        "min_days_past_due": 31,
        "product_types": ["credit_card"],
    },
    {"rule_id": 14, "segment": "new", "max_tenure_months": 6},
    {"rule_id": 15, "segment": "hopeful", "min_score": 0.7, "stages": ["administrative"]},
)


@pytest.mark.parametrize(
    ("account", "segment", "rule_id"),
    [
        ({}, "general", None),
        ({"customer_type": "vip", "balance_ten_thousandths": 99_000_000}, "vip", 11),
        ({"balance_ten_thousandths": 10_000_000}, "large", 12),  # ranges include their ends
        ({"days_past_due": 31}, "late-cards", 13),
        ({"days_past_due": 31, "product_type": "mortgage"}, "general", None),
        ({"tenure_months": 6}, "new", 14),
        ({"tenure_months": None}, "general", None),  # unknown tenure matches no tenure rule
        ({"score": 0.7}, "hopeful", 15),
        ({"score": 0.7, "stage": "pre_legal"}, "general", None),
    ],
)
def test_first_active_matching_rule_wins(
    account: dict[str, Any], segment: str, rule_id: int | None
) -> None:
    result = assign_segments(_account(**account), RULES, "general")
    assert result.select("segment", "segment_rule_id").row(0) == (segment, rule_id)


def test_blank_rule_matches_everything_and_no_rules_means_default() -> None:
    catch_all = _rules({"rule_id": 1, "segment": "all"})
    assert assign_segments(_account(), catch_all, "general")["segment"][0] == "all"
    assert assign_segments(_account(), _rules(), "general")["segment"][0] == "general"


@pytest.mark.parametrize(
    ("since", "as_of", "months"),
    [
        ("2026-01-31", "2026-02-28", 0),
        ("2026-01-31", "2026-03-31", 2),
        ("2024-02-29", "2028-02-29", 48),
        ("2024-02-29", "2028-02-28", 47),
        ("2025-06-15", "2026-06-14", 11),
    ],
)
def test_tenure_in_whole_months(since: str, as_of: str, months: int) -> None:
    frame = pl.DataFrame({"since": [dt.date.fromisoformat(since)]})
    computed = frame.select(tenure_months(pl.col("since"), dt.date.fromisoformat(as_of)))
    assert computed[0, 0] == months
