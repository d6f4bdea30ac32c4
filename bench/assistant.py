"""Latency of the web chat under concurrent conversations, and the NLU's classifications/second.

    .venv/bin/python bench/assistant.py [--server runserver|gunicorn] [--levels 1,10,50]
                                        [--conversations-per-client 3] [--workers 2 --threads 8]

A real HTTP server on loopback serves the project (Django's threaded ``runserver``, or
gunicorn with threads when installed) on a scratch database: ``DATABASE_URL`` when set, else a
new SQLite file ``/tmp/recaudo-bench-assistant.sqlite3``. A creditor with generated customers
(document, birth date, one overdue account with instalments) is created first. For each level of
concurrency, that many clients (threads, each its own cookies: its own session) run whole
conversations at the same time, one after the other: the page (the greeting), then a realistic
dialogue (balance, document, birth year, due date, payment, thanks) over
``POST /chat/<slug>/turns``, waiting ``--think`` seconds before each message (people read and
type; ``--think 0`` sends back to back and measures saturation instead). Printed: the machine, then per level the turns, errors, turns per
second and the p50/p95/p99 latency of the turns endpoint; then ``nlu.understand`` calls per
second on one core.
"""

import argparse
import datetime as dt
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path("/tmp/recaudo-bench-assistant.sqlite3")
if not os.environ.get("DATABASE_URL"):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from recaudo.customers.models import ContactPoint, Customer  # noqa: E402
from recaudo.debts.models import Account, Creditor, Instalment  # noqa: E402

SLUG = "bench-assistant"
TODAY = dt.date.today()
# What customers write, in order; {document} and {year} are the customer's.
DIALOGUE = (
    "hola buenas",
    "quiero saber cuánto debo",
    "{document}",
    "{year}",
    "cuándo vence mi próxima cuota",
    "quiero pagar",
    "gracias, eso es todo",
)
NLU_SAMPLES = (
    "hola buenas tardes",
    "cuanto debo?",
    "quiero pagar mañana 200 mil",
    "no puedo pagar porque perdí el trabajo",
    "ya pague el viernes",
    "necesito un plan de pagos",
    "esa deuda no es mía",
    "quiero hablar con un asesor",
    "no me llamen más",
    "mándeme el estado de cuenta al correo",
    "cuando vence la cuota",
    "sí, de acuerdo",
)


def machine(server: str) -> str:
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
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, Django {django.get_version()}, {database}, "
        f"server: {server}; load average before the run {load:.1f}"
    )


def build_customers(count: int) -> list[tuple[str, str]]:
    """The creditor and ``count`` customers; their (document, birth year)."""
    creditor, _ = Creditor.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Banco Bench",
            "country": "CO",
            "currency": "COP",
            "timezone": "America/Bogota",
        },
    )
    people = []
    existing = {c.external_id: c for c in Customer.objects.filter(creditor=creditor)}
    with transaction.atomic():
        for number in range(count):
            document = str(52_000_000 + number)
            year = 1960 + number % 40
            people.append((document, str(year)))
            if f"B{number}" in existing:
                continue
            customer = Customer.objects.create(
                creditor=creditor,
                external_id=f"B{number}",
                first_name="Cliente",
                last_name=f"Prueba {number}",
                document_type="CC",
                document_number=document,
                birth_date=dt.date(year, 1 + number % 12, 1 + number % 28),
                country="CO",
                timezone="America/Bogota",
            )
            ContactPoint.objects.create(
                customer=customer, medium="phone", value=f"+57300{number:07d}"
            )
            ContactPoint.objects.create(
                customer=customer, medium="email", value=f"cliente{number}@correo.test"
            )
            account = Account.objects.create(
                creditor=creditor,
                customer=customer,
                external_id=f"BA{number}",
                product_type="personal_loan",
                currency="COP",
                original_amount=Decimal("3000000"),
                balance=Decimal("1800000"),
                balance_as_of=TODAY,
                opened_at=TODAY - dt.timedelta(days=400),
                days_past_due=35,
                overdue_amount=Decimal("300000"),
                next_due_date=TODAY + dt.timedelta(days=25),
                computed_as_of=TODAY,
            )
            Instalment.objects.bulk_create(
                Instalment(
                    account=account,
                    number=n,
                    due_date=TODAY + dt.timedelta(days=30 * (n - 2) - 5),
                    amount_due=Decimal("300000"),
                )
                for n in range(1, 7)
            )
    return people


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(kind: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, RECAUDO_DEBUG="0", PYTHONUNBUFFERED="1")
    env.setdefault("RECAUDO_DB_CONN_MAX_AGE", "60")
    address = f"127.0.0.1:{port}"
    if kind == "gunicorn":
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        if gunicorn is None:
            raise SystemExit("gunicorn is not installed: .venv/bin/pip install gunicorn")
        command = [
            gunicorn,
            "recaudo.wsgi",
            "--bind",
            address,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ]
    else:
        command = [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", address]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError as error:
            if process.poll() is not None:
                output = process.stderr.read().decode() if process.stderr else "died"
                raise SystemExit(output) from error
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{kind} did not start on {address}")


class Results:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def converse(base: str, person: tuple[str, str], results: Results, think: float) -> None:
    try:
        _converse(base, person, results, think)
    except httpx.HTTPError as error:
        results.error(f"{type(error).__name__}: {error}")


def _converse(base: str, person: tuple[str, str], results: Results, think: float) -> None:
    document, year = person
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get(f"/chat/{SLUG}/")
        if page.status_code != 200:
            results.error(f"page {page.status_code}")
            return
        token = client.cookies.get("csrftoken") or ""
        headers = {"X-CSRFToken": token, "Referer": f"{base}/chat/{SLUG}/"}
        for line in DIALOGUE:
            time.sleep(think)
            text = line.format(document=document, year=year)
            started = time.perf_counter()
            response = client.post(
                f"/chat/{SLUG}/turns", json={"text": text, "choice": ""}, headers=headers
            )
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                results.error(f"turn {response.status_code}: {response.text[:120]}")
                continue
            results.add(elapsed)


def run_level(
    base: str,
    clients: int,
    per_client: int,
    people: list[tuple[str, str]],
    offset: int,
    think: float,
) -> tuple[Results, float]:
    results = Results()

    def client_loop(index: int) -> None:
        for round_number in range(per_client):
            person = people[(offset + index * per_client + round_number) % len(people)]
            converse(base, person, results, think)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def report(clients: int, results: Results, seconds: float) -> None:
    values = results.latencies
    if not values:
        print(f"{clients:>4} concurrent: no successful turns; errors: {results.errors[:3]}")
        return
    milliseconds = [value * 1000 for value in values]
    print(
        f"{clients:>4} concurrent: {len(values):>5} turns, {len(results.errors)} errors, "
        f"{len(values) / seconds:7.1f} turns/s, "
        f"p50 {statistics.median(milliseconds):6.1f} ms, "
        f"p95 {percentile(milliseconds, 0.95):6.1f} ms, "
        f"p99 {percentile(milliseconds, 0.99):6.1f} ms, "
        f"max {max(milliseconds):6.1f} ms"
    )
    for error in sorted(set(results.errors))[:3]:
        print(f"      error: {error}")


def nlu_rate(seconds: float = 3.0) -> float:
    from recaudo.conversations.nlu import understand

    understand("hola", today=TODAY)  # trains or loads the cached model
    calls = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in NLU_SAMPLES:
            understand(text, today=TODAY)
        calls += len(NLU_SAMPLES)
    return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("runserver", "gunicorn"), default="runserver")
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--conversations-per-client", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per process")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a customer takes before each message (0: back to back, saturation)",
    )
    parser.add_argument("--skip-nlu", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    levels = [int(level) for level in args.levels.split(",")]
    total = sum(levels) * args.conversations_per_client
    people = build_customers(max(total, 50))
    # Train (or read) the intent model once here: the server processes then read its disk cache.
    from recaudo.conversations.nlu import understand

    understand("hola", today=TODAY)
    server_name = args.server
    if args.server == "gunicorn":
        server_name += f" ({args.workers} workers x {args.threads} threads)"
    print(machine(server_name))
    print(f"{len(DIALOGUE)} turns per conversation, {args.think:g} s between turns")
    port = free_port()
    process = start_server(args.server, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}"
    try:
        # Warm up every server process and thread: imports, the NLU model, templates.
        run_level(base, 8, 1, people, 0, 0)
        offset = 8
        for clients in levels:
            results, seconds = run_level(
                base, clients, args.conversations_per_client, people, offset, args.think
            )
            offset += clients * args.conversations_per_client
            report(clients, results, seconds)
    finally:
        process.terminate()
        process.wait(timeout=10)
    if not args.skip_nlu:
        print(f"nlu.understand: {nlu_rate():.0f} classifications/s (one thread)")


if __name__ == "__main__":
    main()
