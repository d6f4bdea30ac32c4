"""The assistant answering WhatsApp, SMS and calls through the providers' signed webhooks."""

import datetime as dt
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from recaudo.channels.models import Direction, Message
from recaudo.conversations import inbound
from recaudo.conversations.models import Conversation, Speaker, Turn
from recaudo.customers.models import ContactPoint
from recaudo.debts.models import Account
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
)

pytestmark = pytest.mark.django_db

APP_SECRET = "test-app-secret"
AUTH_TOKEN = "twilio-test-auth-token"
PUBLIC_URL = "https://cobranza.example.com"
PHONE = "+573001234567"
DOCUMENT = "52123456"
BIRTH = dt.date(1985, 5, 17)


@pytest.fixture(autouse=True)
def _providers(settings: Any) -> None:
    settings.RECAUDO_PUBLIC_URL = PUBLIC_URL
    settings.WHATSAPP_CLOUD = {
        "phone_number_id": "106540352242922",
        "access_token": "token",
        "app_secret": APP_SECRET,
        "verify_token": "verify",
        "api_base": "http://127.0.0.1:9",
    }
    settings.TWILIO = {
        "account_sid": "AC" + "01" * 16,
        "auth_token": AUTH_TOKEN,
        "sms_from": "+15005550006",
        "whatsapp_from": "",
        "voice_from": "+15005550007",
        "messaging_service_sid": "",
        "api_base": "http://127.0.0.1:9",
    }


@pytest.fixture
def account() -> Account:
    creditor = make_creditor(slug="banco-andino", name="Banco Andino")
    customer = make_customer(creditor, document_number=DOCUMENT, birth_date=BIRTH)
    make_contact_point(customer, value=PHONE)
    account = make_account(
        customer,
        balance=Decimal("1500000"),
        overdue_amount=Decimal("300000"),
        days_past_due=20,
        next_due_date=dt.date(2026, 12, 15),
    )
    make_instalment(account, due_date=dt.date(2026, 12, 15), amount_due=Decimal("300000"))
    return account


def whatsapp_body(message_id: str, content: dict[str, Any]) -> bytes:
    message = {"from": PHONE.removeprefix("+"), "id": message_id, "timestamp": "1764556200"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "María"}, "wa_id": PHONE.removeprefix("+")}],
        "messages": [message | content],
    }
    data = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(data).encode()


def post_whatsapp(client: Client, message_id: str, content: dict[str, Any]):  # type: ignore[no-untyped-def]
    body = whatsapp_body(message_id, content)
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/hooks/whatsapp_cloud/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": f"sha256={digest}"},
    )


def text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def button(button_id: str, title: str) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    }


def post_twilio(client: Client, kind: str, fields: dict[str, str], query: str = ""):  # type: ignore[no-untyped-def]
    path = f"/hooks/{kind}/" + (f"?{query}" if query else "")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, fields)
    return client.post(
        path,
        data=urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def sms_fields(sid: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsStatus": "received",
        "From": PHONE,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def replies_to(message_id: str) -> list[Message]:
    received = Message.objects.get(provider_message_id=message_id)
    return list(
        Message.objects.filter(
            direction=Direction.OUTBOUND, payload__reply_to=received.id
        ).order_by("id")
    )


def test_a_whatsapp_message_is_answered_once_even_when_the_webhook_is_retried(
    client: Client, account: Account
) -> None:
    assert post_whatsapp(client, "wamid.1", text("Hola")).status_code == 200
    assert post_whatsapp(client, "wamid.1", text("Hola")).status_code == 200  # a retry

    replies = replies_to("wamid.1")
    assert replies
    first = replies[0]
    assert (first.channel, first.address, first.status) == ("whatsapp", PHONE, "queued")
    assert first.initiated_by_customer is True
    assert first.payload["purpose"] == "reply"
    assert first.dedupe_key == f"assistant:{first.payload['reply_to']}:0"
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.address) == ("whatsapp", PHONE)
    assert conversation.customer_id == account.customer_id
    assert conversation.verified_at is None  # a number on file is not proof
    assert Turn.objects.filter(speaker=Speaker.CUSTOMER).count() == 1


def test_a_pressed_button_is_the_customers_choice(client: Client, account: Account) -> None:
    post_whatsapp(client, "wamid.1", text("Hola"))
    offered = [
        option
        for reply in replies_to("wamid.1")
        for option in reply.payload.get("buttons", [])
        + reply.payload.get("list", {}).get("rows", [])
    ]
    assert offered, "the greeting offers options"
    chosen = offered[-1]

    post_whatsapp(client, "wamid.2", button(chosen["id"], chosen["title"]))

    turn = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id").last()
    assert turn is not None
    assert turn.text == chosen["title"]
    assert turn.entities.get("choice") == chosen["id"]
    assert replies_to("wamid.2")


def test_an_old_button_is_not_taken_as_an_answer_to_the_current_question(
    client: Client, account: Account
) -> None:
    post_whatsapp(client, "wamid.1", text("Hola"))
    post_whatsapp(client, "wamid.2", text("quiero saber cuanto debo"))  # now asks the digits

    # A "Sí" of some earlier confirmation, scrolled back to: not one of the options offered now.
    post_whatsapp(client, "wamid.3", button("yes", "Sí"))

    turn = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id").last()
    assert turn is not None
    assert "choice" not in turn.entities


def test_a_numbered_sms_answer_picks_the_option(client: Client, account: Account) -> None:
    post_twilio(client, "twilio", sms_fields("SM1", "Hola"))
    [*_, last] = replies_to("SM1")
    assert last.channel == "sms"
    assert "\n1. " in last.body, last.body
    options = inbound.last_options(Conversation.objects.get())

    post_twilio(client, "twilio", sms_fields("SM2", "1"))

    turn = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id").last()
    assert turn is not None
    first_numbered = next(option for option in options if not option.get("url"))
    assert turn.entities.get("choice") == first_numbered["id"]
    assert replies_to("SM2")


def test_a_verified_dialogue_over_whatsapp_tells_the_balance(
    client: Client, account: Account
) -> None:
    post_whatsapp(client, "wamid.1", text("Hola, cuánto debo?"))
    post_whatsapp(client, "wamid.2", text(DOCUMENT[-4:]))
    post_whatsapp(client, "wamid.3", text(str(BIRTH.year)))

    conversation = Conversation.objects.get()
    assert conversation.verified_at is not None
    said = "\n".join(reply.body for reply in replies_to("wamid.3"))
    assert "1.500.000" in said


def test_an_opt_out_is_not_answered_by_the_assistant(client: Client, account: Account) -> None:
    post_twilio(client, "twilio", sms_fields("SM1", "BAJA"))

    assert not Conversation.objects.exists()
    [confirmation] = replies_to("SM1")
    assert confirmation.payload["purpose"] == "transactional"


def test_an_assistant_failure_keeps_the_inbound_message(
    client: Client, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(inbound, "take_turn", broken)

    assert post_whatsapp(client, "wamid.1", text("Hola")).status_code == 200

    assert Message.objects.filter(provider_message_id="wamid.1").exists()
    assert replies_to("wamid.1") == []


def test_a_message_from_an_unknown_number_is_not_answered(client: Client) -> None:
    make_creditor()
    assert post_whatsapp(client, "wamid.1", text("Hola")).status_code == 200
    assert not Message.objects.exists()


# Calls


def call_fields(**extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "01" * 16,
        "CallSid": "CA" + "c3" * 16,
        "CallStatus": "in-progress" if extra else "ringing",
        "Direction": "inbound",
        "From": PHONE,
        "To": "+15005550007",
        **extra,
    }


def spoken(response_content: bytes) -> tuple[ET.Element, list[str]]:
    root = ET.fromstring(response_content)
    gather = root.find("Gather")
    assert gather is not None, response_content
    return gather, [say.text or "" for say in gather.findall("Say")]


def test_a_call_runs_the_assistant_turn_by_turn(client: Client, account: Account) -> None:
    greeting = post_twilio(client, "twilio_voice", call_fields())

    assert greeting.status_code == 200
    assert greeting["Content-Type"].startswith("text/xml")
    gather, said = spoken(greeting.content)
    assert gather.attrib["input"] == "speech dtmf"
    assert gather.attrib["language"] == "es-MX"
    assert gather.attrib["action"] == f"{PUBLIC_URL}/hooks/twilio_voice/?turn=1"
    assert said and all(said)
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.address) == ("voice", PHONE)
    # Nothing goes to the outbox: the call speaks the replies.
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()

    answer = post_twilio(
        client, "twilio_voice", call_fields(SpeechResult="quiero saber mi saldo"), "turn=1"
    )

    gather, said = spoken(answer.content)
    assert gather.attrib["action"] == f"{PUBLIC_URL}/hooks/twilio_voice/?turn=2"
    customer_turns = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id")
    assert [turn.text for turn in customer_turns] == ["", "quiero saber mi saldo"]

    again = post_twilio(
        client, "twilio_voice", call_fields(SpeechResult="quiero saber mi saldo"), "turn=1"
    )

    assert again.content == answer.content  # a repeated request: the same answer, no new turn
    assert Turn.objects.filter(speaker=Speaker.CUSTOMER).count() == 2


def test_keys_pick_a_numbered_option_on_a_call(client: Client, account: Account) -> None:
    post_twilio(client, "twilio_voice", call_fields())
    options = [o for o in inbound.last_options(Conversation.objects.get()) if not o.get("url")]
    assert options

    post_twilio(client, "twilio_voice", call_fields(Digits="1"), "turn=1")

    turn = Turn.objects.filter(speaker=Speaker.CUSTOMER).order_by("id").last()
    assert turn is not None
    assert turn.entities.get("choice") == options[0]["id"]


def test_a_call_from_an_unknown_number_is_told_where_to_go(client: Client) -> None:
    response = post_twilio(client, "twilio_voice", call_fields())

    assert [element.tag for element in ET.fromstring(response.content)] == ["Say", "Hangup"]


def test_the_menu_of_a_call_we_made_still_works(client: Client, account: Account) -> None:
    point = ContactPoint.objects.get(value=PHONE)
    call = Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        contact_point=point,
        direction="outbound",
        channel="voice",
        address=PHONE,
        status="sent",
        provider="twilio_voice",
        provider_message_id="CA" + "b2" * 16,
    )
    fields = {
        "CallSid": "CA" + "b2" * 16,
        "Digits": "2",
        "Direction": "outbound-api",
        "From": "+15005550007",
        "To": PHONE,
    }

    response = post_twilio(client, "twilio_voice", fields, f"message={call.id}")

    assert [element.tag for element in ET.fromstring(response.content)] == ["Say", "Hangup"]
    assert not Conversation.objects.exists()
    assert account.customer.tasks.filter(kind="handoff").exists()
