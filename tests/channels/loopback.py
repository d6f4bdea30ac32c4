"""A provider that POSTs to a loopback HTTP server playing a messaging API, for the multi-process
worker test and the sending benchmark. Test-only: registered by ``run_worker`` below.

The server behaves like a real provider with idempotency keys: a repeated key answers with the
same id and is counted as a replay, not as a second delivery.
"""

import json
import os
import sys
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

from recaudo.channels.base import OutboundMessage, Provider, ProviderError, SendResult

if TYPE_CHECKING:
    from recaudo.channels.models import Message
    from recaudo.policy.types import Decision

KIND = "loopback"


class LoopbackProvider(Provider):
    kind = KIND
    channels = ("sms", "whatsapp", "email")

    def __init__(self) -> None:
        self.url = os.environ["LOOPBACK_URL"]
        self.client = httpx.Client(timeout=httpx.Timeout(5.0))

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            response = self.client.post(
                self.url,
                content=json.dumps({"to": message.to, "body": message.body}),
                headers={
                    "Idempotency-Key": str(message.id),
                    "X-Worker-Pid": str(os.getpid()),
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as error:
            raise ProviderError(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500:
            raise ProviderError(f"HTTP {response.status_code}")
        return SendResult(provider_message_id=response.json()["sid"])


class Deliveries:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: Counter[str] = Counter()  # every request, by idempotency key
        self.by_pid: Counter[str] = Counter()
        self.keys_by_pid: dict[str, list[str]] = {}

    def record(self, key: str, pid: str) -> None:
        with self.lock:
            self.by_key[key] += 1
            self.by_pid[pid] += 1
            self.keys_by_pid.setdefault(pid, []).append(key)

    @property
    def delivered(self) -> int:
        return len(self.by_key)

    @property
    def replays(self) -> dict[str, int]:
        return {key: count - 1 for key, count in self.by_key.items() if count > 1}


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float = 0.0) -> None:
        self.deliveries = Deliveries()
        self.delay = delay
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/messages"

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle and delayed ACKs add 40 ms a request.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        if self.server.delay:
            threading.Event().wait(self.server.delay)
        self.server.deliveries.record(key, self.headers.get("X-Worker-Pid", ""))
        body = json.dumps({"sid": f"LB{key}"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def allow_all(message: "Message", at: datetime) -> "Decision":
    from recaudo.policy.types import Decision

    return Decision(True, "test", "", (), None)


def run_worker(argv: list[str]) -> None:
    """``python -c 'from tests.channels.loopback import run_worker; run_worker([...])'``:
    ``recaudo worker`` with the loopback provider registered (and, when LOOPBACK_POLICY=allow,
    a policy stand-in that allows every message)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()
    from recaudo.channels import registry, sender
    from recaudo.cli import main

    registry.PROVIDERS[KIND] = "tests.channels.loopback:LoopbackProvider"
    if os.environ.get("LOOPBACK_POLICY") == "allow":
        sender.batch_policy = lambda messages, at: allow_all
    sys.exit(main(["recaudo", "worker", *argv]))
