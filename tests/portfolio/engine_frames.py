"""Small frame builders for the engine's pure-function tests."""

import datetime as dt
from typing import Any

import polars as pl

from recaudo.portfolio import frames


def instalments(*rows: tuple[int, str, int]) -> pl.DataFrame:
    """``(account_id, due date, amount due)`` rows, numbered in order per account."""
    numbered = [
        (account_id, index + 1, dt.date.fromisoformat(due), amount)
        for index, (account_id, due, amount) in enumerate(rows)
    ]
    return pl.DataFrame(numbered, schema=frames.INSTALMENTS, orient="row")


def payments(*rows: tuple[int, str, int]) -> pl.DataFrame:
    """``(account_id, paid on, amount)`` rows."""
    dated = [(account_id, dt.date.fromisoformat(day), amount) for account_id, day, amount in rows]
    return pl.DataFrame(dated, schema=frames.PAYMENTS, orient="row")


def accounts(*account_ids: int, **columns: Any) -> pl.DataFrame:
    defaults: dict[str, Any] = {
        "status": "active",
        "product_type": "personal_loan",
        "minor_unit": 0,
        "balance_minor": 1_000,
        "balance_as_of": dt.date(2026, 1, 1),
        "customer_type": "retail",
        "customer_since": dt.date(2020, 1, 1),
    }
    values = defaults | columns
    return pl.DataFrame(
        {
            "account_id": list(account_ids),
            **{name: [values[name]] * len(account_ids) for name in values},
        },
        schema=frames.ACCOUNTS,
    )
