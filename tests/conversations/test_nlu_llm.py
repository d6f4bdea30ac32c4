"""The optional language-model fallback, against an OpenAI-compatible server on loopback."""

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from recaudo.conversations.nlu import llm, understand, understanding

TODAY = dt.date(2026, 12, 1)
MESSAGE = "xkcd qwpoeiru 300 lucas el viernes"
ALWAYS_UNSURE = 1.01  # a threshold no local answer reaches: every message goes to the model


class FakeModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answer: str = "prometer_pago"
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeModelServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.requests.append({"path": self.path, **json.loads(self.rfile.read(length))})
        self.server.headers_seen.append(dict(self.headers))
        body = json.dumps(
            {
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": self.server.answer}}
                ]
            }
        ).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def model_server(settings) -> Iterator[FakeModelServer]:  # type: ignore[no-untyped-def]
    server = FakeModelServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.RECAUDO_LLM_URL = server.url
    settings.RECAUDO_LLM_MODEL = "tiny-model"
    settings.RECAUDO_LLM_API_KEY = "test-key"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unsure(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(understanding, "CONFIDENCE_THRESHOLD", ALWAYS_UNSURE)
    return ALWAYS_UNSURE


def test_the_model_picks_the_intent_when_the_classifier_is_unsure(
    model_server: FakeModelServer, unsure: float
) -> None:
    model_server.answer = " Negar.\n"
    result = understand(MESSAGE, today=TODAY)
    assert result.intent == "negar"
    assert result.confidence == unsure
    assert result.ranking[0] == ("negar", unsure)
    # Entities never come from the model.
    assert result.entities.as_json() == {"date": "2026-12-04", "amount": "300000"}
    (request,) = model_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "tiny-model"
    assert request["temperature"] == 0
    assert request["messages"][-1] == {"role": "user", "content": MESSAGE}
    assert "no_reconozco_deuda" in request["messages"][0]["content"]
    assert model_server.headers_seen[0]["Authorization"] == "Bearer test-key"


def test_the_model_is_not_asked_when_the_classifier_is_sure(model_server: FakeModelServer) -> None:
    result = understand("hola quiero pagar", today=TODAY)
    assert result.intent == "pagar"
    assert model_server.requests == []


def local_answer() -> tuple[str, float]:
    intent, confidence, _ = understanding.classify(MESSAGE)
    return intent, confidence


@pytest.mark.parametrize("answer", ["transferir_fondos", "I think it is pagar", ""])
def test_an_answer_outside_the_intents_keeps_the_local_one(
    model_server: FakeModelServer, unsure: float, answer: str
) -> None:
    model_server.answer = answer
    result = understand(MESSAGE, today=TODAY)
    assert (result.intent, result.confidence) == local_answer()
    assert len(model_server.requests) == 1


def test_an_http_error_keeps_the_local_answer(model_server: FakeModelServer, unsure: float) -> None:
    model_server.status = 500
    model_server.answer = "negar"
    result = understand(MESSAGE, today=TODAY)
    assert (result.intent, result.confidence) == local_answer()
    assert len(model_server.requests) == 1


def test_an_unreachable_model_keeps_the_local_answer(settings, unsure: float) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_LLM_URL = "http://127.0.0.1:9"  # discard port: connection refused
    result = understand(MESSAGE, today=TODAY)
    assert (result.intent, result.confidence) == local_answer()


def test_off_without_a_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_LLM_URL = ""
    assert llm.choose_intent("hola") is None


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434/v1/chat/completions"),
        ("https://api.example.com/v1/", "https://api.example.com/v1/chat/completions"),
        (
            "https://api.example.com/v1/chat/completions",
            "https://api.example.com/v1/chat/completions",
        ),
    ],
)
def test_endpoint(settings, base: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_LLM_URL = base
    assert llm.endpoint() == expected
