"""``recaudo assistant classify | evaluate | chat``."""

import io
import json
from typing import TextIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.conversations.nlu import evaluation


def classify(text: str, *args: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("assistant", "classify", *args, stdin=io.StringIO(text), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_classify_prints_one_json_line_per_message() -> None:
    lines = classify(
        "hola quiero pagar\n"
        "te pago 200 mil el viernes\n"
        "mi cédula es 1.020.304.050\n"
        "me quedé sin chamba\n"
        "nel\n",
        "--today",
        "2026-12-01",
    )
    assert [line["intent"] for line in lines] == [
        "pagar",
        "prometer_pago",
        lines[2]["intent"],
        "no_puedo_pagar",
        "negar",
    ]
    assert lines[0]["entities"] == {}
    assert lines[1]["entities"] == {"date": "2026-12-04", "amount": "200000"}
    assert lines[2]["entities"] == {"document": "1020304050"}
    assert lines[3]["entities"] == {"reason": "lost_job"}
    assert lines[4]["entities"] == {"yes_no": "no"}
    for line in lines:
        assert set(line) == {"intent", "confidence", "entities"}
        assert isinstance(line["confidence"], float)
        assert 0 <= line["confidence"] <= 1


def test_classify_resolves_dates_against_today() -> None:
    (line,) = classify("pago el 15\n", "--today", "2026-12-20")
    assert line["entities"] == {"date": "2027-01-15"}


def test_classify_refuses_a_bad_today() -> None:
    with pytest.raises(CommandError):
        classify("hola\n", "--today", "mañana")


@pytest.fixture(scope="module")
def evaluated() -> evaluation.Evaluation:
    return evaluation.evaluate()


@pytest.fixture(autouse=True)
def _evaluate_once(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Both evaluate tests read one evaluation (training takes a second)."""
    if "evaluate" in request.node.name:
        result = request.getfixturevalue("evaluated")
        monkeypatch.setattr(evaluation, "evaluate", lambda: result)


def test_evaluate_prints_the_table() -> None:
    out = io.StringIO()
    call_command("assistant", "evaluate", stdout=out)
    text = out.getvalue()
    assert "macro-F1" in text
    assert "prometer_pago" in text
    assert "classifications per second" in text


def test_evaluate_fails_under_the_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation, "MINIMUM_MACRO_F1", 1.01)
    with pytest.raises(CommandError, match=r"1\.01"):
        call_command("assistant", "evaluate", stdout=io.StringIO())


def test_chat_hands_over_to_the_terminal_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    from recaudo.conversations import terminal

    calls: list[tuple[str, str]] = []

    def fake_run_chat(creditor_slug: str, *, stdin: TextIO, stdout: TextIO) -> None:
        calls.append((creditor_slug, stdin.read()))
        stdout.write("¡Hola!")

    monkeypatch.setattr(terminal, "run_chat", fake_run_chat)
    out = io.StringIO()
    call_command("assistant", "chat", "--creditor", "acme", stdin=io.StringIO("hola\n"), stdout=out)
    assert calls == [("acme", "hola\n")]
    assert "¡Hola!" in out.getvalue()
