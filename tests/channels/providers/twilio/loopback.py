"""A loopback HTTP server that plays Twilio's REST API: every request is recorded, replies are
scripted (default: 201 with a resource SID, as Twilio answers a created message or call)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from twilio.request_validator import RequestValidator

from recaudo.channels.base import WebhookRequest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
MESSAGE_SID = "SM" + "a1" * 16
CALL_SID = "CA" + "b2" * 16


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def field(self, name: str) -> str:
        return self.form()[name][0]


@dataclass
class TwilioServer:
    requests: list[RecordedRequest] = field(default_factory=list)
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def reply(self, status: int, body: dict[str, Any]) -> None:
        """Answer the next request with ``status`` and the JSON ``body``."""
        self.replies.append((status, body))

    def next_reply(self, path: str) -> tuple[int, dict[str, Any]]:
        if self.replies:
            return self.replies.pop(0)
        sid = CALL_SID if path.endswith("/Calls.json") else MESSAGE_SID
        return 201, {"sid": sid, "account_sid": ACCOUNT_SID, "status": "queued"}


def _handler(server: TwilioServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            server.requests.append(
                RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
            )
            status, reply = server.next_reply(self.path)
            content = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def twilio_server() -> Iterator[TwilioServer]:
    state = TwilioServer()
    http_server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    host, port = http_server.server_address[:2]
    state.url = f"http://{host!s}:{port}"
    thread = threading.Thread(target=http_server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        http_server.shutdown()
        http_server.server_close()
        thread.join(timeout=5)


# Webhooks ----------------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "providers" / "twilio"
PUBLIC_URL = "https://cobranza.example.com"


def recorded(name: str) -> bytes:
    """A recorded webhook body, form-encoded as Twilio sends it."""
    return (FIXTURES / name).read_bytes().strip()


def webhook(
    kind: str,
    body: bytes,
    *,
    query: str = "",
    signature: str | None = None,
    token: str = AUTH_TOKEN,
    with_form: bool = True,
) -> WebhookRequest:
    """The request Twilio makes to ``/hooks/<kind>/[?query]``, signed with ``token`` unless a
    ``signature`` is given. ``with_form=False`` leaves the parsing of the body to the provider."""
    url = f"{PUBLIC_URL}/hooks/{kind}/" + (f"?{query}" if query else "")
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, form)
    return WebhookRequest(
        method="POST",
        url=url,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": "5f4c1c5e-0b4e-4a3d-9c62-6b1f2f0a7e11",
        },
        body=body,
        query=dict(parse_qsl(query)),
        form=form if with_form else {},
    )
