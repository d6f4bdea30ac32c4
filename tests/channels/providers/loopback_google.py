"""A loopback HTTP server that plays a provider's API (Meta Graph, Google RBM, FCM) and Google's
OAuth token endpoint in tests: scripted replies per route, every request recorded.

Usage::

    with LoopbackServer() as server:
        server.reply("POST", "/v21.0/123/messages", json={"messages": [{"id": "wamid.1"}]})
        ...  # point the provider's api_base at server.url
        assert server.requests[0].json() == {...}
"""

import base64
import json
import threading
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_PATH = "/token"
NOT_SCRIPTED = 501  # a request the test did not expect: surfaces as a transient error


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    json: Any = None


@dataclass
class LoopbackServer:
    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, method: str, path: str, *, status: int = 200, json: Any = None) -> None:
        """Queue a reply for ``method path``; the last one queued repeats."""
        self.routes.setdefault((method, path), []).append(Reply(status=status, json=json))

    def serve_google_token(self, access_token: str, *, expires_in: int = 3600) -> None:
        body = {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}
        self.reply("POST", TOKEN_PATH, json=body)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def next_reply(self, method: str, path: str) -> Reply:
        replies = self.routes.get((method, path))
        if not replies:
            return Reply(status=NOT_SCRIPTED, json={"error": f"not scripted: {method} {path}"})
        return replies.pop(0) if len(replies) > 1 else replies[0]

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            server.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query={key: values[0] for key, values in parse_qs(parts.query).items()},
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
            )
            reply = server.next_reply(self.command, parts.path)
            content = b"" if reply.json is None else json.dumps(reply.json).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler


@cache
def _private_key_pem() -> str:
    """A throwaway RSA key, made once per test run (never a real credential)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_service_account(directory: Path, *, token_uri: str, project_id: str) -> Path:
    """A Google service-account JSON file whose ``token_uri`` points at the loopback server."""
    path = directory / f"service-account-{project_id}.json"
    account = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "test-key-1",
        "private_key": _private_key_pem(),
        "client_email": f"recaudo@{project_id}.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(account))
    return path


def jwt_claims(assertion: str) -> dict[str, Any]:
    """The claims of a JWT (no signature check: the loopback token endpoint trusts it)."""
    payload = assertion.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
