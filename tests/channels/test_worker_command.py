import pytest
from django.core.management import call_command

from recaudo.channels import sender
from recaudo.channels.models import Message, MessageStatus
from tests.channels.helpers import allow, make_message

pytestmark = pytest.mark.django_db


def test_worker_once_sends_what_is_due_and_exits(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sender, "batch_policy", lambda messages, at: allow)
    messages = [make_message() for _ in range(5)]

    call_command("worker", "--once", "--batch", "2", "--id", "test-worker")

    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert {m.provider_message_id for m in Message.objects.all()} == {
        f"fake-{m.id}" for m in messages
    }
    assert "worker test-worker: claimed 5" in capsys.readouterr().out


def test_worker_once_with_nothing_due(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("worker", "--once")
    assert "claimed 0" in capsys.readouterr().out
