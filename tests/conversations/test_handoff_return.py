"""A handed-off conversation does not stay with an adviser forever (finding A)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.contrib.auth.models import User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from recaudo.conversations.actions import HANDOFF_TIMEOUT
from recaudo.conversations.admin import ConversationAdmin
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.customers.models import Consent
from recaudo.staff.actions import close_task
from recaudo.staff.models import Task, TaskStatus
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account, phone_of

pytestmark = pytest.mark.django_db


def handed_off_chat(**chat: object) -> Chat:
    customer = holder()
    overdue_account(customer)
    conversation = Chat(customer.creditor, customer=customer, **chat)  # type: ignore[arg-type]
    conversation.say("cuál es mi saldo")
    conversation.verify_web()
    conversation.say("quiero hablar con un asesor")
    assert conversation.reload().status == ConversationStatus.HANDED_OFF
    return conversation


def test_while_an_adviser_has_it_the_assistant_is_silent():
    with time_machine.travel(NOW, tick=False):
        chat = handed_off_chat()
        assert chat.say("hola?") == []
        assert chat.reload().status == ConversationStatus.HANDED_OFF


def test_a_day_without_an_agent_gives_it_back_to_the_assistant():
    with time_machine.travel(NOW, tick=False):
        chat = handed_off_chat()
        chat.now += HANDOFF_TIMEOUT + dt.timedelta(minutes=1)
        replies = chat.say("hola")
        assert replies, "the assistant answers again"
        assert chat.reload().status == ConversationStatus.OPEN


def test_a_recent_agent_turn_keeps_it_with_the_adviser():
    with time_machine.travel(NOW, tick=False):
        chat = handed_off_chat()
        chat.now += HANDOFF_TIMEOUT - dt.timedelta(hours=1)
        Turn.objects.create(
            conversation=chat.conversation, speaker=Speaker.AGENT, text="Hola, soy Ana", at=chat.now
        )
        chat.now += dt.timedelta(hours=2)  # a day after the hand-off, an hour after Ana
        assert chat.say("gracias Ana") == []
        assert chat.reload().status == ConversationStatus.HANDED_OFF


def test_an_opt_out_is_recorded_while_handed_off():
    with time_machine.travel(NOW, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, channel="whatsapp", address=phone_of(customer))
        chat.say("quiero hablar con un asesor")
        chat.verify_web()
        assert chat.reload().status == ConversationStatus.HANDED_OFF
        chat.say("no me escriban más por favor")
        assert "WhatsApp" in chat.text
        assert Consent.objects.filter(
            contact_point__customer=customer, channel="whatsapp", granted=False
        ).exists()
        assert chat.reload().status == ConversationStatus.HANDED_OFF


def test_the_admin_returns_a_conversation_to_the_assistant():
    with time_machine.travel(NOW, tick=False):
        chat = handed_off_chat()
        user = User.objects.create_superuser("admin", "admin@example.com", "x")
        request = RequestFactory().post("/admin/conversations/conversation/")
        request.user = user
        request.session = {}  # type: ignore[assignment]
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        admin = ConversationAdmin(Conversation, site)
        admin.give_back_to_assistant(request, Conversation.objects.all())
        assert chat.reload().status == ConversationStatus.OPEN
        assert chat.say("hola"), "the assistant answers the next message"


def test_closing_the_handoff_task_gives_the_conversation_back():
    with time_machine.travel(NOW, tick=False):
        chat = handed_off_chat()
        task = Task.objects.get(kind="handoff")
        assert close_task(task, agent_name="Ana") is True
        assert close_task(task) is False  # already closed
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE and task.closed_at is not None
        assert chat.reload().status == ConversationStatus.OPEN
        with pytest.raises(ValueError):
            close_task(task, status=TaskStatus.OPEN)
