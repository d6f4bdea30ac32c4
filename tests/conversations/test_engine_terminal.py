import io

import pytest

from recaudo.conversations.models import Conversation, ConversationStatus
from recaudo.conversations.terminal import run_chat
from tests.conversations.dialogue import DOCUMENT, holder, overdue_account

pytestmark = pytest.mark.django_db


def test_terminal_chat_prints_numbered_options_and_numbers_choose():
    customer = holder()
    overdue_account(customer)
    stdin = io.StringIO(f"1\n{DOCUMENT}\n1985\nchao\n5\n")
    stdout = io.StringIO()
    run_chat(customer.creditor.slug, stdin=stdin, stdout=stdout)
    output = stdout.getvalue()
    assert "Soy el asistente virtual" in output
    assert "  1. Saldo y fechas" in output
    assert "¿Cuál es su número de documento de identidad?" in output
    assert "Saldo total: $400.000" in output
    assert "¡Gracias! Que tenga un buen día." in output
    conversation = Conversation.objects.get(channel="terminal")
    assert conversation.status == ConversationStatus.CLOSED and conversation.satisfaction == 5


def test_terminal_chat_ends_with_the_input():
    customer = holder()
    stdout = io.StringIO()
    run_chat(customer.creditor.slug, stdin=io.StringIO("salir\n"), stdout=stdout)
    assert "Soy el asistente virtual" in stdout.getvalue()


def test_unknown_creditor_is_a_command_error():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="nope"):
        run_chat("nope", stdin=io.StringIO(""), stdout=io.StringIO())
