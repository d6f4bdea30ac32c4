"""An agent answers a customer in a conversation: web chat turns, queued channel messages, the
WhatsApp 24-hour window, canned replies and giving the conversation back to the assistant."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.channels.sender import Sender
from recaudo.conversations.actions import (
    ReplyRefused,
    TaskTakenByAnother,
    close_task_as_agent,
    give_back_to_assistant,
    reply_as_agent,
)
from recaudo.conversations.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Speaker,
    Turn,
)
from recaudo.conversations.queries import (
    ReplyWindow,
    canned_replies,
    conversation_timeline,
    fill_placeholders,
    reply_window,
)
from recaudo.debts.models import AccountEvent, Actor, EventKind
from recaudo.staff.actions import open_task, take_task
from recaudo.staff.models import Task, TaskKind, TaskStatus
from recaudo.strategies.models import Template, TemplateStatus
from tests.channels.helpers import RecordingProvider
from tests.factories import make_account, make_contact_point, make_creditor, make_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Bogotá
PHONE = "+573001112233"


def handed_off(channel: str = "whatsapp", *, wrote_ago: dt.timedelta | None = None) -> Conversation:
    """A conversation with an adviser; the customer last wrote ``wrote_ago`` before NOW."""
    account = make_account(balance=Decimal("1250000"), stage="administrative")
    customer = account.customer
    point = make_contact_point(customer, value=PHONE)
    conversation = Conversation.objects.create(
        creditor=customer.creditor,
        channel=channel,
        address=PHONE,
        customer=customer,
        contact_point=point,
        account=account,
        status=ConversationStatus.HANDED_OFF,
        started_at=NOW - dt.timedelta(days=3),
        last_turn_at=NOW - dt.timedelta(hours=1),
        handed_off_at=NOW - dt.timedelta(hours=1),
    )
    if wrote_ago is not None:
        with time_machine.travel(NOW - wrote_ago, tick=False):
            inbound = Message.objects.create(
                creditor=customer.creditor,
                customer=customer,
                contact_point=point,
                direction=Direction.INBOUND,
                channel=channel,
                address=PHONE,
                body="quiero hablar con un asesor",
                status=MessageStatus.RECEIVED,
                initiated_by_customer=True,
                conversation=True,
            )
        Turn.objects.create(
            conversation=conversation,
            speaker=Speaker.CUSTOMER,
            text="quiero hablar con un asesor",
            message=inbound,
            at=NOW - wrote_ago,
        )
    return conversation


def approved_template(conversation: Conversation, **fields: object) -> Template:
    defaults: dict[str, object] = {
        "creditor": conversation.creditor,
        "code": "retomar-conversacion",
        "name": "Retomar conversación",
        "channel": "whatsapp",
        "body": "Hola {{ first_name }}, le escribimos para continuar su conversación.",
        "provider_template_name": "retomar_conversacion",
        "provider_template_params": ["first_name"],
        "status": TemplateStatus.APPROVED,
    }
    return Template.objects.create(**(defaults | fields))


def run_worker(at: dt.datetime, provider: RecordingProvider) -> dict[str, int]:
    sender = Sender(worker_id="w", provider_lookup=lambda kind: provider, clock=lambda: at)
    return dict(sender.run_batch(10))


# --- Web chat -------------------------------------------------------------------------------


def test_an_agent_turn_on_the_web_chat_reaches_the_widget(client: Client) -> None:
    creditor = make_creditor(slug="banco-andino")
    turns_url = "/chat/banco-andino/turns"
    response = client.post(
        turns_url, json.dumps({"text": "hola", "choice": ""}), content_type="application/json"
    )
    assert response.status_code == 200
    conversation = Conversation.objects.get(creditor=creditor, channel="web")
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.HANDED_OFF, handed_off_at=NOW
    )
    cursor = client.get(turns_url).json()
    assert cursor["turns"] == []
    assert cursor["handed_off"] is True

    turn = reply_as_agent(conversation, text="Hola, soy Ana. ¿En qué le ayudo?", agent_name="ana")

    polled = client.get(f"{turns_url}?after={cursor['last']}").json()
    assert polled["turns"] == [
        {"id": turn.pk, "speaker": "agent", "text": "Hola, soy Ana. ¿En qué le ayudo?"}
    ]
    assert polled["last"] == turn.pk
    assert client.get(f"{turns_url}?after={turn.pk}").json()["turns"] == []
    assert "Hola, soy Ana" in client.get("/chat/banco-andino/").content.decode()
    assert turn.message is None  # the turn is the delivery
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_a_reply_written_while_the_widget_polls_is_shown_once(client: Client) -> None:
    """An agent's turn written between the poll's two reads (the newest id, then the agents'
    turns) comes back in ``turns``; ``last`` must cover it, or the next poll repeats it."""
    from django.db import connection

    creditor = make_creditor(slug="banco-carrera")
    turns_url = "/chat/banco-carrera/turns"
    client.post(turns_url, json.dumps({"text": "hola"}), content_type="application/json")
    conversation = Conversation.objects.get(creditor=creditor, channel="web")
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.HANDED_OFF, handed_off_at=NOW
    )
    cursor = client.get(turns_url).json()["last"]
    written: list[Turn] = []
    started: list[bool] = []

    def agent_writes_meanwhile(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if not started and "conversations_turn" in sql and "ORDER BY" in sql and "DESC" in sql:
            started.append(True)
            written.append(reply_as_agent(conversation, text="Le ayudo", agent_name="ana"))
        return result

    with connection.execute_wrapper(agent_writes_meanwhile):
        polled = client.get(f"{turns_url}?after={cursor}").json()

    assert written, "the newest turn was not read as expected"
    assert [turn["id"] for turn in polled["turns"]] == [written[0].pk]
    assert polled["last"] >= written[0].pk
    again = client.get(f"{turns_url}?after={polled['last']}").json()
    assert again["turns"] == []


def test_a_full_page_of_replies_ends_at_its_last_turn(client: Client) -> None:
    from recaudo.conversations.views import TRANSCRIPT_TURNS

    creditor = make_creditor(slug="banco-largo")
    turns_url = "/chat/banco-largo/turns"
    client.post(turns_url, json.dumps({"text": "hola"}), content_type="application/json")
    conversation = Conversation.objects.get(creditor=creditor, channel="web")
    cursor = client.get(turns_url).json()["last"]
    Turn.objects.bulk_create(
        Turn(conversation=conversation, speaker=Speaker.AGENT, text=f"{index}", at=NOW)
        for index in range(TRANSCRIPT_TURNS + 2)
    )

    first = client.get(f"{turns_url}?after={cursor}").json()
    rest = client.get(f"{turns_url}?after={first['last']}").json()

    assert first["last"] == first["turns"][-1]["id"]
    shown = [turn["text"] for turn in first["turns"] + rest["turns"]]
    assert shown == [f"{index}" for index in range(TRANSCRIPT_TURNS + 2)]


def test_polling_without_a_conversation_creates_none(client: Client) -> None:
    make_creditor(slug="banco-vacio")
    assert client.get("/chat/banco-vacio/turns?after=0").json() == {
        "turns": [],
        "last": 0,
        "handed_off": False,
    }
    assert not Conversation.objects.exists()


def test_a_closed_web_chat_cannot_be_answered() -> None:
    conversation = handed_off("web")
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.CLOSED)
    conversation.refresh_from_db()
    with pytest.raises(ReplyRefused, match="cerrada"):
        reply_as_agent(conversation, text="hola", agent_name="ana")


# --- WhatsApp, SMS: through the outbox and the policy ---------------------------------------


def test_a_whatsapp_reply_is_queued_as_a_reply_and_sent_as_a_live_reply() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(minutes=10))
    with time_machine.travel(NOW, tick=False):
        turn = reply_as_agent(conversation, text="Hola, soy Ana.", agent_name="ana")

    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert turn.message_id == message.pk and turn.speaker == Speaker.AGENT
    assert (message.channel, message.address, message.body) == ("whatsapp", PHONE, "Hola, soy Ana.")
    assert message.status == MessageStatus.QUEUED
    assert message.initiated_by_customer is True
    assert message.payload["purpose"] == "reply"
    assert message.account_id == conversation.account_id

    provider = RecordingProvider()
    assert run_worker(NOW, provider).get("sent") == 1
    sent = Message.objects.get(pk=message.pk)
    assert sent.status == MessageStatus.SENT
    assert provider.sent[0].body == "Hola, soy Ana."
    event = AccountEvent.objects.get(kind=EventKind.CONVERSATION, actor=Actor.AGENT)
    assert event.actor_name == "ana" and event.data["message"] == message.pk


def test_a_late_reply_follows_the_policy_hours() -> None:
    """Two hours after the customer wrote it is no longer a live reply: at 22:00 in Bogotá
    the worker keeps it for the morning, with the policy's reasons."""
    night = NOW + dt.timedelta(hours=12)  # 22:00 in Bogotá
    conversation = handed_off(wrote_ago=-dt.timedelta(hours=10))  # 20:00 in Bogotá
    with time_machine.travel(night, tick=False):
        reply_as_agent(conversation, text="Buenas noches", agent_name="ana")
    provider = RecordingProvider()
    outcome = run_worker(night, provider)
    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert provider.sent == []
    assert outcome.get("deferred", 0) + outcome.get("blocked", 0) == 1
    assert message.policy_rule and message.policy_reasons


def test_an_sms_reply_is_queued_on_sms() -> None:
    conversation = handed_off("sms", wrote_ago=dt.timedelta(minutes=3))
    with time_machine.travel(NOW, tick=False):
        reply_as_agent(conversation, text="Le llamo en 5 minutos", agent_name="ana")
    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert message.channel == "sms" and message.initiated_by_customer


def test_a_call_cannot_be_answered_in_writing() -> None:
    conversation = handed_off("voice")
    with pytest.raises(ReplyRefused):
        reply_as_agent(conversation, text="hola", agent_name="ana")
    assert not Turn.objects.filter(speaker=Speaker.AGENT).exists()


def test_a_double_click_sends_once() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(minutes=10))
    with time_machine.travel(NOW, tick=False):
        first = reply_as_agent(conversation, text="Hola", agent_name="ana", dedupe_key="k1")
        second = reply_as_agent(conversation, text="Hola", agent_name="ana", dedupe_key="k1")
        reply_as_agent(conversation, text="Hola otra vez", agent_name="ana", dedupe_key="k2")
    assert first.pk == second.pk
    assert Turn.objects.filter(speaker=Speaker.AGENT).count() == 2
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 2


# --- WhatsApp's 24-hour window --------------------------------------------------------------


def test_outside_the_window_free_text_is_refused() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=25))
    with time_machine.travel(NOW, tick=False), pytest.raises(ReplyRefused, match="24"):
        reply_as_agent(conversation, text="Hola", agent_name="ana")
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert not Turn.objects.filter(speaker=Speaker.AGENT).exists()


def test_outside_the_window_an_approved_template_goes() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=25))
    template = approved_template(conversation)
    with time_machine.travel(NOW, tick=False):
        turn = reply_as_agent(conversation, text="", agent_name="ana", template=template)
    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert message.template_id == template.pk
    assert message.body == ""  # the worker renders the template when it sends
    assert message.initiated_by_customer is False  # a new contact: every rule applies
    assert "purpose" not in message.payload
    assert turn.text.startswith("Hola María")


@pytest.mark.parametrize(
    "change",
    [
        {"status": TemplateStatus.DRAFT},
        {"provider_template_name": ""},
        {"channel": "sms"},
    ],
)
def test_only_an_approved_whatsapp_template_with_a_provider_name(change: dict) -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=25))
    template = approved_template(conversation, **change)
    with time_machine.travel(NOW, tick=False), pytest.raises(ReplyRefused):
        reply_as_agent(conversation, text="", agent_name="ana", template=template)


def test_another_creditors_template_is_refused() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=25))
    template = approved_template(conversation, creditor=make_creditor())
    with time_machine.travel(NOW, tick=False), pytest.raises(ReplyRefused):
        reply_as_agent(conversation, text="", agent_name="ana", template=template)


def test_the_window_ends_24_hours_after_the_last_inbound_message() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=5))
    window = reply_window(conversation, now=NOW)
    assert window.ends == NOW + dt.timedelta(hours=19)
    assert window.open
    assert window.left(NOW) == dt.timedelta(hours=19)
    # Exactly 24 hours later it is closed (the reply action refuses free text from then on).
    assert not reply_window(conversation, now=NOW + dt.timedelta(hours=19)).open


def test_the_window_is_per_channel_and_address() -> None:
    sms = handed_off("sms", wrote_ago=dt.timedelta(hours=1))
    assert reply_window(sms, now=NOW).open
    never = handed_off(wrote_ago=None)
    assert reply_window(never, now=NOW) == ReplyWindow(ends=None, open=False)


# --- The history, canned replies, giving back -----------------------------------------------


def test_the_timeline_merges_turns_and_messages_without_repeating_them() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(minutes=30))
    customer = conversation.customer
    assert customer is not None
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        Message.objects.create(
            creditor=customer.creditor,
            customer=customer,
            direction=Direction.OUTBOUND,
            channel="email",
            address="maria@correo.test",
            body="Recordatorio de pago",
            status=MessageStatus.BLOCKED,
            policy_reasons=["outside hours"],
        )
    with time_machine.travel(NOW, tick=False):
        reply_as_agent(conversation, text="Hola, soy Ana", agent_name="ana")
    entries = conversation_timeline(conversation)
    assert [(entry.kind, entry.speaker, entry.channel) for entry in entries] == [
        ("message", "", "email"),
        ("turn", "customer", "whatsapp"),
        ("turn", "agent", "whatsapp"),
    ]
    assert entries[0].reasons == ("outside hours",)
    assert entries[2].status == MessageStatus.QUEUED


def test_canned_replies_fill_the_customers_placeholders() -> None:
    conversation = handed_off()
    text = fill_placeholders(
        "Hola {nombre}, su saldo es {saldo}. Le atiende {asesor} de {acreedor}. {otro}",
        customer=conversation.customer,
        account=conversation.account,
        agent_name="Ana",
    )
    assert text.startswith("Hola María, su saldo es ")
    assert "1.250.000" in text
    assert f"Le atiende Ana de {conversation.creditor.name}. {{otro}}" in text


def test_defaults_are_installed_and_offered_with_the_creditors_own() -> None:
    conversation = handed_off()
    own = CannedReply.objects.create(
        creditor=conversation.creditor, title="Propia", body="Hola {nombre}"
    )
    CannedReply.objects.create(creditor=make_creditor(), title="Ajena", body="x")
    CannedReply.objects.create(title="Inactiva", body="x", active=False)
    titles = {reply.title for reply in canned_replies(conversation.creditor_id)}
    assert "Saludo" in titles and own.title in titles
    assert not titles & {"Ajena", "Inactiva"}


def test_giving_back_closes_the_hand_off_task() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(minutes=5))
    assert conversation.customer is not None
    task, _ = open_task(
        conversation.customer,
        kind=TaskKind.HANDOFF,
        reason="quiere un asesor",
        conversation=conversation,
    )
    assert give_back_to_assistant(conversation, agent_name="ana") is True
    task.refresh_from_db()
    conversation.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert conversation.status == ConversationStatus.OPEN
    assert give_back_to_assistant(conversation, agent_name="ana") is False
    assert Task.objects.filter(status=TaskStatus.DONE).count() == 1


# --- Who may act on a hand-off ---------------------------------------------------------------


def handoff_task(conversation: Conversation) -> Task:
    assert conversation.customer is not None
    task, _ = open_task(
        conversation.customer,
        kind=TaskKind.HANDOFF,
        reason="quiere un asesor",
        conversation=conversation,
    )
    return task


def test_a_hand_off_another_agent_took_refuses_the_reply_and_the_give_back() -> None:
    conversation = handed_off("web")
    task = handoff_task(conversation)
    ana, luis = make_user("agent", username="ana"), make_user("agent", username="luis")
    assert take_task(task, user=ana)

    with pytest.raises(TaskTakenByAnother, match=r"^ana tomó "):
        reply_as_agent(conversation, text="Hola", agent_name="luis", user=luis)
    with pytest.raises(TaskTakenByAnother, match=r"^ana tomó "):
        give_back_to_assistant(conversation, agent_name="luis", user=luis)
    with pytest.raises(TaskTakenByAnother, match=r"^ana tomó "):
        close_task_as_agent(task, user=luis, agent_name="luis")

    assert not Turn.objects.filter(speaker=Speaker.AGENT).exists()
    task.refresh_from_db()
    conversation.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.ASSIGNED, ana.pk)
    assert conversation.status == ConversationStatus.HANDED_OFF
    # Ana herself answers and gives it back.
    reply_as_agent(conversation, text="Hola, soy Ana", agent_name="ana", user=ana)
    assert give_back_to_assistant(conversation, agent_name="ana", user=ana) is True


def test_the_reply_takes_an_unassigned_hand_off_and_a_refused_reply_does_not() -> None:
    conversation = handed_off(wrote_ago=dt.timedelta(hours=25))  # WhatsApp's window closed
    task = handoff_task(conversation)
    luis = make_user("agent", username="luis")
    with time_machine.travel(NOW, tick=False), pytest.raises(ReplyRefused, match="24"):
        reply_as_agent(conversation, text="Hola", agent_name="luis", user=luis)
    task.refresh_from_db()
    assert (task.status, task.assigned_to_id) == (TaskStatus.OPEN, None)  # rolled back

    inside = handed_off("web")
    web_task = handoff_task(inside)
    reply_as_agent(inside, text="Hola", agent_name="luis", user=luis)
    web_task.refresh_from_db()
    assert (web_task.status, web_task.assigned_to_id) == (TaskStatus.ASSIGNED, luis.pk)


def test_a_supervisor_may_answer_and_give_back_any_hand_off() -> None:
    conversation = handed_off("web")
    task = handoff_task(conversation)
    ana, boss = make_user("agent"), make_user("supervisor")
    assert take_task(task, user=ana)

    reply_as_agent(conversation, text="Soy el supervisor", agent_name="boss", user=boss)
    task.refresh_from_db()
    assert task.assigned_to_id == ana.pk
    assert give_back_to_assistant(conversation, agent_name="boss", user=boss) is True
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
