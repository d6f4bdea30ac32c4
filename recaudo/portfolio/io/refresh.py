"""The refresh's database side: load a creditor's frames fast, run the pure engine, write back
only the accounts that changed and their transition events, in one transaction per creditor.
"""

import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from recaudo.debts.models import Creditor
from recaudo.lib.money import minor_unit
from recaudo.portfolio import frames, stages
from recaudo.portfolio.io.bulk import (
    bulk_cache,
    insert_frame,
    is_postgresql,
    read_frame,
    update_from_frame,
)
from recaudo.portfolio.models import SegmentRule
from recaudo.portfolio.refresh import (
    TEN_THOUSANDTHS_DIGITS,
    EngineSettings,
    RefreshResult,
    refresh,
)

SCALE = 10**TEN_THOUSANDTHS_DIGITS  # money columns keep four decimals
# Columns of the instalments frame about payment plans (allocation.allocate_oldest_first).
PLAN_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "plan_id": pl.Int64,
    "plan_paid_before_minor": pl.Int64,
}
# Engine values that debts.Account indexes (account_stage_bucket, account_segment).
INDEXED_VALUES = ("bucket", "stage", "segment")


@dataclass(frozen=True)
class RefreshInputs:
    accounts: pl.DataFrame  # frames.ACCOUNTS
    current: pl.DataFrame  # frames.ENGINE_VALUES plus computed_as_of
    instalments: pl.DataFrame  # frames.INSTALMENTS
    payments: pl.DataFrame  # frames.PAYMENTS
    rules: pl.DataFrame  # frames.SEGMENT_RULES


@dataclass
class CreditorRefresh:
    """What one creditor's refresh did, for the command's summary."""

    creditor: str
    as_of: dt.date
    accounts: int = 0
    updated: int = 0
    transitions: dict[str, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    by_bucket: dict[str, int] = field(default_factory=dict)
    by_segment: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # The agreements step (debts.actions.settle_agreements).
    kept_promises: int = 0
    completed_plans: int = 0
    broken_promises: int = 0
    broken_plans: int = 0


def engine_settings(creditor: Creditor) -> EngineSettings:
    return EngineSettings(
        past_due_tolerance=Decimal(creditor.past_due_tolerance),
        thresholds=stages.StageThresholds(
            administrative_from_days=creditor.administrative_from_days,
            pre_legal_from_days=creditor.pre_legal_from_days,
            legal_handoff_from_days=creditor.legal_handoff_from_days,
            preventive_days=creditor.preventive_days,
        ),
        bucket_bounds=tuple(creditor.bucket_bounds or stages.DEFAULT_BUCKET_BOUNDS),
        default_segment=creditor.default_segment,
    )


def today_for(creditor: Creditor) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(creditor.timezone)).date()


def creditor_currencies(creditor: Creditor) -> list[str]:
    currencies = set(creditor.accounts.values_list("currency", flat=True).distinct())
    return sorted(currencies | {creditor.currency})


def minor_units_sql(money: str, currencies: list[str]) -> tuple[str, list[Any]]:
    """SQL turning ``money`` (of account ``a``) into integer minor units of the account's currency.

    ``currencies`` holds every account's currency: when it is one, the factor is a constant,
    which spares the database a ``CASE`` per value (about a second over a million accounts).
    """
    if len(currencies) == 1:
        return f"CAST(ROUND({money} * %s) AS BIGINT)", [10 ** minor_unit(currencies[0])]
    cases = " ".join("WHEN %s THEN %s" for _ in currencies)
    params: list[Any] = []
    for currency in currencies:
        params += [currency, 10 ** minor_unit(currency)]
    return f"CAST(ROUND({money} * CASE a.currency {cases} ELSE {SCALE} END) AS BIGINT)", params


def _with_minor_units(accounts: pl.DataFrame, currencies: list[str]) -> pl.DataFrame:
    units = pl.DataFrame(
        {"currency": currencies, "minor_unit": [minor_unit(code) for code in currencies]},
        schema={"currency": pl.String, "minor_unit": pl.Int64},
    )
    return accounts.join(units, on="currency", how="left").with_columns(
        pl.col("minor_unit").fill_null(TEN_THOUSANDTHS_DIGITS)
    )


def load_accounts(creditor: Creditor, currencies: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's ACCOUNTS frame and the accounts' current engine values."""
    balance, balance_params = minor_units_sql("a.balance", currencies)
    overdue, overdue_params = minor_units_sql("a.overdue_amount", currencies)
    sql = (
        f"SELECT a.id, a.status, a.product_type, a.currency, {balance}, a.balance_as_of, "
        "c.customer_type, c.customer_since, "
        f"a.days_past_due, {overdue}, a.next_due_date, a.bucket, a.stage, a.segment, "
        "a.segment_rule_id, a.score, a.computed_as_of "
        "FROM debts_account a JOIN customers_customer c ON c.id = a.customer_id "
        "WHERE a.creditor_id = %s"
    )
    schema = {
        "account_id": pl.Int64,
        "status": pl.String,
        "product_type": pl.String,
        "currency": pl.String,
        "balance_minor": pl.Int64,
        "balance_as_of": pl.Date,
        "customer_type": pl.String,
        "customer_since": pl.Date,
        **{name: dtype for name, dtype in frames.ENGINE_VALUES.items() if name != "account_id"},
        "computed_as_of": pl.Date,
    }
    rows = _with_minor_units(
        read_frame(sql, [*balance_params, *overdue_params, creditor.pk], schema), currencies
    )
    current = rows.select(*frames.ENGINE_VALUES, "computed_as_of")
    return rows.select(*frames.ACCOUNTS), current


def load_instalments(creditor: Creditor, currencies: list[str]) -> pl.DataFrame:
    amount, params = minor_units_sql("i.amount_due", currencies)
    paid_before, paid_before_params = minor_units_sql("COALESCE(p.paid_before, 0)", currencies)
    sql = (
        f"SELECT i.account_id, i.number, i.due_date, {amount}, i.plan_id, {paid_before} "
        "FROM debts_instalment i JOIN debts_account a ON a.id = i.account_id "
        "LEFT JOIN debts_plan p ON p.id = i.plan_id "
        "WHERE a.creditor_id = %s"
    )
    # A plan's instalments are paid after the creditor's, less what was paid before the plan
    # (allocation.py).
    return read_frame(
        sql, [*params, *paid_before_params, creditor.pk], frames.INSTALMENTS | PLAN_COLUMNS
    )


def end_of_day_utc(creditor: Creditor, as_of: dt.date) -> dt.datetime:
    next_midnight = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    return next_midnight.replace(tzinfo=zoneinfo.ZoneInfo(creditor.timezone)).astimezone(dt.UTC)


def load_payments(creditor: Creditor, currencies: list[str], as_of: dt.date) -> pl.DataFrame:
    """Payments made up to the end of ``as_of`` in the creditor's timezone, dated in it."""
    amount, params = minor_units_sql("p.amount", currencies)
    until = connection.ops.adapt_datetimefield_value(end_of_day_utc(creditor, as_of))
    where = "FROM debts_payment p JOIN debts_account a ON a.id = p.account_id WHERE p.creditor_id = %s AND p.paid_at < %s"
    if is_postgresql():
        sql = f"SELECT p.account_id, (p.paid_at AT TIME ZONE %s)::date, {amount} {where}"
        return read_frame(sql, [creditor.timezone, *params, creditor.pk, until], frames.PAYMENTS)
    sql = f"SELECT p.account_id, p.paid_at, {amount} {where}"
    schema = frames.PAYMENTS | {"paid_on": pl.Datetime("us", "UTC")}
    return read_frame(sql, [*params, creditor.pk, until], schema).with_columns(
        pl.col("paid_on").dt.convert_time_zone(creditor.timezone).dt.date()
    )


def _rule_bound(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount.scaleb(TEN_THOUSANDTHS_DIGITS))


def load_rules(creditor: Creditor) -> pl.DataFrame:
    rows = [
        {
            "rule_id": rule.pk,
            "position": rule.position,
            "segment": rule.segment,
            "active": rule.active,
            "min_balance_ten_thousandths": _rule_bound(rule.min_balance),
            "max_balance_ten_thousandths": _rule_bound(rule.max_balance),
            "min_tenure_months": rule.min_tenure_months,
            "max_tenure_months": rule.max_tenure_months,
            "min_days_past_due": rule.min_days_past_due,
            "max_days_past_due": rule.max_days_past_due,
            "min_score": rule.min_score,
            "max_score": rule.max_score,
            "customer_types": list(rule.customer_types or []),
            "product_types": list(rule.product_types or []),
            "stages": list(rule.stages or []),
        }
        for rule in SegmentRule.objects.filter(creditor=creditor)
    ]
    return pl.DataFrame(rows, schema=frames.SEGMENT_RULES)


def load_inputs(creditor: Creditor, as_of: dt.date) -> RefreshInputs:
    currencies = creditor_currencies(creditor)
    accounts, current = load_accounts(creditor, currencies)
    return RefreshInputs(
        accounts=accounts,
        current=current,
        instalments=load_instalments(creditor, currencies),
        payments=load_payments(creditor, currencies, as_of),
        rules=load_rules(creditor),
    )


def minor_units_as_text(minor: pl.Expr, digits: pl.Expr) -> pl.Expr:
    """Non-negative minor units as a decimal text with four places (``1050`` COP → ``10.5000``)."""
    scaled = minor * pl.lit(10, dtype=pl.Int64).pow(TEN_THOUSANDTHS_DIGITS - digits)
    return pl.format(
        "{}.{}", scaled // SCALE, (scaled % SCALE).cast(pl.String).str.zfill(TEN_THOUSANDTHS_DIGITS)
    )


def account_updates(changed: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Rows for ``bulk.update_from_frame`` on ``debts_account`` (the date columns are constants)."""
    return changed.join(
        accounts.select("account_id", "minor_unit"), on="account_id", how="left"
    ).select(
        id="account_id",
        days_past_due="days_past_due",
        overdue_amount=minor_units_as_text(pl.col("overdue_amount_minor"), pl.col("minor_unit")),
        next_due_date="next_due_date",
        bucket="bucket",
        stage="stage",
        segment="segment",
        segment_rule_id="segment_rule_id",
        score="score",
    )


def indexed_value_changed(changed: pl.DataFrame, current: pl.DataFrame) -> pl.Series:
    """For each row of ``changed``: whether a column under an account index changed."""
    joined = changed.join(current, on="account_id", how="left", suffix="_current")
    return joined.select(
        pl.any_horizontal(
            pl.col(name).ne_missing(pl.col(f"{name}_current")) for name in INDEXED_VALUES
        )
    ).to_series()


def transition_events(transitions: pl.DataFrame, as_of: dt.date, now: dt.datetime) -> pl.DataFrame:
    """Rows for ``bulk.insert_frame`` on ``debts_accountevent``."""
    return transitions.select(
        "account_id",
        "kind",
        at=pl.lit(now, dtype=pl.Datetime("us", "UTC")),
        as_of=pl.lit(as_of, dtype=pl.Date),
        actor=pl.lit("system"),
        actor_name=pl.lit(""),
        from_value="from_value",
        to_value="to_value",
        data=pl.lit("{}"),
    )


def mark_computed(creditor: Creditor, as_of: dt.date) -> int:
    """Set ``computed_as_of`` on the accounts whose values did not change."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE debts_account SET computed_as_of = %s "
            "WHERE creditor_id = %s AND (computed_as_of IS NULL OR computed_as_of <> %s)",
            [as_of, creditor.pk, as_of],
        )
        return cursor.rowcount


def write_result(
    creditor: Creditor, inputs: RefreshInputs, result: RefreshResult, as_of: dt.date
) -> None:
    now = timezone.now()
    updates = account_updates(result.changed, inputs.accounts)
    moved = indexed_value_changed(result.changed, inputs.current)
    constants = {"computed_as_of": as_of, "updated_at": now}
    update_from_frame("debts_account", updates.filter(moved), constants=constants)
    # Most daily changes leave bucket, stage and segment alone. SQLite rewrites the entries of
    # every index with a column in the SET list, changed or not: leaving them out spares that.
    update_from_frame(
        "debts_account", updates.filter(~moved).drop(*INDEXED_VALUES), constants=constants
    )
    mark_computed(creditor, as_of)
    insert_frame("debts_accountevent", transition_events(result.transitions, as_of, now))


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame.group_by(column).len().sort(column)
    return dict(zip(counted[column].to_list(), counted["len"].to_list(), strict=True))


def refresh_creditor(creditor: Creditor, as_of: dt.date) -> CreditorRefresh:
    """Recompute every account of ``creditor`` as of ``as_of`` and store what changed."""
    outcome = CreditorRefresh(creditor=creditor.slug, as_of=as_of)
    from recaudo.debts.actions import settle_agreements

    started = time.perf_counter()
    # A database step before the pure engine, one short transaction per account (no account
    # stays locked during the engine): an account whose promise or plan was kept, completed
    # or broken has its new status, and the engine computes its stage on that.
    settled = settle_agreements(creditor, as_of=as_of)
    outcome.kept_promises, outcome.completed_plans = settled.kept_promises, settled.completed_plans
    outcome.broken_promises, outcome.broken_plans = settled.broken_promises, settled.broken_plans
    with bulk_cache(), transaction.atomic():
        inputs = load_inputs(creditor, as_of)
        loaded = time.perf_counter()
        result = refresh(
            inputs.accounts,
            inputs.current,
            inputs.instalments,
            inputs.payments,
            inputs.rules,
            engine_settings(creditor),
            as_of,
        )
        computed = time.perf_counter()
        write_result(creditor, inputs, result, as_of)
    written = time.perf_counter()
    outcome.accounts = result.values.height
    outcome.updated = result.changed.height
    outcome.transitions = _counts(result.transitions, "kind")
    outcome.by_stage = _counts(result.values, "stage")
    outcome.by_bucket = _counts(result.values, "bucket")
    outcome.by_segment = _counts(result.values, "segment")
    outcome.seconds = {
        "load": loaded - started,
        "compute": computed - loaded,
        "write": written - computed,
    }
    return outcome


def refresh_account_delinquency(account: Any, as_of: dt.date) -> None:
    """Recompute one account's ``days_past_due``, ``overdue_amount`` and ``next_due_date`` as of
    ``as_of`` with the engine's own function (``dpd.delinquency``), and store them.

    Called after a payment so the pages and the promise limits do not show what was just paid
    as overdue until the nightly refresh; bucket, stage, segment and score stay the refresh's.
    """
    from recaudo.debts.models import Account
    from recaudo.lib.money import from_minor_units, to_minor_units
    from recaudo.portfolio.dpd import delinquency
    from recaudo.portfolio.refresh import with_money_scales

    currency = account.currency
    zone = zoneinfo.ZoneInfo(account.creditor.timezone)
    instalments = pl.DataFrame(
        [
            (
                account.pk,
                number,
                due_date,
                to_minor_units(amount_due, currency),
                plan_id,
                to_minor_units(paid_before or Decimal(0), currency),
            )
            for number, due_date, amount_due, plan_id, paid_before in (
                account.instalments.values_list(
                    "number", "due_date", "amount_due", "plan_id", "plan__paid_before"
                )
            )
        ],
        schema=frames.INSTALMENTS | PLAN_COLUMNS,
        orient="row",
    )
    payments = pl.DataFrame(
        [
            (account.pk, paid_at.astimezone(zone).date(), to_minor_units(amount, currency))
            for paid_at, amount in account.payments.values_list("paid_at", "amount")
        ],
        schema=frames.PAYMENTS,
        orient="row",
    )
    accounts = with_money_scales(
        pl.DataFrame(
            {
                "account_id": [account.pk],
                "minor_unit": [minor_unit(currency)],
                "balance_minor": [0],
            },
            schema={"account_id": pl.Int64, "minor_unit": pl.Int64, "balance_minor": pl.Int64},
        ),
        Decimal(account.creditor.past_due_tolerance),
    )
    [row] = delinquency(accounts, instalments, payments, as_of).iter_rows(named=True)
    account.days_past_due = row["days_past_due"]
    account.overdue_amount = from_minor_units(row["overdue_amount_minor"], currency)
    account.next_due_date = row["next_due_date"]
    Account.objects.filter(pk=account.pk).update(
        days_past_due=account.days_past_due,
        overdue_amount=account.overdue_amount,
        next_due_date=account.next_due_date,
    )
