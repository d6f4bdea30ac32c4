"""The engine: identity before anything, locks, codes, order and restarts, clarification."""

import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from recaudo.channels.models import Message
from recaudo.conversations import nlu
from recaudo.conversations.actions import open_conversation, return_to_assistant, take_turn
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.debts.models import AccountEvent, EventKind
from tests.conversations.dialogue import (
    DOCUMENT,
    NOW,
    Chat,
    holder,
    overdue_account,
    phone_of,
)
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _no_debt_words(text: str) -> None:
    assert "$" not in text
    assert not re.search(r"saldo total|vencid|400\.000|200\.000|cuenta .* terminada", text, re.I)


def test_greeting_in_spanish_with_the_menu():
    creditor = make_creditor(name="Banco Andino")
    chat = Chat(creditor)
    chat.say()
    assert "Soy el asistente virtual de Banco Andino" in chat.text
    assert "intent:consultar_saldo" in chat.option_ids
    assert Turn.objects.filter(conversation=chat.conversation).count() == 2


def test_nothing_about_a_debt_before_verification():
    customer = holder()
    overdue_account(customer)
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    chat.say("hola, cuánto debo?")
    _no_debt_words(chat.text)
    assert "últimos 4 dígitos" in chat.text
    chat.say("8912")
    _no_debt_words(chat.text)
    assert "año" in chat.text
    chat.say("1985")
    assert "Su identidad quedó confirmada" in chat.text
    assert "$400.000" in chat.text and "$200.000" in chat.text
    conversation = chat.reload()
    assert conversation.verified_at is not None and conversation.customer == customer


def test_unknown_document_gets_the_same_answers_as_a_wrong_one():
    customer = holder()
    overdue_account(customer)
    known, unknown = Chat(customer.creditor), Chat(customer.creditor)
    for chat, document in ((known, DOCUMENT), (unknown, "99999999")):
        chat.say("quiero saber mi saldo")
        chat.say(document)
        assert "¿en qué año nació?" in chat.text
        chat.say("1970")
        assert "Los datos no coinciden con nuestros registros. Le quedan 2 intentos." in chat.text
        _no_debt_words(chat.text)


def test_three_failures_lock_on_every_channel():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor, channel="sms", address=phone_of(customer), customer=customer)
    chat.say("mi saldo por favor")
    for _attempt in range(2):
        chat.say("1111")
        chat.say("1985")
        assert "Los datos no coinciden con nuestros registros" in chat.text
    chat.say("1111")
    chat.say("1985")
    assert "Podrá intentarlo de nuevo hoy a partir de las 10:32" in chat.text
    assert "Solo puedo hablar de una cuenta con su titular" in chat.text
    assert "leave_message" in chat.option_ids
    # The web chat, with the right answers, is locked too.
    web = Chat(customer.creditor)
    web.say("saldo")
    web.say(DOCUMENT)
    # The lock is only told after an answer, as for a document that is no one's.
    assert "¿en qué año nació?" in web.text
    web.say("1985")
    assert "bloqueada" in web.text
    _no_debt_words(web.text)


def test_one_time_code_path():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero ver mi saldo")
    chat.say(DOCUMENT)
    chat.press("send_code")
    # The same sentence whether or not the document is registered; no contact point listed.
    assert "Si el documento está registrado, enviamos un código de 6 dígitos" in chat.text
    phone = customer.contact_points.get(medium="phone")
    assert phone.value[-4:] not in chat.text
    message = Message.objects.get(customer=customer, contact_point=phone)
    assert message.payload["purpose"] == "reply" and message.channel == "sms"
    code = re.search(r"\b\d{6}\b", message.body).group()  # type: ignore[union-attr]
    chat.say("000000" if code != "000000" else "111111")
    assert "Ese código no es correcto" in chat.text
    chat.say(code)
    assert "Su identidad quedó confirmada" in chat.text
    assert "$400.000" in chat.text


def test_someone_else_is_told_politely_and_may_leave_a_message():
    customer = holder()
    overdue_account(customer)
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    # As the inbound webhook opens it: the candidate came from the sender's number.
    chat.conversation.contact_point = customer.contact_points.get(medium="phone")
    chat.conversation.save(update_fields=["contact_point"])
    chat.say("cuánto debe la señora maría?")
    chat.say("no soy el titular, soy su hermano")
    assert "Solo puedo hablar de una cuenta con su titular" in chat.text
    _no_debt_words(chat.text)
    chat.press("leave_message")
    chat.say("Díganle que me llame por favor")
    assert "su mensaje quedó registrado" in chat.text
    task = customer.tasks.get()
    assert task.kind == "handoff" and "Díganle que me llame" in task.reason
    assert task.conversation == chat.conversation


def test_state_survives_a_restart_and_turns_are_in_order():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero ver mi saldo")
    chat.say(DOCUMENT)
    # A restart: nothing but the database row is left.
    reloaded = Conversation.objects.get(pk=chat.conversation.pk)
    assert reloaded.state["flow"] == "identify" and reloaded.state["step"] == "birth_year"
    replies = take_turn(reloaded, "1985", now=NOW + dt.timedelta(minutes=1))
    assert "$400.000" in "\n".join(reply.text for reply in replies)
    speakers = list(Turn.objects.filter(conversation=reloaded).values_list("speaker", flat=True))
    assert speakers[0] == Speaker.CUSTOMER and speakers.count(Speaker.CUSTOMER) == 3


def test_customer_turn_records_what_was_understood():
    customer = holder()
    chat = Chat(customer.creditor)
    chat.say("quiero pagar")
    turn = Turn.objects.filter(conversation=chat.conversation, speaker="customer").get()
    assert turn.intent == "pagar" and turn.confidence and turn.confidence > 0
    assert isinstance(turn.entities, dict)
    assistant = Turn.objects.filter(conversation=chat.conversation, speaker="assistant").last()
    assert assistant is not None and assistant.options[0]["id"] == "not_holder"


def test_low_confidence_asks_a_short_question_with_options(monkeypatch):
    creditor = make_creditor()
    understanding = nlu.Understanding(
        intent="pagar",
        confidence=0.1,
        entities=nlu.Entities(),
        ranking=(("pagar", 0.1), ("plan_de_pagos", 0.09), ("fuera_de_alcance", 0.05)),
    )
    monkeypatch.setattr(nlu, "understand", lambda text, *, today: understanding)
    chat = Chat(creditor)
    chat.say("eso de la plata")
    assert "No estoy seguro de haberle entendido" in chat.text
    assert chat.option_ids == ["intent:pagar", "intent:plan_de_pagos"]


def test_timeline_gets_one_event_per_exchange_once_the_account_is_known():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    chat.press("menu")
    events = AccountEvent.objects.filter(account=account, kind=EventKind.CONVERSATION)
    assert events.count() == 2
    last = events.order_by("at", "id").last()
    assert last is not None and last.data["customer"] == "Otra consulta"
    assert last.data["assistant"] == ["¿En qué le puedo ayudar?"]


def test_verification_expires_after_thirty_idle_minutes():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    chat.now += dt.timedelta(minutes=45)
    chat.say("cuál es mi saldo?")
    # On the web chat the next person at the browser is a stranger again.
    assert "número de documento" in chat.text
    assert chat.reload().customer is None
    _no_debt_words(chat.text)


def test_handed_off_conversation_is_quiet_until_returned():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    chat.say("quiero hablar con un asesor")
    assert chat.reload().status == ConversationStatus.HANDED_OFF
    assert chat.say("hola?") == []
    assert Turn.objects.filter(conversation=chat.conversation, text="hola?").exists()
    return_to_assistant(chat.conversation, agent_name="Ana")
    assert chat.conversation.status == ConversationStatus.OPEN
    chat.say("cuál es mi saldo")
    assert "$400.000" in chat.text


def test_open_conversation_reuses_the_open_one_and_closes_idle_ones():
    creditor = make_creditor()
    first = open_conversation(creditor, channel="whatsapp", address="+573001234567", now=NOW)
    again = open_conversation(
        creditor, channel="whatsapp", address="+573001234567", now=NOW + dt.timedelta(hours=1)
    )
    assert again == first
    later = open_conversation(
        creditor, channel="whatsapp", address="+573001234567", now=NOW + dt.timedelta(days=2)
    )
    assert later != first
    first.refresh_from_db()
    assert first.status == ConversationStatus.CLOSED


def test_a_message_after_goodbye_starts_afresh():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    chat.say("chao, gracias")
    chat.press("rating:5")
    assert chat.reload().status == ConversationStatus.CLOSED
    chat.say("cuál es mi saldo")
    _no_debt_words(chat.text)
    assert chat.reload().verified_at is None


@pytest.mark.django_db(transaction=True)
def test_two_messages_at_once_are_handled_in_order():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    customer = holder()
    overdue_account(customer, balance=Decimal("400000"))
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.say(DOCUMENT)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(text: str, offset: int) -> None:
        try:
            barrier.wait()
            take_turn(
                Conversation.objects.get(pk=chat.conversation.pk),
                text,
                now=NOW + dt.timedelta(minutes=1, seconds=offset),
            )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=("1985", 0)),
        threading.Thread(target=send, args=("quiero pagar", 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    conversation = Conversation.objects.get(pk=chat.conversation.pk)
    # Whatever the order, each turn saw the state the other saved: verified either way.
    assert conversation.verified_at is not None
    texts = list(
        Turn.objects.filter(conversation=conversation, speaker="customer").values_list(
            "text", flat=True
        )
    )
    # Both turns recorded (the birth year as the identity check redacts it).
    assert len(texts) >= 2 and "quiero pagar" in texts[-2:]


def test_another_request_halfway_through_identification_keeps_its_progress():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("cuál es mi saldo")
    chat.say(DOCUMENT)
    chat.say("quiero pagar")
    assert "¿en qué año nació?" in chat.text
    _no_debt_words(chat.text)
    chat.say("1985")
    assert "Su identidad quedó confirmada" in chat.text
    assert "pay:overdue" in chat.option_ids


def test_document_given_with_the_request_is_not_asked_again():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say(f"hola, mi cédula es {DOCUMENT}, cuánto debo?")
    assert "¿en qué año nació?" in chat.text
    chat.say("1985")
    assert "$400.000" in chat.text


def test_option_titles_fit_a_whatsapp_button():
    customer = holder()
    overdue_account(customer, external_id="TC-1111", product_type="credit_card")
    overdue_account(customer, external_id="PL-2222")
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    titles = [option.title for reply in chat.replies for option in reply.options]
    assert titles == ["Tarjeta de crédi… …1111", "Préstamo person… …2222"] or all(
        len(title) <= 20 for title in titles
    )
    assert all(len(title) <= 20 for title in titles)


def test_no_birth_date_on_file_offers_a_code():
    customer = holder(birth_date=None)
    overdue_account(customer)
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    chat.say("cuánto debo")
    chat.say("8912")
    chat.say("1985")
    # A wrong answer like any other (nothing told about what is on file), with the code offered.
    assert "Los datos no coinciden con nuestros registros. Le quedan 2 intentos." in chat.text
    assert "También puede pedir un código" in chat.text and "send_code" in chat.option_ids
    _no_debt_words(chat.text)
