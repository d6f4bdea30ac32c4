"""The balance rule for payments, shared by the bulk import and ``debts.actions.record_payment``.

A creditor reports each account's balance as of a date (``Account.balance_as_of``). Payments
made after that date reduce the balance; earlier ones are already included in it.
"""

import polars as pl


def balance_reductions(payments: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Per account, the sum of ``payments`` made after the account's ``balance_as_of``.

    ``payments``: ``account_id``, ``paid_on`` (date in the creditor's timezone), ``amount``.
    ``accounts``: ``account_id``, ``balance_as_of``. Returns ``account_id``, ``reduction`` for
    the accounts with at least one such payment; amounts keep the unit they came in.
    """
    return (
        payments.join(accounts.select("account_id", "balance_as_of"), on="account_id")
        .filter(pl.col("paid_on") > pl.col("balance_as_of"))
        .group_by("account_id")
        .agg(pl.col("amount").sum().alias("reduction"))
    )
