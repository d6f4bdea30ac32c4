"""Import and refresh a generated portfolio end to end, and print what each step costs.

    .venv/bin/python bench/refresh.py [--accounts 100000] [--postgres] [--seed 1]

Each step runs as its own ``recaudo`` process (exactly what an operator runs), so its elapsed
time includes Django's start-up (about half a second) and its peak memory is that process's
maximum resident set size, read from ``wait4``. The database is the one in ``DATABASE_URL``, or a
scratch SQLite file (``/tmp/recaudo-bench.sqlite3``, recreated); with ``--postgres``, a scratch
PostgreSQL database created and dropped by this script. Generated files are cached per size and
seed under ``/tmp/recaudo-bench-data``. The engine alone and the per-account ORM loop are measured
by ``bench/refresh_engine.py``.
"""

import argparse
import datetime as dt
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars
import psycopg

from recaudo.portfolio.demo_data import PROFILES

ROOT = Path(__file__).resolve().parent.parent
RECAUDO = ROOT / ".venv" / "bin" / "recaudo"
DATA_ROOT = Path("/tmp/recaudo-bench-data")
SQLITE_FILE = Path("/tmp/recaudo-bench.sqlite3")
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
AS_OF = dt.date(2026, 2, 28)
COUNTRY = "CO"


@dataclass(frozen=True)
class Measure:
    step: str
    rows: int
    seconds: float
    peak_mib: float


def run_step(step: str, rows: int, arguments: list[str], env: dict[str, str]) -> Measure:
    """Run ``recaudo ARGUMENTS`` and measure it; print its output and stop if it fails."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(RECAUDO), *arguments], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            sys.stdout.write(log.read().decode(errors="replace")[-4000:])
            raise SystemExit(f"step failed: {step}")
    return Measure(step, rows, seconds, usage.ru_maxrss / 1024)


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1


def machine(database_url: str) -> str:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return (
        f"{os.cpu_count()} cores, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, Polars {polars.__version__}, "
        f"{database_version(database_url)}"
    )


def database_version(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


@contextmanager
def scratch_database(use_postgres: bool) -> Iterator[str]:
    """The database URL to benchmark on, fresh for this run."""
    if use_postgres:
        name = f"recaudo_bench_{os.getpid()}"
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{SQLITE_FILE}"


def benchmark(accounts: int, seed: int, database_url: str) -> list[Measure]:
    env = os.environ | {"DATABASE_URL": database_url}
    folder = DATA_ROOT / f"{accounts}-{seed}"
    measures = []
    if not (folder / "creditors.json").exists():
        measures.append(
            run_step(
                "generate files",
                accounts,
                [
                    "demo-data",
                    f"--accounts={accounts}",
                    f"--countries={COUNTRY}",
                    f"--seed={seed}",
                    f"--out={folder}",
                    f"--as-of={AS_OF}",
                ],
                env,
            )
        )
    profile = PROFILES[COUNTRY]
    files = folder / profile.creditor_slug
    instalments = count_rows(files / "instalments.csv")
    payments = count_rows(files / "payments.csv")
    contact_points = count_rows(files / "contact_points.csv")
    create_creditor = (
        "from recaudo.debts.models import Creditor; Creditor.objects.update_or_create("
        f"slug={profile.creditor_slug!r}, defaults=dict(name={profile.creditor_name!r}, "
        f"country={profile.country!r}, currency={profile.currency!r}, "
        f"timezone={profile.timezone!r}))"
    )
    creditor = f"--creditor={profile.creditor_slug}"
    measures += [
        run_step("migrate", 0, ["migrate", "--verbosity=0"], env),
        run_step("create creditor", 1, ["shell", "-c", create_creditor], env),
        run_step(
            "import accounts",
            accounts,
            [
                "import",
                "accounts",
                str(files / "accounts.csv"),
                str(files / "instalments.csv"),
                creditor,
            ],
            env,
        ),
        run_step(
            "import contact points",
            contact_points,
            ["import", "accounts", str(files / "contact_points.csv"), creditor],
            env,
        ),
        run_step(
            "import payments",
            payments,
            ["import", "payments", str(files / "payments.csv"), creditor],
            env,
        ),
        run_step("refresh", accounts, ["refresh", f"--as-of={AS_OF}", creditor], env),
        run_step(
            "refresh again (no change)", accounts, ["refresh", f"--as-of={AS_OF}", creditor], env
        ),
        run_step(
            "refresh a month later",
            accounts,
            ["refresh", f"--as-of={AS_OF + dt.timedelta(days=30)}", creditor],
            env,
        ),
    ]
    print(f"{accounts:,} accounts, {instalments:,} instalments, {payments:,} payments")
    return measures


def report(measures: list[Measure]) -> None:
    print(f"{'step':<28}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak MiB':>10}")
    for measure in measures:
        rate = f"{measure.rows / measure.seconds:,.0f}" if measure.rows > 1 else "-"
        print(
            f"{measure.step:<28}{measure.rows:>12,}{measure.seconds:>10.1f}{rate:>12}"
            f"{measure.peak_mib:>10,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database")
    arguments = parser.parse_args()
    with scratch_database(arguments.postgres) as database_url:
        print(f"Machine: {machine(database_url)}")
        report(benchmark(arguments.accounts, arguments.seed, database_url))


if __name__ == "__main__":
    main()
