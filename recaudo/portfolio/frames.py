"""Declared schemas of the frames the portfolio engine passes between its pure functions.

Money inside frames is integer minor units (``*_minor`` columns, Int64) in the account's currency.
"""

import polars as pl

INSTALMENTS = {
    "account_id": pl.Int64,
    "number": pl.Int64,
    "due_date": pl.Date,
    "amount_due_minor": pl.Int64,
}

PAYMENTS = {
    "account_id": pl.Int64,
    "paid_on": pl.Date,
    "amount_minor": pl.Int64,
}


def empty(schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
