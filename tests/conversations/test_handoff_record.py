"""What an agent reads of a hand-off: the transcript in order, and no identity answer in clear."""

import datetime as dt

import pytest
import time_machine

from recaudo.conversations.models import Turn
from recaudo.conversations.queries import conversation_timeline
from recaudo.staff.models import Task
from tests.conversations.dialogue import BIRTH_YEAR, DOCUMENT, NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


def test_a_handoff_waiting_for_the_identity_keeps_the_answers_out_of_the_task():
    with time_machine.travel(NOW, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=NOW)
        chat.say("quiero hablar con un asesor")
        chat.verify_web()

    reason = Task.objects.get(kind="handoff").reason
    assert (
        f": {BIRTH_YEAR}" not in reason and DOCUMENT not in reason
    )  # (the prompt's example is 1985)
    assert "10:0" in reason  # local time in Bogotá (NOW is 15:00 UTC, 10:00 there)


def test_turns_written_in_the_same_instant_read_in_the_order_they_were_said():
    with time_machine.travel(NOW, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=NOW)
        chat.say("hola")
    instant = NOW + dt.timedelta(minutes=5)
    for text in ("primero", "segundo", "tercero"):
        Turn.objects.create(
            conversation=chat.conversation, speaker="assistant", text=text, at=instant
        )

    texts = [entry.text for entry in conversation_timeline(chat.conversation)]

    assert texts[-3:] == ["primero", "segundo", "tercero"]


def test_an_agent_cannot_write_into_a_conversation_the_assistant_has():
    from recaudo.conversations.actions import ReplyRefused, reply_as_agent

    with time_machine.travel(NOW, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=NOW)
        chat.say("hola")

        with pytest.raises(ReplyRefused, match="asistente"):
            reply_as_agent(chat.conversation, text="Hola, soy Ana", agent_name="ana")

    assert not chat.conversation.turns.filter(speaker="agent").exists()
