"""Build the dashboards' daily metrics on a generated portfolio and time the build and the reads.

    .venv/bin/python bench/analytics.py [--accounts 1000000] [--days 90] [--build-days 7]
                                        [--postgres] [--seed 1]

Generates, straight into a scratch database (``/tmp/recaudo-bench-analytics.sqlite3``,
recreated; with ``--postgres`` a scratch PostgreSQL database created and dropped here), one
creditor with ``--accounts`` accounts and ``--days`` days of history shaped like a busy
collections operation: per day about 3 % of the accounts get a message (a fifth delivered late,
a tenth answered), 1 % pay, 1 % change bucket, 0.2 % promise, 0.2 % talk to the assistant (a tenth
handed to an agent). Then it times:

- ``build_day`` of the as-of day (flow and snapshot metrics: the nightly run's cost);
- ``build_day`` of ``--build-days`` past days (flow only: a backfill's cost per day);
- reading a dashboard (``recaudo.analytics.queries.dashboard``, the page's own read) over the
  last 7, 30 and 90 days, every segment and one segment. Days not built are filled with copies
  of the built days' rows (same row counts, shifted dates), so the reads see a full 90 days.

The data is generated with Polars and written with ``recaudo.portfolio.io.bulk.insert_frame``
(the import's bulk writer), not through the import: the bench is about the metrics.
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import psycopg

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path("/tmp/recaudo-bench-analytics.sqlite3")
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
AS_OF = dt.date(2026, 2, 28)
ZONE = "America/Bogota"
SEGMENTS = ["preventivo", "temprana", "temprana_alto_valor", "media", "tardia", "general"]
BUCKETS = ["current", "1-30", "31-60", "61-90", "91-120", "121-180", "181+"]
STAGES = ["current", "preventive", "administrative", "pre_legal", "legal_handoff"]
CHANNELS = ["sms", "whatsapp", "email", "voice"]
UTC = dt.UTC


def machine(database_url: str) -> str:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    if database_url.startswith("sqlite"):
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        with psycopg.connect(database_url) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        database = f"PostgreSQL {row[0] if row else '?'}"
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, Polars {pl.__version__}, {database}, "
        f"load average {load:.1f} at start"
    )


@contextmanager
def scratch_database(use_postgres: bool) -> Iterator[str]:
    if use_postgres:
        name = f"recaudo_bench_analytics_{os.getpid()}"
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{SQLITE_FILE}"


def cpu_seconds() -> float:
    """This process's CPU time: with SQLite it includes the database's work; on a loaded
    machine it is the figure to compare (wall time depends on the other processes)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed(label: str, results: list[tuple[str, float, str]], note: str = "") -> Iterator[None]:
    started, cpu = time.perf_counter(), cpu_seconds()
    yield
    seconds = time.perf_counter() - started
    note = f"{note} (CPU {cpu_seconds() - cpu:.2f} s)".strip()
    results.append((label, seconds, note))
    print(f"  {label:<52}{seconds:>9.2f} s  {note}", flush=True)


def complete(model: Any, frame: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """Add every other non-null column of ``model`` with its default (``now`` for timestamps)."""
    from django.db import models

    extra = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in frame.columns or field.null:
            continue
        if isinstance(field, models.DateTimeField):
            extra[field.column] = pl.lit(now, dtype=pl.Datetime("us", "UTC"))
        elif field.has_default():
            value = field.get_default()
            if isinstance(field, models.JSONField):
                extra[field.column] = pl.lit(json.dumps(value), dtype=pl.String)
            else:
                extra[field.column] = pl.lit(int(value) if isinstance(value, bool) else value)
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    return frame.with_columns(**extra) if extra else frame


def money(values: np.ndarray) -> pl.Series:
    """Whole pesos as decimal text with four places (the form the money columns store)."""
    return pl.Series([f"{value}.0000" for value in values.tolist()], dtype=pl.String)


def instants(rng: np.random.Generator, days: np.ndarray) -> pl.Series:
    """A time on each local day (``days`` back from the as-of day), 07:00 to 21:00 Bogotá."""
    start = dt.datetime.combine(AS_OF, dt.time(7), tzinfo=UTC) + dt.timedelta(hours=5)
    seconds = rng.integers(0, 14 * 3600, size=days.size)
    offsets = (-days.astype(np.int64) * 86400 + seconds) * 1_000_000
    base = int(start.timestamp() * 1_000_000)
    return pl.Series(base + offsets).cast(pl.Datetime("us", "UTC"))


def generate(accounts: int, days: int, seed: int) -> dict[str, int]:
    """Write the portfolio and its history; return the rows written per table."""
    from django.db import transaction

    from recaudo.channels.models import Message
    from recaudo.conversations.models import Conversation, Turn
    from recaudo.customers.models import Customer
    from recaudo.debts.models import Account, AccountEvent, Creditor, Payment, Promise
    from recaudo.portfolio.io.bulk import bulk_cache, insert_frame
    from recaudo.staff.models import Task
    from recaudo.strategies.models import Strategy

    rng = np.random.default_rng(seed)
    now = dt.datetime.combine(AS_OF, dt.time(23), tzinfo=UTC)
    creditor = Creditor.objects.create(
        name="Banco Bench", slug="banco-bench", country="CO", currency="COP", timezone=ZONE
    )
    strategies = [
        Strategy.objects.create(creditor=creditor, name=name).pk
        for name in ("Temprana", "Media", "Tardía")
    ]
    counts: dict[str, int] = {}

    def write(model: Any, frame: pl.DataFrame) -> None:
        table = model._meta.db_table
        started = time.perf_counter()
        with transaction.atomic():
            written = insert_frame(table, complete(model, frame, now))
        counts[table] = counts.get(table, 0) + written
        print(f"    {table}: {written:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

    ids = np.arange(1, accounts + 1)
    with bulk_cache():
        write(
            Customer,
            pl.DataFrame(
                {
                    "id": ids,
                    "creditor_id": creditor.pk,
                    "external_id": pl.Series(ids).cast(pl.String),
                    "document_type": "CC",
                    "document_number": pl.Series(ids + 10_000_000).cast(pl.String),
                    "country": "CO",
                    "timezone": ZONE,
                }
            ),
        )
        bucket = rng.integers(0, len(BUCKETS), size=accounts)
        balance = rng.integers(100_000, 20_000_000, size=accounts)
        write(
            Account,
            pl.DataFrame(
                {
                    "id": ids,
                    "creditor_id": creditor.pk,
                    "customer_id": ids,
                    "external_id": pl.Series(ids).cast(pl.String),
                    "product_type": "personal_loan",
                    "currency": "COP",
                    "original_amount": money(balance),
                    "balance": money(balance),
                    "balance_as_of": AS_OF,
                    "status": np.where(rng.random(accounts) < 0.05, "paid", "active"),
                    "overdue_amount": money(balance * (bucket > 0) // 3),
                    "bucket": np.array(BUCKETS)[bucket],
                    "stage": np.array(STAGES)[np.minimum(bucket, len(STAGES) - 1)],
                    "segment": np.array(SEGMENTS)[rng.integers(0, len(SEGMENTS), accounts)],
                    "computed_as_of": AS_OF,
                    "days_past_due": bucket * 30,
                }
            ),
        )

        def per_day(share: float) -> tuple[np.ndarray, np.ndarray]:
            """(account ids, days back) of ``share`` of the accounts on each day."""
            size = int(accounts * share) * days
            return rng.integers(1, accounts + 1, size=size), np.repeat(
                np.arange(days), int(accounts * share)
            )

        # Outbound messages, and replies from a tenth of them.
        account_ids, back = per_day(0.03)
        sent_at = instants(rng, back)
        size = account_ids.size
        channel = np.array(CHANNELS)[rng.integers(0, len(CHANNELS), size)]
        address = pl.Series(account_ids + 573_000_000_000).cast(pl.String)
        delivered = rng.random(size) < 0.8
        read = delivered & (rng.random(size) < 0.5)
        later = pl.Series(rng.integers(1, 3600 * 6, size) * 1_000_000).cast(pl.Duration("us"))
        write(
            Message,
            pl.DataFrame(
                {
                    "creditor_id": creditor.pk,
                    "customer_id": account_ids,
                    "account_id": account_ids,
                    "direction": "outbound",
                    "channel": channel,
                    "provider": "fake",
                    "address": address,
                    "status": np.where(read, "read", np.where(delivered, "delivered", "sent")),
                    "strategy_id": np.array(strategies)[rng.integers(0, 3, size)],
                    "variant": np.where(rng.random(size) < 0.5, "champion", "challenger"),
                    "sent_at": sent_at,
                    "connected": 1,
                    "conversation": 0,
                }
            ).with_columns(
                delivered_at=pl.when(pl.Series(delivered)).then(pl.col("sent_at") + later),
                read_at=pl.when(pl.Series(read)).then(pl.col("sent_at") + later * 2),
                created_at=pl.col("sent_at") - pl.duration(hours=2),
            ),
        )
        replied = rng.random(size) < 0.1
        write(
            Message,
            pl.DataFrame(
                {
                    "creditor_id": creditor.pk,
                    "customer_id": account_ids[replied],
                    "account_id": account_ids[replied],
                    "direction": "inbound",
                    "channel": channel[replied],
                    "provider": "fake",
                    "address": address.filter(pl.Series(replied)),
                    "status": "received",
                    "created_at": sent_at.filter(pl.Series(replied))
                    + later.filter(pl.Series(replied)) * 4,
                    "initiated_by_customer": 1,
                    "conversation": 1,
                    "connected": 1,
                }
            ),
        )
        # Blocked by the policy.
        account_ids, back = per_day(0.003)
        write(
            Message,
            pl.DataFrame(
                {
                    "creditor_id": creditor.pk,
                    "customer_id": account_ids,
                    "account_id": account_ids,
                    "direction": "outbound",
                    "channel": "sms",
                    "address": pl.Series(account_ids + 573_000_000_000).cast(pl.String),
                    "status": "blocked",
                    "created_at": instants(rng, back),
                    "connected": 1,
                    "conversation": 0,
                }
            ),
        )
        # Payments, each with its payment_recorded event.
        account_ids, back = per_day(0.01)
        paid_at = instants(rng, back)
        payment_ids = np.arange(1, account_ids.size + 1)
        write(
            Payment,
            pl.DataFrame(
                {
                    "id": payment_ids,
                    "creditor_id": creditor.pk,
                    "account_id": account_ids,
                    "amount": money(rng.integers(10_000, 2_000_000, account_ids.size)),
                    "paid_at": paid_at,
                    "external_reference": pl.Series(payment_ids).cast(pl.String),
                }
            ),
        )
        actors = np.array(["system", "customer", "agent"])[rng.integers(0, 3, account_ids.size)]
        write(
            AccountEvent,
            pl.DataFrame(
                {
                    "account_id": account_ids,
                    "kind": "payment_recorded",
                    "at": paid_at,
                    "actor": actors,
                    "data": [f'{{"payment_id": {pid}}}' for pid in payment_ids.tolist()],
                }
            ),
        )
        # Bucket transitions of the nightly refresh.
        account_ids, back = per_day(0.01)
        start = rng.integers(0, len(BUCKETS) - 1, account_ids.size)
        step = np.where(rng.random(account_ids.size) < 0.7, 1, -1)
        end = np.clip(start + step, 0, len(BUCKETS) - 1)
        write(
            AccountEvent,
            pl.DataFrame(
                {
                    "account_id": account_ids,
                    "kind": "bucket_changed",
                    "at": instants(rng, back),
                    "as_of": pl.Series([AS_OF - dt.timedelta(days=int(d)) for d in back]),
                    "actor": "system",
                    "from_value": np.array(BUCKETS)[start],
                    "to_value": np.array(BUCKETS)[end],
                }
            ),
        )
        # Promises.
        account_ids, back = per_day(0.002)
        write(
            Promise,
            pl.DataFrame(
                {
                    "account_id": account_ids,
                    "amount": money(rng.integers(50_000, 1_000_000, account_ids.size)),
                    "promised_date": AS_OF,
                    "status": "active",
                    "actor": np.array(["agent", "customer"])[rng.integers(0, 2, account_ids.size)],
                    "created_at": instants(rng, back),
                }
            ),
        )
        # Assistant conversations: three turns each, a tenth handed to an agent.
        account_ids, back = per_day(0.002)
        started = instants(rng, back)
        conversation_ids = np.arange(1, account_ids.size + 1)
        handed = rng.random(account_ids.size) < 0.1
        write(
            Conversation,
            pl.DataFrame(
                {
                    "id": conversation_ids,
                    "creditor_id": creditor.pk,
                    "channel": "whatsapp",
                    "address": pl.Series(account_ids + 573_000_000_000).cast(pl.String),
                    "customer_id": account_ids,
                    "account_id": account_ids,
                    "started_at": started,
                    "last_turn_at": started,
                    "satisfaction": pl.Series(
                        [4 if rated else None for rated in rng.random(account_ids.size) < 0.3],
                        dtype=pl.Int64,
                    ),
                }
            ).with_columns(
                handed_off_at=pl.when(pl.Series(handed)).then(
                    pl.col("started_at") + pl.duration(minutes=2)
                ),
                closed_at=pl.col("started_at") + pl.duration(minutes=5),
            ),
        )
        turns = pl.concat(
            [
                pl.DataFrame(
                    {
                        "conversation_id": conversation_ids,
                        "speaker": speaker,
                        "at": started + pl.Series([delay * 1_000_000]).cast(pl.Duration("us")),
                    }
                )
                for speaker, delay in (("customer", 0), ("assistant", 2), ("customer", 60))
            ]
        )
        write(Turn, turns)
        write(
            Task,
            pl.DataFrame(
                {
                    "creditor_id": creditor.pk,
                    "customer_id": account_ids[handed],
                    "account_id": account_ids[handed],
                    "kind": "handoff",
                    "conversation_id": conversation_ids[handed],
                    "created_at": started.filter(pl.Series(handed)) + dt.timedelta(minutes=2),
                }
            ),
        )
        write(
            Turn,
            pl.DataFrame(
                {
                    "conversation_id": conversation_ids[handed],
                    "speaker": "agent",
                    "at": started.filter(pl.Series(handed)) + dt.timedelta(minutes=9),
                }
            ),
        )
    return counts


def fill_days(creditor: Any, built: list[dt.date], days: int) -> int:
    """Copy the built days' rows onto the days not built, so reads see ``days`` full days."""
    from recaudo.analytics.models import DailyMetric

    template = list(
        DailyMetric.objects.filter(creditor=creditor, day__in=built).values(
            "day", "metric", "segment", "dimension", "key", "count", "amount", "total"
        )
    )
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for row in template:
        if row["metric"] not in ("portfolio", "plans_active"):
            by_day.setdefault(row["day"], []).append(row)
    sources = sorted(by_day)
    copies = []
    for offset in range(days):
        day = AS_OF - dt.timedelta(days=offset)
        if day in built or not sources:
            continue
        source = sources[offset % len(sources)]
        copies += [DailyMetric(creditor=creditor, **(row | {"day": day})) for row in by_day[source]]
    DailyMetric.objects.bulk_create(copies, batch_size=5000)
    return len(copies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--build-days", type=int, default=7, help="past days to build for real")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database")
    arguments = parser.parse_args()
    results: list[tuple[str, float, str]] = []
    with scratch_database(arguments.postgres) as database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from recaudo.analytics import queries
        from recaudo.analytics.build import History, build_day
        from recaudo.analytics.models import DailyMetric

        print(f"Machine: {machine(database_url)}")
        print(f"{arguments.accounts:,} accounts, {arguments.days} days of history", flush=True)
        with timed("migrate", results):
            call_command("migrate", verbosity=0)
        with timed("generate and load", results):
            counts = generate(arguments.accounts, arguments.days, arguments.seed)
        print("  " + ", ".join(f"{table}: {rows:,}" for table, rows in counts.items()))
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        from recaudo.debts.models import Creditor

        creditor = Creditor.objects.get(slug="banco-bench")
        history = History.of(creditor, AS_OF - dt.timedelta(days=arguments.build_days), AS_OF)
        with timed("build_day as-of day (flows + snapshot)", results):
            rows = build_day(creditor, AS_OF, snapshot=True, history=history)
        print(f"    {rows:,} rows")
        built = [AS_OF]
        seconds, cpus = [], []
        for offset in range(1, arguments.build_days + 1):
            day = AS_OF - dt.timedelta(days=offset)
            started, cpu = time.perf_counter(), cpu_seconds()
            build_day(creditor, day, snapshot=False, history=history)
            seconds.append(time.perf_counter() - started)
            cpus.append(cpu_seconds() - cpu)
            built.append(day)
        if seconds:
            mean = sum(seconds) / len(seconds)
            results.append(("build_day past day (flows), mean", mean, ""))
            print(
                f"  build_day past day (flows only): mean {mean:.2f} s (CPU "
                f"{sum(cpus) / len(cpus):.2f} s), min {min(seconds):.2f} s, max "
                f"{max(seconds):.2f} s over {len(seconds)} days; "
                f"a {arguments.days}-day backfill ≈ {mean * arguments.days / 60:.1f} min"
            )
        copied = fill_days(creditor, built, arguments.days)
        total_rows = DailyMetric.objects.filter(creditor=creditor).count()
        print(f"  daily metric rows: {total_rows:,} ({copied:,} copied onto unbuilt days)")

        def read(days: int, segment: str = "") -> Callable[[], Any]:
            filters = queries.Filters(
                creditor_id=creditor.pk,
                start=AS_OF - dt.timedelta(days=days - 1),
                end=AS_OF,
                segment=segment,
            )
            return lambda: queries.dashboard(filters)

        for label, reader in (
            ("dashboard read, 7 days, every segment", read(7)),
            ("dashboard read, 30 days, every segment", read(30)),
            ("dashboard read, 90 days, every segment", read(90)),
            ("dashboard read, 90 days, one segment", read(90, "temprana")),
        ):
            reader()  # warm: the first read pays for the page cache
            best = min(_seconds(reader) for _ in range(3))
            results.append((label, best, "best of 3, warm"))
            print(f"  {label:<52}{best:>9.3f} s  best of 3, warm", flush=True)


def _seconds(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
