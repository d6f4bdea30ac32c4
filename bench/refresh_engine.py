"""Time the refresh engine on a synthetic portfolio, against a per-account ORM loop.

    DATABASE_URL=... .venv/bin/python bench/refresh_engine.py [ACCOUNTS]   # default 100000

Builds ACCOUNTS accounts (6 monthly instalments and 3 payments each) for a scratch creditor
straight into the database with ``bulk.insert_frame``, then times, each in a child process (so
its peak resident memory is its own): the first refresh (every account written), a second one
for the next day (the daily case) and the same date again (nothing to write). Then the same
computation as a straightforward per-account ORM loop on 10,000 accounts, and the ratio of
throughputs. The scratch creditor and everything under it is removed at the end.
"""

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

import polars as pl  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from recaudo.debts.models import Account, Creditor  # noqa: E402
from recaudo.portfolio.io.bulk import insert_frame, read_frame  # noqa: E402
from recaudo.portfolio.io.refresh import refresh_creditor  # noqa: E402
from recaudo.portfolio.models import SegmentRule  # noqa: E402

AS_OF = dt.date(2026, 3, 1)
LOOP_ACCOUNTS = 10_000
INSTALMENTS_PER_ACCOUNT = 6
PAYMENTS_PER_ACCOUNT = 3


def _noise(count: int, seed: int, modulo: int) -> pl.Expr:
    return (pl.int_range(count, dtype=pl.Int64).hash(seed) % modulo).cast(pl.Int64)


def build_portfolio(count: int) -> Creditor:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    creditor = Creditor.objects.create(
        name=slug, slug=slug, country="CO", currency="COP", past_due_tolerance=Decimal("1000")
    )
    SegmentRule.objects.create(
        creditor=creditor, position=1, segment="legal", min_days_past_due=121
    )
    SegmentRule.objects.create(
        creditor=creditor, position=2, segment="cards", product_types=["credit_card"]
    )
    SegmentRule.objects.create(creditor=creditor, position=3, segment="likely", min_score=0.8)
    now = timezone.now()
    with transaction.atomic():
        insert_frame("customers_customer", _customers(creditor, count, now))
        customers = read_frame(
            "SELECT id FROM customers_customer WHERE creditor_id = %s ORDER BY id",
            [creditor.pk],
            {"customer_id": pl.Int64},
        )
        insert_frame("debts_account", _accounts(creditor, customers, now))
        account_ids = read_frame(
            "SELECT id FROM debts_account WHERE creditor_id = %s ORDER BY id",
            [creditor.pk],
            {"account_id": pl.Int64},
        )
        insert_frame("debts_instalment", _instalments(account_ids))
        insert_frame("debts_payment", _payments(creditor, account_ids, now))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have them
    return creditor


def _customers(creditor: Creditor, count: int, now: dt.datetime) -> pl.DataFrame:
    return pl.DataFrame({"n": pl.int_range(count, eager=True)}).select(
        creditor_id=pl.lit(creditor.pk),
        external_id=pl.format("C{}", pl.col("n")),
        kind=pl.lit("person"),
        first_name=pl.lit("Ana"),
        last_name=pl.lit("Pérez"),
        document_type=pl.lit("CC"),
        document_number=(pl.col("n") + 10_000_000).cast(pl.String),
        country=pl.lit("CO"),
        timezone=pl.lit("America/Bogota"),
        language=pl.lit("es"),
        customer_since=pl.lit(dt.date(2018, 1, 1)) + pl.duration(days=_noise(count, 1, 3000)),
        customer_type=pl.when(_noise(count, 2, 50) == 0)
        .then(pl.lit("vip"))
        .otherwise(pl.lit("retail")),
        vulnerable=pl.lit(False),
        preferred_channels=pl.lit("[]"),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    )


def _accounts(creditor: Creditor, customers: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    count = customers.height
    balance = (_noise(count, 3, 5_000) + 100) * 1000
    return customers.select(
        creditor_id=pl.lit(creditor.pk),
        customer_id="customer_id",
        external_id=pl.format("A{}", pl.int_range(count)),
        product_type=pl.when(_noise(count, 4, 3) == 0)
        .then(pl.lit("credit_card"))
        .otherwise(pl.lit("personal_loan")),
        currency=pl.lit("COP"),
        original_amount=balance.cast(pl.String),
        opened_at=pl.lit(dt.date(2025, 6, 1)),
        balance=balance.cast(pl.String),
        balance_as_of=pl.lit(dt.date(2026, 1, 1)),
        status=pl.when(_noise(count, 5, 100) == 0).then(pl.lit("paid")).otherwise(pl.lit("active")),
        days_past_due=pl.lit(0),
        overdue_amount=pl.lit("0"),
        bucket=pl.lit("current"),
        stage=pl.lit("current"),
        segment=pl.lit(""),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    )


def _instalments(account_ids: pl.DataFrame) -> pl.DataFrame:
    count = account_ids.height
    first_due = pl.lit(dt.date(2025, 9, 1)) + pl.duration(days=_noise(count, 6, 28))
    amount = (_noise(count, 7, 500) + 50) * 1000
    base = account_ids.with_columns(first_due=first_due, amount=amount)
    return base.join(
        pl.DataFrame({"number": range(1, INSTALMENTS_PER_ACCOUNT + 1)}), how="cross"
    ).select(
        "account_id",
        "number",
        due_date=pl.col("first_due").dt.offset_by(pl.format("{}mo", pl.col("number") - 1)),
        amount_due=pl.col("amount").cast(pl.String),
        amount_paid=pl.lit("0"),
    )


def _payments(creditor: Creditor, account_ids: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    instalments = _instalments(account_ids).filter(pl.col("number") <= PAYMENTS_PER_ACCOUNT)
    count = instalments.height
    delay = _noise(count, 8, 60) - 10  # from 10 days early to 49 days late
    paid_at = instalments["due_date"].cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return instalments.select(
        creditor_id=pl.lit(creditor.pk),
        account_id="account_id",
        amount="amount_due",
        paid_at=paid_at + pl.duration(days=delay, hours=15),
        method=pl.lit("bank_transfer"),
        channel=pl.lit(""),
        external_reference=pl.format("R{}-{}", pl.col("account_id"), pl.col("number")),
        created_at=pl.lit(now),
    )


def remove_portfolio(creditor: Creditor) -> None:
    account_ids = "SELECT id FROM debts_account WHERE creditor_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("debts_accountevent", "debts_instalment"):
            cursor.execute(
                f"DELETE FROM {table} WHERE account_id IN ({account_ids})", [creditor.pk]
            )
        for table in (
            "debts_payment",
            "debts_account",
            "customers_customer",
            "portfolio_segmentrule",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE creditor_id = %s", [creditor.pk])
        cursor.execute("DELETE FROM debts_creditor WHERE id = %s", [creditor.pk])


def naive_loop(creditor: Creditor, as_of: dt.date, limit: int) -> float:
    """Seconds for the same computation written as a per-account ORM loop."""
    rules = list(SegmentRule.objects.filter(creditor=creditor, active=True).order_by("position"))
    tolerance = creditor.past_due_tolerance
    started = time.perf_counter()
    accounts = Account.objects.filter(creditor=creditor).select_related("customer")[:limit]
    with transaction.atomic():
        for account in accounts:
            _naive_account(account, as_of, tolerance, rules)
    return time.perf_counter() - started


def _naive_account(
    account: Account, as_of: dt.date, tolerance: Decimal, rules: list[SegmentRule]
) -> None:
    until = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    payments = list(account.payments.filter(paid_at__lt=until).order_by("paid_at"))
    left = sum((payment.amount for payment in payments), Decimal(0))
    days_past_due, overdue, next_due, due_count, on_time = 0, Decimal(0), None, 0, 0
    owed = Decimal(0)
    for instalment in account.instalments.order_by("due_date", "number"):
        paid = min(left, instalment.amount_due)
        left -= paid
        unpaid = instalment.amount_due - paid
        owed += instalment.amount_due
        if instalment.due_date < as_of:
            due_count += 1
            overdue += unpaid
            by_due = sum(
                (p.amount for p in payments if p.paid_at.date() <= instalment.due_date),
                Decimal(0),
            )
            on_time += by_due >= owed - tolerance
            if unpaid > tolerance and days_past_due == 0:
                days_past_due = (as_of - instalment.due_date).days
        elif unpaid > 0 and next_due is None:
            next_due = instalment.due_date
    bounds = [30, 60, 90, 120, 180]
    labels = ["1-30", "31-60", "61-90", "91-120", "121-180"]
    bucket = "current" if days_past_due == 0 else "181+"
    for bound, label in zip(reversed(bounds), reversed(labels), strict=True):
        if 0 < days_past_due <= bound:
            bucket = label
    if account.status in ("paid", "written_off", "closed"):
        stage = "closed"
    elif days_past_due >= 121:
        stage = "legal_handoff"
    elif days_past_due >= 61:
        stage = "pre_legal"
    elif days_past_due >= 1:
        stage = "administrative"
    elif next_due is not None and (next_due - as_of).days <= 5:
        stage = "preventive"
    else:
        stage = "current"
    share = on_time / due_count if due_count else None
    score = 0.5 if share is None else min(0.99, 0.2 + 0.6 * share)
    segment, rule_id = "general", None
    for rule in rules:
        if rule.min_days_past_due is not None and days_past_due < rule.min_days_past_due:
            continue
        if rule.product_types and account.product_type not in rule.product_types:
            continue
        if rule.min_score is not None and score < rule.min_score:
            continue
        segment, rule_id = rule.segment, rule.pk
        break
    account.days_past_due, account.overdue_amount, account.next_due_date = (
        days_past_due,
        overdue,
        next_due,
    )
    account.bucket, account.stage, account.segment, account.segment_rule_id = (
        bucket,
        stage,
        segment,
        rule_id,
    )
    account.score, account.computed_as_of = score, as_of
    account.save(
        update_fields=[
            "days_past_due",
            "overdue_amount",
            "next_due_date",
            "bucket",
            "stage",
            "segment",
            "segment_rule_id",
            "score",
            "computed_as_of",
        ]
    )


def run_refresh_child(slug: str, as_of: str) -> None:
    creditor = Creditor.objects.get(slug=slug)
    outcome = refresh_creditor(creditor, dt.date.fromisoformat(as_of))
    seconds = outcome.seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{as_of}: {sum(seconds.values()):.2f} s (load {seconds['load']:.2f}, compute "
        f"{seconds['compute']:.2f}, write {seconds['write']:.2f}); {outcome.updated} updated, "
        f"{sum(outcome.transitions.values())} transitions; peak {peak:.0f} MiB"
    )


def timed_child(slug: str, as_of: dt.date) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", slug, as_of.isoformat()], check=True)
    return time.perf_counter() - started


def main(count: int) -> None:
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Polars {pl.__version__}, {connection.vendor}, {count:,} accounts"
    )
    started = time.perf_counter()
    creditor = build_portfolio(count)
    print(f"built in {time.perf_counter() - started:.1f} s")
    try:
        first = timed_child(creditor.slug, AS_OF)
        timed_child(creditor.slug, AS_OF + dt.timedelta(days=1))
        timed_child(creditor.slug, AS_OF + dt.timedelta(days=1))
        loop_count = min(LOOP_ACCOUNTS, count)
        loop_seconds = naive_loop(creditor, AS_OF, loop_count)
        engine_rate = count / first
        loop_rate = loop_count / loop_seconds
        print(f"engine (first run, process included): {engine_rate:,.0f} accounts/s")
        print(
            f"per-account ORM loop: {loop_count:,} accounts in {loop_seconds:.1f} s, {loop_rate:,.0f} accounts/s"
        )
        print(f"ratio: {engine_rate / loop_rate:.0f}x")
    finally:
        remove_portfolio(creditor)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        run_refresh_child(sys.argv[2], sys.argv[3])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
