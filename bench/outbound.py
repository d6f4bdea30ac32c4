"""Plan and queue a day of outbound contacts for a generated portfolio, and time each part.

    .venv/bin/python bench/outbound.py [--accounts 1000000] [--as-of 2026-03-10]

The database is the one in ``DATABASE_URL`` or a scratch SQLite file
(``/tmp/recaudo-bench-outbound.sqlite3``, migrated on first use). The portfolio (one creditor,
``bench-outbound-<accounts>``: customers, accounts already refreshed on the plan date, a phone
for every customer and an e-mail for 60 %, collections consent for their channels, preferred
hours and channels for some) is built straight into the database with ``bulk.insert_frame`` and
reused by later runs of the same size (their earlier plan is deleted first). The default
templates and strategy are installed, then ``plan`` runs in a child process (its peak resident
memory is its own) twice: the first plan of the day and the same day again (nothing new);
``--workers`` (default 2) processes ask the contact policy, the part that costs the most.
Printed: the machine, seconds for loading, planning, the contact policy and writing, the
proposals, messages queued, blocked (by rule), tasks, skipped, and peak memory.
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path("/tmp/recaudo-bench-outbound.sqlite3")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import polars as pl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from recaudo.debts.models import Creditor  # noqa: E402
from recaudo.portfolio.io.bulk import insert_frame, read_frame  # noqa: E402

AS_OF = dt.date(2026, 3, 10)  # a Tuesday


def _noise(count: int, seed: int, modulo: int) -> pl.Expr:
    return (pl.int_range(count, dtype=pl.Int64).hash(seed) % modulo).cast(pl.Int64)


def machine() -> str:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        database = f"SQLite {sqlite3.sqlite_version}"
    return (
        f"{os.cpu_count()} cores, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, Polars {pl.__version__}, {database}"
    )


def build_portfolio(slug: str, count: int, as_of: dt.date) -> Creditor:
    creditor = Creditor.objects.create(
        name=slug, slug=slug, country="CO", currency="COP", timezone="America/Bogota"
    )
    now = timezone.now()
    with transaction.atomic():
        insert_frame("customers_customer", _customers(creditor, count, now))
        customers = read_frame(
            "SELECT id FROM customers_customer WHERE creditor_id = %s ORDER BY id",
            [creditor.pk],
            {"customer_id": pl.Int64},
        )
        insert_frame("debts_account", _accounts(creditor, customers, as_of, now))
        insert_frame("customers_contactpoint", _contact_points(customers, now))
        points = read_frame(
            "SELECT cp.id, cp.medium FROM customers_contactpoint cp "
            "JOIN customers_customer c ON c.id = cp.customer_id WHERE c.creditor_id = %s",
            [creditor.pk],
            {"contact_point_id": pl.Int64, "medium": pl.String},
        )
        granted_at = dt.datetime.combine(as_of - dt.timedelta(days=30), dt.time(12), dt.UTC)
        insert_frame("customers_consent", _consents(points, granted_at))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return creditor


def _customers(creditor: Creditor, count: int, now: dt.datetime) -> pl.DataFrame:
    prefers = _noise(count, 11, 10)
    return pl.DataFrame({"n": pl.int_range(count, eager=True)}).select(
        creditor_id=pl.lit(creditor.pk),
        external_id=pl.format("C{}", pl.col("n")),
        kind=pl.lit("person"),
        first_name=pl.lit("Ana"),
        last_name=pl.lit("Pérez"),
        document_type=pl.lit("CC"),
        document_number=(pl.col("n") + 10_000_000).cast(pl.String),
        country=pl.lit("CO"),
        region=pl.lit(""),
        timezone=pl.lit("America/Bogota"),
        language=pl.lit("es"),
        customer_since=pl.lit(dt.date(2018, 1, 1)),
        customer_type=pl.lit("retail"),
        vulnerable=pl.lit(False),
        # 20 % want evenings, 30 % prefer WhatsApp, 10 % e-mail.
        preferred_channels=pl.when(prefers < 3)
        .then(pl.lit('["whatsapp"]'))
        .when(prefers == 3)
        .then(pl.lit('["email"]'))
        .otherwise(pl.lit("[]")),
        preferred_hours_start=pl.when(_noise(count, 12, 5) == 0)
        .then(pl.lit("18:00:00"))
        .otherwise(pl.lit(None, dtype=pl.String)),
        preferred_hours_end=pl.when(_noise(count, 12, 5) == 0)
        .then(pl.lit("20:00:00"))
        .otherwise(pl.lit(None, dtype=pl.String)),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    )


def _accounts(
    creditor: Creditor, customers: pl.DataFrame, as_of: dt.date, now: dt.datetime
) -> pl.DataFrame:
    """40 % not past due (next due date within a month), 60 % from 1 to 120 days past due."""
    count = customers.height
    balance = (_noise(count, 3, 5_000) + 100) * 1000
    late = _noise(count, 4, 10) >= 4
    days = pl.when(late).then(_noise(count, 5, 120) + 1).otherwise(0)
    stage = (
        pl.when(days >= 121)
        .then(pl.lit("legal_handoff"))
        .when(days >= 61)
        .then(pl.lit("pre_legal"))
        .when(days >= 1)
        .then(pl.lit("administrative"))
        .when(pl.col("next_due_date") <= pl.lit(as_of) + pl.duration(days=5))
        .then(pl.lit("preventive"))
        .otherwise(pl.lit("current"))
    )
    return customers.select(
        creditor_id=pl.lit(creditor.pk),
        customer_id="customer_id",
        external_id=pl.format("A{}", pl.int_range(count)),
        product_type=pl.lit("personal_loan"),
        currency=pl.lit("COP"),
        original_amount=balance.cast(pl.String),
        opened_at=pl.lit(dt.date(2025, 6, 1)),
        balance=balance.cast(pl.String),
        balance_as_of=pl.lit(as_of),
        status=pl.when(_noise(count, 6, 100) == 0).then(pl.lit("paid")).otherwise(pl.lit("active")),
        days_past_due=days,
        overdue_amount=pl.lit("0"),
        next_due_date=pl.lit(as_of) + pl.duration(days=_noise(count, 7, 30)),
        bucket=pl.lit("current"),
        segment=pl.lit("general"),
        score=(_noise(count, 8, 1000) / 1000.0),
        computed_as_of=pl.lit(as_of),
        created_at=pl.lit(now),
        updated_at=pl.lit(now),
    ).with_columns(stage=stage)


def _contact_points(customers: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    count = customers.height
    base = customers.with_row_index("n").with_columns(pl.col("n").cast(pl.Int64))
    common = {
        "role": pl.lit("debtor"),
        "name": pl.lit(""),
        "verified": pl.lit(True),
        "status": pl.lit("active"),
        "created_at": pl.lit(now),
        "updated_at": pl.lit(now),
    }
    phones = base.select(
        customer_id="customer_id",
        medium=pl.lit("phone"),
        value=pl.format("+57300{}", pl.col("n").cast(pl.String).str.zfill(7)),
        **common,
    )
    emails = base.filter(_noise(count, 9, 10) < 6).select(
        customer_id="customer_id",
        medium=pl.lit("email"),
        value=pl.format("cliente{}@example.com", pl.col("n")),
        **common,
    )
    return pl.concat([phones, emails])


def _consents(points: pl.DataFrame, granted_at: dt.datetime) -> pl.DataFrame:
    channels = pl.DataFrame(
        {
            "medium": ["phone", "phone", "phone", "email"],
            "channel": ["sms", "whatsapp", "voice", "email"],
        }
    )
    return points.join(channels, on="medium").select(
        contact_point_id="contact_point_id",
        channel="channel",
        purpose=pl.lit("collections"),
        granted=pl.lit(True),
        source=pl.lit("import"),
        at=pl.lit(granted_at),
    )


def forget_plans(creditor: Creditor) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM channels_message WHERE creditor_id = %s", [creditor.pk])
        cursor.execute("DELETE FROM staff_task WHERE creditor_id = %s", [creditor.pk])


def child(slug: str, as_of: dt.date, workers: int) -> None:
    """Run one plan and print its report as JSON (this process's peak memory included)."""
    from recaudo.strategies.planning import plan

    started = time.perf_counter()
    report = plan(as_of=as_of, creditor=Creditor.objects.get(slug=slug), workers=workers)
    print(
        json.dumps(
            {
                "total": time.perf_counter() - started,
                "seconds": report.seconds,
                "accounts": report.accounts,
                "proposals": report.proposals,
                "queued": report.queued,
                "blocked": report.blocked,
                "tasks": report.tasks,
                "skipped": report.skipped,
                "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run_plan(slug: str, as_of: dt.date, workers: int) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        [sys.executable, __file__, "--child", slug, f"--as-of={as_of}", f"--workers={workers}"],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-2000:] + result.stderr[-4000:])
        raise SystemExit("plan failed")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(title: str, figures: dict) -> None:  # type: ignore[type-arg]
    seconds = figures["seconds"]
    blocked = figures["blocked"]
    print(
        f"{title}: {figures['total']:.1f} s (load {seconds['load']:.1f}, plan {seconds['plan']:.1f}, "
        f"policy {seconds['policy']:.1f}, write {seconds['write']:.1f}), "
        f"peak {figures['peak_mib']:,.0f} MiB"
    )
    print(
        f"  accounts {figures['accounts']:,}, proposals {figures['proposals']:,}, "
        f"queued {figures['queued']:,}, blocked {sum(blocked.values()):,} {blocked or ''}, "
        f"tasks {figures['tasks']:,}, skipped {figures['skipped'] or '-'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes asking the contact policy (default 2)"
    )
    parser.add_argument("--child", metavar="SLUG", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.as_of, arguments.workers)
        return
    call_command("migrate", verbosity=0)
    print(f"Machine: {machine()}")
    slug = f"bench-outbound-{arguments.accounts}"
    creditor = Creditor.objects.filter(slug=slug).first()
    if creditor is None:
        started = time.perf_counter()
        creditor = build_portfolio(slug, arguments.accounts, arguments.as_of)
        print(f"Built {arguments.accounts:,} accounts in {time.perf_counter() - started:.1f} s")
    else:
        forget_plans(creditor)
        print(f"Reusing {slug}")
    from recaudo.strategies.actions import install_default_templates
    from recaudo.strategies.default_strategy import install_default_strategy

    install_default_templates(creditor)
    install_default_strategy(creditor)
    workers = arguments.workers
    report(
        f"First plan of the day, {workers} policy workers", run_plan(slug, arguments.as_of, workers)
    )
    report("Same day again", run_plan(slug, arguments.as_of, workers))


if __name__ == "__main__":
    main()
