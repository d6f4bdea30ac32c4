"""Declared schemas of the frames the portfolio engine passes between its pure functions.

Money inside frames is integer minor units (``*_minor`` columns, Int64) in the account's currency;
``minor_unit`` is that currency's number of decimals (COP 2, CLP 0). Amounts configured on a
creditor or a rule (stored with four decimals) travel as ``*_ten_thousandths`` integers.
"""

import polars as pl

Schema = dict[str, pl.DataType | type[pl.DataType]]

INSTALMENTS: Schema = {
    "account_id": pl.Int64,
    "number": pl.Int64,
    "due_date": pl.Date,
    "amount_due_minor": pl.Int64,
}

PAYMENTS: Schema = {
    "account_id": pl.Int64,
    "paid_on": pl.Date,
    "amount_minor": pl.Int64,
}

# One row per account with the customer's fields the engine needs.
ACCOUNTS: Schema = {
    "account_id": pl.Int64,
    "status": pl.String,
    "product_type": pl.String,
    "minor_unit": pl.Int64,
    "balance_minor": pl.Int64,
    "balance_as_of": pl.Date,
    "customer_type": pl.String,
    "customer_since": pl.Date,
}

# What dpd.delinquency returns, one row per account.
DELINQUENCY: Schema = {
    "account_id": pl.Int64,
    "days_past_due": pl.Int64,
    "overdue_amount_minor": pl.Int64,
    "next_due_date": pl.Date,
    "on_time_share": pl.Float64,
}

# The values the engine writes on an account; also the shape of an account's current values.
ENGINE_VALUES: Schema = {
    "account_id": pl.Int64,
    "days_past_due": pl.Int64,
    "overdue_amount_minor": pl.Int64,
    "next_due_date": pl.Date,
    "bucket": pl.String,
    "stage": pl.String,
    "segment": pl.String,
    "segment_rule_id": pl.Int64,
    "score": pl.Float64,
}

# A creditor's segmentation table; null bounds and empty lists match any account.
SEGMENT_RULES: Schema = {
    "rule_id": pl.Int64,
    "position": pl.Int64,
    "segment": pl.String,
    "active": pl.Boolean,
    "min_balance_ten_thousandths": pl.Int64,
    "max_balance_ten_thousandths": pl.Int64,
    "min_tenure_months": pl.Int64,
    "max_tenure_months": pl.Int64,
    "min_days_past_due": pl.Int64,
    "max_days_past_due": pl.Int64,
    "min_score": pl.Float64,
    "max_score": pl.Float64,
    "customer_types": pl.List(pl.String),
    "product_types": pl.List(pl.String),
    "stages": pl.List(pl.String),
}

# Transition events: one row per account and changed field.
TRANSITIONS: Schema = {
    "account_id": pl.Int64,
    "kind": pl.String,
    "from_value": pl.String,
    "to_value": pl.String,
}


def empty(schema: Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
