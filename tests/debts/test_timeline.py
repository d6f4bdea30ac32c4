"""The customer's timeline (``debts.queries.customer_timeline``) reads as words for a person:
labels instead of codes, amounts in the account's currency, and one entry per conversation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.debts.models import AccountEvent, AccountStatus, Actor, EventKind, Stage
from recaudo.debts.queries import customer_timeline
from recaudo.lib.money import format_money
from tests.factories import make_account, make_contact_point, make_creditor, make_customer

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def event(account: object, kind: str, **fields: object) -> AccountEvent:
    return AccountEvent.objects.create(
        account=account, kind=kind, at=fields.pop("at", AT), actor=Actor.SYSTEM, **fields
    )


def texts(customer: object) -> dict[str, str]:
    return {entry.kind: entry.text for entry in customer_timeline(customer, limit=50).entries}


def test_transitions_show_their_labels_and_amounts_their_currency() -> None:
    account = make_account(make_customer(make_creditor(currency="USD")), currency="USD")
    event(account, EventKind.STATUS_CHANGED, from_value="active", to_value="promise")
    event(account, EventKind.STAGE_CHANGED, from_value="current", to_value="pre_legal")
    event(account, EventKind.BUCKET_CHANGED, from_value="current", to_value="1-30")
    event(account, EventKind.BALANCE_CHANGED, from_value="841100.00", to_value="0.00")
    event(
        account,
        EventKind.PROMISE_MADE,
        data={"amount": "4000000.00", "promised_date": "2026-03-20", "channel": "whatsapp"},
    )

    with translation.override("es"):
        shown = texts(account.customer)
        money = format_money(Decimal("4000000"), "USD", "es")
        day = date_format(dt.date(2026, 3, 20), "SHORT_DATE_FORMAT")
        status = f"{AccountStatus.ACTIVE.label} → {AccountStatus.PROMISE.label}"
        stage = f"{Stage.CURRENT.label} → {Stage.PRE_LEGAL.label}"
        balance = f"{format_money(Decimal('841100'), 'USD', 'es')} → "

    assert shown[EventKind.STATUS_CHANGED] == status
    assert shown[EventKind.STAGE_CHANGED] == stage
    assert shown[EventKind.BUCKET_CHANGED].endswith("→ 1-30")
    assert "current" not in shown[EventKind.BUCKET_CHANGED]
    assert shown[EventKind.BALANCE_CHANGED].startswith(balance)
    assert money in shown[EventKind.PROMISE_MADE] and "4000000.00" not in str(shown)
    assert day in shown[EventKind.PROMISE_MADE] and "WhatsApp" in shown[EventKind.PROMISE_MADE]


def test_an_assistant_conversation_is_one_entry() -> None:
    account = make_account()
    customer = account.customer
    point = make_contact_point(customer)
    conversation = Conversation.objects.create(
        creditor=customer.creditor,
        channel="whatsapp",
        address=point.value,
        customer=customer,
        contact_point=point,
        account=account,
        status=ConversationStatus.OPEN,
        started_at=AT,
        last_turn_at=AT,
    )
    common = {
        "creditor": customer.creditor,
        "customer": customer,
        "contact_point": point,
        "account": account,
        "channel": "whatsapp",
        "address": point.value,
    }
    inbound = Message.objects.create(
        **common, direction=Direction.INBOUND, body="hola", status=MessageStatus.RECEIVED
    )
    Turn.objects.create(
        conversation=conversation, speaker=Speaker.CUSTOMER, text="hola", message=inbound, at=AT
    )
    Turn.objects.create(conversation=conversation, speaker=Speaker.ASSISTANT, text="¡Hola!", at=AT)
    Message.objects.create(
        **common,
        direction=Direction.OUTBOUND,
        body="¡Hola!",
        status=MessageStatus.SENT,
        payload={"purpose": "reply", "reply_to": inbound.pk},
        dedupe_key=f"assistant:{inbound.pk}:0",
    )
    event(account, EventKind.CONVERSATION, data={"conversation": conversation.pk})
    reminder = Message.objects.create(
        **common, direction=Direction.OUTBOUND, body="Recordatorio", status=MessageStatus.SENT
    )
    Message.objects.filter(pk=reminder.pk).update(created_at=timezone.now())

    entries = customer_timeline(customer, limit=50).entries

    assert [entry.source for entry in entries].count("conversation") == 1
    assert [entry.kind for entry in entries if entry.source != "conversation"] == ["outbound"]
    summary = next(entry for entry in entries if entry.source == "conversation")
    assert summary.conversation_id == conversation.pk
