"""Several ``recaudo worker`` processes against PostgreSQL, one killed mid-batch: every message
reaches the (loopback) provider exactly once and every row ends sent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from recaudo.channels.models import Message, MessageStatus
from tests.channels.helpers import make_message
from tests.channels.loopback import LoopbackServer
from tests.factories import make_account, make_contact_point

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 400
WORKERS = 3


def start_worker(database_url: str, server: LoopbackServer) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "RECAUDO_SMS_PROVIDER": "loopback",
        "LOOPBACK_URL": server.url,
        "LOOPBACK_POLICY": "allow",
        "PYTHONPATH": str(ROOT),
        "RECAUDO_LOG_LEVEL": "ERROR",
    }
    code = (
        "from tests.channels.loopback import run_worker; "
        "run_worker(['--batch', '20', '--sleep', '0.1', '--lease', '3'])"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE)


def wait_for(condition, timeout: float, what: str, workers) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if any(worker.poll() is not None for worker in workers):
            raise AssertionError(f"a worker exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_workers_killed_mid_batch_send_every_message_exactly_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SKIP LOCKED across processes): set DATABASE_URL")
    account = make_account()
    point = make_contact_point(account.customer)
    ids = {make_message(point, account=account).id for _ in range(MESSAGES)}
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )

    with LoopbackServer(delay=0.01) as server:
        workers = [start_worker(database_url, server) for _ in range(WORKERS)]
        victim = workers[0]
        try:
            wait_for(
                lambda: server.deliveries.by_pid[str(victim.pid)] >= 10,
                60,
                "the first sends",
                workers,
            )
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            wait_for(
                lambda: Message.objects.filter(status=MessageStatus.SENT).count() == MESSAGES,
                120,
                "every message sent",
                workers[1:],
            )
        finally:
            for worker in workers[1:]:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(20) for worker in workers[1:]]

    assert codes == [0] * (WORKERS - 1)
    deliveries = server.deliveries
    # Every message reached the provider, under its own idempotency key.
    assert set(deliveries.by_key) == {str(message_id) for message_id in ids}
    # A repeated key can only be the message the killed worker had in flight: the provider's
    # idempotency key turns it into the same message (same sid), not a second one.
    victim_keys = set(deliveries.keys_by_pid[str(victim.pid)])
    assert set(deliveries.replays) <= victim_keys
    assert sum(deliveries.replays.values()) <= 1
    rows = Message.objects.filter(id__in=ids)
    assert {row.status for row in rows} == {MessageStatus.SENT}
    assert all(row.provider_message_id == f"LB{row.id}" for row in rows)
    # The killed worker's unfinished claim was taken over once its lease expired.
    assert rows.filter(attempts=2).exists()
    # The surviving workers shared the work.
    assert all(deliveries.by_pid[str(worker.pid)] > 0 for worker in workers[1:])
