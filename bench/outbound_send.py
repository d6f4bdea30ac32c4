"""Sending throughput: N queued messages, 1, 2 and 4 ``recaudo worker --once`` processes on
PostgreSQL, a loopback HTTP server playing Twilio's Messages API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recaudo_bench \\
        .venv/bin/python bench/outbound_send.py [--messages 20000] [--workers 1,2,4] \\
        [--policy real|allow] [--provider twilio|loopback] [--batch 100]

The database must be PostgreSQL and is migrated first; the script owns the creditor
``bench-outbound`` (deleted and created again). Each run queues the messages afresh (one per
customer, each with SMS consent, so the contact policy's daily cap does not refuse them), starts
the workers and waits for them to drain the queue.

``--policy real`` (the default) checks every message against the contact policy as in
production; the workers' clock is set to a Tuesday at 10:00 in Bogotá (time-machine) so the
hours rule allows them at any time of day. ``--policy allow`` replaces it with a stand-in that
allows everything, to see what the policy costs. ``--provider twilio`` (the default) sends with
the real Twilio provider and SDK (``TWILIO_API_BASE`` pointing at the loopback server).

Printed per run: messages per second (from the workers' start to the last row sent, Django's
start-up included), duplicates (a message body, unique per message, received twice by the
server) and losses (rows not sent at the end).
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CREDITOR_SLUG = "bench-outbound"
CLOCK = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday, 10:00 in Bogotá
ACCOUNT_SID = "AC" + "0" * 32


class Received:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: Counter[str] = Counter()
        self.first = 0.0
        self.last = 0.0

    def record(self, body: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.bodies[body] += 1
            self.first = self.first or now
            self.last = now


class TwilioLike(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self) -> None:
        self.received = Received()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle and delayed ACKs add 40 ms a request.
    disable_nagle_algorithm = True
    server: TwilioLike

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/Messages.json"):
            fields = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            body_text = fields.get("Body", "")
        else:  # the loopback test provider posts JSON with an idempotency key
            fields = json.loads(raw or b"{}")
            body_text = fields.get("body", "")
        self.server.received.record(body_text)
        answer = json.dumps(
            {
                "sid": "SM" + uuid.uuid4().hex,
                "account_sid": ACCOUNT_SID,
                "to": fields.get("To", fields.get("to", "")),
                "from": fields.get("From", ""),
                "body": body_text,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()


def prepare_customers(count: int) -> list[int]:
    """The bench creditor with ``count`` customers, each with a phone and SMS consent."""
    from recaudo.channels.models import Message
    from recaudo.customers.models import Consent, ContactPoint, Customer
    from recaudo.debts.models import Account, Creditor

    Message.objects.filter(creditor__slug=CREDITOR_SLUG).delete()
    Account.objects.filter(creditor__slug=CREDITOR_SLUG).delete()
    Customer.objects.filter(creditor__slug=CREDITOR_SLUG).delete()
    Creditor.objects.filter(slug=CREDITOR_SLUG).delete()
    creditor = Creditor.objects.create(
        name="Bench", slug=CREDITOR_SLUG, country="CO", currency="COP", timezone="America/Bogota"
    )
    customers = Customer.objects.bulk_create(
        Customer(
            creditor=creditor,
            external_id=f"B{n}",
            first_name="Ana",
            last_name="Bench",
            document_type="CC",
            document_number=str(10_000_000 + n),
            country="CO",
            timezone="America/Bogota",
        )
        for n in range(count)
    )
    Account.objects.bulk_create(
        Account(
            creditor=creditor,
            customer=customer,
            external_id=f"A{n}",
            product_type="personal_loan",
            currency="COP",
            original_amount=1_000_000,
            balance=500_000,
            balance_as_of=CLOCK.date(),
        )
        for n, customer in enumerate(customers)
    )
    points = ContactPoint.objects.bulk_create(
        ContactPoint(customer=customer, medium="phone", value=f"+57300{n:07d}")
        for n, customer in enumerate(customers)
    )
    Consent.objects.bulk_create(
        Consent(
            contact_point=point,
            channel="sms",
            granted=True,
            source="bench",
            at=CLOCK - dt.timedelta(days=30),
        )
        for point in points
    )
    return [point.id for point in points]


def queue_messages(point_ids: list[int]) -> None:
    from recaudo.channels.models import Message
    from recaudo.customers.models import ContactPoint
    from recaudo.debts.models import Account

    Message.objects.filter(creditor__slug=CREDITOR_SLUG).delete()
    accounts = dict(
        Account.objects.filter(creditor__slug=CREDITOR_SLUG).values_list("customer_id", "id")
    )
    points = ContactPoint.objects.filter(id__in=point_ids).select_related("customer")
    Message.objects.bulk_create(
        (
            Message(
                creditor_id=point.customer.creditor_id,
                customer_id=point.customer_id,
                account_id=accounts[point.customer_id],
                contact_point=point,
                direction="outbound",
                channel="sms",
                address=point.value,
                body=f"Hola Ana, le recordamos su pago. Ref {n}",
                dedupe_key=f"bench:{n}",
            )
            for n, point in enumerate(points)
        ),
        batch_size=5000,
    )


def run_worker(argv: list[str]) -> None:
    """The worker process: ``recaudo worker`` with the bench's clock and policy choice."""
    setup_django()
    from recaudo.channels import registry, sender
    from recaudo.cli import main

    registry.PROVIDERS["loopback"] = "tests.channels.loopback:LoopbackProvider"
    if os.environ.get("BENCH_POLICY") == "allow":
        from tests.channels.loopback import allow_all

        sender.batch_policy = lambda messages, at: allow_all
    import time_machine

    with time_machine.travel(CLOCK, tick=True):
        code = main(["recaudo", "worker", *argv])
    sys.exit(code)


def one_run(workers: int, args: argparse.Namespace, server: TwilioLike) -> dict[str, float]:
    from recaudo.channels.models import Message

    port = server.server_address[1]
    env = os.environ | {
        "RECAUDO_SMS_PROVIDER": args.provider,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_SMS_FROM": "+15005550006",
        "TWILIO_API_BASE": f"http://127.0.0.1:{port}",
        "LOOPBACK_URL": f"http://127.0.0.1:{port}/messages",
        "BENCH_POLICY": args.policy,
        "RECAUDO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    code = (
        "import sys; sys.argv[0] = 'bench'; "
        "from bench.outbound_send import run_worker; "
        f"run_worker(['--once', '--batch', '{args.batch}'])"
    )
    server.received = Received()
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    outputs = [process.communicate()[0] for process in processes]
    elapsed = time.monotonic() - started
    rows = Message.objects.filter(creditor__slug=CREDITOR_SLUG)
    statuses = Counter(rows.values_list("status", flat=True))
    received = server.received
    sent = statuses.get("sent", 0)
    if args.verbose:
        print("".join(outputs).strip())
    return {
        "workers": workers,
        "sent": sent,
        "seconds": elapsed,
        "per_second": sent / elapsed if elapsed else 0.0,
        "sending_per_second": (
            len(received.bodies) / (received.last - received.first)
            if received.last > received.first
            else 0.0
        ),
        "duplicates": sum(count - 1 for count in received.bodies.values() if count > 1),
        "losses": args.messages - sent,
        "other": sum(count for status, count in statuses.items() if status != "sent"),
    }


def machine() -> str:
    from django.db import connection

    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores, {memory_kib / 1024**2:.1f} GiB RAM, "
        f"Python {platform.python_version()}, PostgreSQL {version}, load average {load:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--policy", choices=["real", "allow"], default="real")
    parser.add_argument("--provider", choices=["twilio", "loopback"], default="twilio")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it is migrated first).")
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "recaudo"), "migrate", "--verbosity", "0"], check=True
    )
    setup_django()
    print(f"Machine: {machine()}")
    print(
        f"{args.messages:,} messages, provider {args.provider}, policy {args.policy}, "
        f"batch {args.batch}"
    )
    point_ids = prepare_customers(args.messages)
    server = TwilioLike()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(
        f"{'workers':>7} {'msg/s':>8} {'send msg/s':>10} {'seconds':>8} {'duplicates':>10} {'losses':>7}"
    )
    for workers in [int(each) for each in args.workers.split(",")]:
        queue_messages(point_ids)
        result = one_run(workers, args, server)
        print(
            f"{workers:>7} {result['per_second']:>8.0f} {result['sending_per_second']:>10.0f} "
            f"{result['seconds']:>8.1f} {result['duplicates']:>10.0f} {result['losses']:>7.0f}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
