"""``recaudo worker``: claim due messages, check the policy again, send, record; repeat."""

import logging
import os
import signal
import socket
import time
import uuid
from collections import Counter
from datetime import timedelta
from types import FrameType
from typing import Any

from django import db
from django.core.management.base import BaseCommand, CommandParser

from recaudo.channels.sender import LEASE, Sender

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send due messages from the outbox. Stops cleanly on SIGTERM or Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument("--batch", type=int, default=100, help="Messages per claim.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds to wait when nothing is due."
        )
        parser.add_argument(
            "--id", dest="worker_id", default="", help="Worker name (default: host:pid:random)."
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=LEASE.total_seconds(),
            help="Seconds a claim lasts before another worker may take the messages.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        )
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        sender = Sender(
            worker_id=worker_id,
            lease=timedelta(seconds=options["lease"]),
            should_stop=lambda: stopping,
        )
        started = time.monotonic()
        while not stopping:
            try:
                batch = sender.run_batch(options["batch"])
            except Exception:
                # The database went away, most likely: reconnect on the next round. Claimed
                # messages are safe: their lease expires and they are taken again.
                logger.exception("worker %s: batch failed", worker_id)
                db.connection.close()
                time.sleep(max(options["sleep"], 1.0))
                continue
            if batch["claimed"]:
                continue
            if options["once"]:
                break
            time.sleep(options["sleep"])
        self.stdout.write(self._summary(worker_id, sender.counts, time.monotonic() - started))

    @staticmethod
    def _summary(worker_id: str, counts: Counter[str], seconds: float) -> str:
        outcomes = ", ".join(
            f"{name} {count}" for name, count in sorted(counts.items()) if name != "claimed"
        )
        return f"worker {worker_id}: claimed {counts['claimed']} in {seconds:.1f} s" + (
            f" ({outcomes})" if outcomes else ""
        )
