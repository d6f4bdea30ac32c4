import datetime as dt

import pytest
import time_machine

from recaudo.conversations.models import ConversationStatus
from recaudo.staff.models import Task
from tests.conversations.dialogue import Chat, holder, overdue_account

pytestmark = pytest.mark.django_db

SATURDAY_NIGHT = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)  # Sat 21:00 in Bogotá


def test_handoff_queues_the_transcript_and_says_when():
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        customer = holder()
        account = overdue_account(customer)
        chat = Chat(customer.creditor, now=SATURDAY_NIGHT)
        chat.say("cuál es mi saldo")
        chat.verify_web()
        chat.say("quiero hablar con un asesor")
        assert "Nuestros asesores atienden de 08:00 a 18:00" in chat.text
        assert "el lunes 16 de marzo a partir de las 08:00" in chat.text
        conversation = chat.reload()
        assert conversation.status == ConversationStatus.HANDED_OFF
        task = Task.objects.get(kind="handoff")
        assert task.conversation == conversation and task.account == account
        assert "Identidad verificada: sí" in task.reason
        assert "cuál es mi saldo" in task.reason


def test_handoff_without_identity_verifies_first():
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=SATURDAY_NIGHT)
        chat.say("quiero hablar con un asesor")
        assert "primero necesito confirmar quién es usted" in chat.text
        chat.verify_web()
        assert Task.objects.filter(kind="handoff").exists()
