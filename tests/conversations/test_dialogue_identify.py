"""Who is speaking, as scripted dialogues: a stranger cannot tell a customer's document from
anyone else's, codes are limited, third parties are told politely, identity answers are never
recorded in clear, and the web chat forgets the customer when the verification goes."""

import datetime as dt
import re

import pytest
import time_machine

from recaudo.channels.models import Message
from recaudo.conversations import nlu
from recaudo.conversations.models import Turn
from recaudo.customers.models import Consent
from recaudo.debts.models import AccountEvent, EventKind
from recaudo.staff.models import Task
from tests.conversations.dialogue import (
    BIRTH_YEAR,
    DOCUMENT,
    NOW,
    Chat,
    holder,
    overdue_account,
    phone_of,
)

pytestmark = pytest.mark.django_db

UNKNOWN = "99887766"


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _answers(chat: Chat, *texts: str) -> list[str]:
    said = []
    for text in texts:
        chat.say(text)
        said.append(chat.text)
    return said


def _phone_chat(customer) -> Chat:  # type: ignore[no-untyped-def]
    """A WhatsApp conversation opened as the inbound webhook opens it: the candidate customer
    and the contact point come from the sender's number."""
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    chat.conversation.contact_point = customer.contact_points.get(medium="phone")
    chat.conversation.save(update_fields=["contact_point"])
    return chat


# --- finding 1: enumeration ------------------------------------------------------------------


def test_send_me_a_code_answers_the_same_for_any_document():
    customer = holder()
    overdue_account(customer)
    known, unknown = Chat(customer.creditor), Chat(customer.creditor)
    texts = []
    for chat, document in ((known, DOCUMENT), (unknown, UNKNOWN)):
        chat.say("quiero saber mi saldo")
        chat.say(document)
        chat.press("send_code")
        texts.append((chat.text, chat.option_ids))
    assert texts[0] == texts[1]
    assert "Si el documento está registrado, enviamos un código de 6 dígitos" in texts[0][0]
    assert "***" not in texts[0][0]
    # Only the customer's preferred destination got one.
    assert Message.objects.filter(customer=customer).count() == 1


def test_a_locked_document_is_told_only_after_the_year_like_an_unknown_one():
    customer = holder()
    overdue_account(customer)
    for document in (DOCUMENT, UNKNOWN):
        first = Chat(customer.creditor)
        first.say("saldo")
        first.say(document)
        for _attempt in range(3):
            first.say("1970")
            first.say(document) if "de nuevo" in first.text else None
    # New conversations: the same questions, the same lock, the same words.
    texts = []
    for document in (DOCUMENT, UNKNOWN):
        chat = Chat(customer.creditor)
        chat.say("saldo")
        after_document = _answers(chat, document)[0]
        assert "¿en qué año nació?" in after_document and "bloqueada" not in after_document
        after_year = _answers(chat, BIRTH_YEAR)[0]
        assert "bloqueada" in after_year
        texts.append((after_document, after_year))
    assert texts[0] == texts[1]


def test_attempts_left_carry_over_to_a_new_conversation_for_any_document():
    customer = holder()
    overdue_account(customer)
    texts = []
    for document in (DOCUMENT, UNKNOWN):
        first = Chat(customer.creditor)
        first.say("saldo")
        first.say(document)
        first.say("1970")
        second = Chat(customer.creditor)
        second.say("saldo")
        second.say(document)
        second.say("1971")
        texts.append(second.text)
    assert texts[0] == texts[1]
    assert "Le queda 1 intento" in texts[0]


def test_no_birth_date_on_file_answers_like_an_unknown_document():
    customer = holder(birth_date=None)
    overdue_account(customer)
    texts = []
    for document in (DOCUMENT, UNKNOWN):
        chat = Chat(customer.creditor)
        chat.say("saldo")
        chat.say(document)
        chat.say(BIRTH_YEAR)
        texts.append((chat.text, chat.option_ids))
    assert texts[0] == texts[1]
    assert "Los datos no coinciden con nuestros registros. Le quedan 2 intentos." in texts[0][0]
    assert "También puede pedir un código" in texts[0][0]


def test_a_code_for_an_unknown_document_fails_like_a_wrong_code():
    customer = holder()
    overdue_account(customer)
    texts = []
    for document in (DOCUMENT, UNKNOWN):
        chat = Chat(customer.creditor)
        chat.say("saldo")
        chat.say(document)
        chat.press("send_code")
        chat.say("000000")
        texts.append(chat.text)
    assert texts[0] == texts[1]
    assert "Ese código no es correcto o ya venció. Le quedan 2 intentos." in texts[0]


# --- finding 2: codes are limited ------------------------------------------------------------


def test_send_it_again_does_not_queue_a_code_each_time():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.say(DOCUMENT)
    chat.press("send_code")
    chat.press("send_code")
    # Sent at 10:01 in Bogotá, valid for 10 minutes.
    assert "Ya le enviamos un código hace un momento; es válido hasta las 10:11" in chat.text
    assert Message.objects.filter(customer=customer).count() == 1
    message = Message.objects.get(customer=customer)
    assert message.payload["purpose"] == "reply" and message.initiated_by_customer
    # One a minute at most, five an hour.
    for _again in range(6):
        chat.now += dt.timedelta(minutes=2)
        chat.press("send_code")
    assert "Ya pidió varios códigos" in chat.text
    assert Message.objects.filter(customer=customer).count() == 5
    # In another conversation the customer's own limit still holds, with the same answer.
    other = Chat(customer.creditor, now=chat.now)
    other.say("saldo")
    other.say(DOCUMENT)
    other.press("send_code")
    assert "Si el documento está registrado" in other.text
    assert Message.objects.filter(customer=customer).count() == 5


def test_code_skips_a_channel_the_customer_opted_out_of():
    customer = holder()
    overdue_account(customer)
    phone = customer.contact_points.get(medium="phone")
    Consent.objects.create(contact_point=phone, channel="sms", granted=False, source="test", at=NOW)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.say(DOCUMENT)
    chat.press("send_code")
    message = Message.objects.get(customer=customer)
    assert message.channel == "email"
    code = re.search(r"\b\d{6}\b", message.body).group()  # type: ignore[union-attr]
    chat.say(code)
    assert "Su identidad quedó confirmada" in chat.text


# --- finding 4: who is a third party ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no soy capaz de pagar este mes",
        "esa deuda no es mia, se equivocaron",
        "no soy de pagar tarde, es que me quedé sin trabajo",
    ],
)
def test_the_holder_speaking_is_not_taken_for_a_third_party(text):  # type: ignore[no-untyped-def]
    customer = holder()
    overdue_account(customer)
    chat = _phone_chat(customer)
    chat.say("saldo")
    chat.say(text)
    assert "Solo puedo hablar de una cuenta con su titular" not in chat.text


@pytest.mark.parametrize(
    "text",
    [
        "no soy el titular, soy su hermano",
        "soy la esposa de él",
        "número equivocado",
        "se equivocaron de número",
        "no conozco a esa persona",
    ],
)
def test_a_third_party_is_told_politely(text):  # type: ignore[no-untyped-def]
    customer = holder()
    overdue_account(customer)
    chat = _phone_chat(customer)
    chat.say("saldo")
    chat.say(text)
    assert "Solo puedo hablar de una cuenta con su titular" in chat.text


# --- finding 6: identity answers are never recorded in clear ------------------------------


def test_identity_answers_never_reach_turns_timeline_classifier_or_transcript(monkeypatch):  # type: ignore[no-untyped-def]
    # Not 1985: the assistant's own question gives it as an example.
    customer = holder(birth_date=dt.date(1979, 6, 1))
    account = overdue_account(customer)
    classified: list[str] = []
    understand = nlu.understand

    def spy(text: str, **kwargs):  # type: ignore[no-untyped-def]
        classified.append(text)
        return understand(text, **kwargs)

    monkeypatch.setattr(nlu, "understand", spy)
    chat = Chat(customer.creditor)
    chat.say("quiero saber mi saldo")
    chat.say("1.045.678.912")
    chat.say("1979")
    assert "Su identidad quedó confirmada" in chat.text
    chat.say("quiero hablar con un asesor")
    secrets = ("1045678912", "1.045.678.912", "8912", "1979")
    assert not [text for text in classified if any(secret in text for secret in secrets)]
    turns = Turn.objects.filter(conversation=chat.conversation)
    for turn in turns:
        assert not any(secret in turn.text for secret in secrets), turn.text
        assert "document" not in turn.entities
    events = AccountEvent.objects.filter(account=account, kind=EventKind.CONVERSATION)
    assert events.exists()
    for event in events:
        assert not any(secret in str(event.data) for secret in secrets), event.data
    task = Task.objects.get(customer=customer)
    assert not any(secret in task.reason for secret in secrets), task.reason
    assert "••••" in task.reason


def test_a_document_given_with_the_request_is_not_recorded():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say(f"hola, mi cédula es {DOCUMENT}, cuánto debo?")
    assert "¿en qué año nació?" in chat.text
    first = Turn.objects.filter(conversation=chat.conversation).order_by("at", "id").first()
    assert first is not None and DOCUMENT not in first.text
    assert "document" not in first.entities
    assert DOCUMENT not in str(chat.reload().state)


# --- finding 10: a message from someone unverified -----------------------------------------


def test_a_message_on_the_web_chat_files_no_task_against_the_typed_document():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.say(DOCUMENT)
    chat.press("not_holder")
    chat.press("leave_message")
    chat.say("Díganle que pague")
    assert "canales oficiales" in chat.text
    assert not Task.objects.exists()
    # The message stays on the conversation.
    assert Turn.objects.filter(conversation=chat.conversation, text="Díganle que pague").exists()


def test_a_message_from_the_number_on_file_is_one_task_per_conversation():
    customer = holder()
    overdue_account(customer)
    chat = _phone_chat(customer)
    chat.say("saldo")
    chat.say("número equivocado")
    chat.press("leave_message")
    chat.say("Este número ya no es de esa persona")
    assert "su mensaje quedó registrado" in chat.text
    chat.say("no soy el titular")
    chat.press("leave_message")
    assert "ya quedó registrado" in chat.text
    assert Task.objects.filter(customer=customer).count() == 1


# --- finding 11: the web chat forgets the customer ------------------------------------------


def test_after_the_verification_expires_the_web_chat_cannot_opt_the_customer_out():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    chat.now += dt.timedelta(minutes=45)
    chat.say("no quiero que me contacten más por ningún medio")
    assert "número de documento" in chat.text
    assert chat.reload().customer is None
    assert not Consent.objects.filter(contact_point__customer=customer).exists()


def test_a_phone_channel_keeps_the_candidate_from_its_number():
    customer = holder()
    overdue_account(customer)
    chat = _phone_chat(customer)
    chat.say("saldo")
    chat.say("8912")
    chat.say(BIRTH_YEAR)
    chat.now += dt.timedelta(minutes=45)
    chat.say("saldo")
    assert "últimos 4 dígitos" in chat.text
    assert chat.reload().customer == customer
