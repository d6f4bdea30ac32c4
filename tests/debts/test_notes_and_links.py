"""The console's own actions on an account (notes, payment links) and the customer timeline."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.conversations.models import Conversation, Turn
from recaudo.customers.models import Consent
from recaudo.debts.actions import (
    ContactRefused,
    add_note,
    place_hold,
    send_payment_link,
)
from recaudo.debts.models import AccountEvent, EventKind, HoldKind
from recaudo.debts.queries import customer_timeline
from recaudo.staff.actions import open_task
from recaudo.strategies.actions import install_default_templates
from tests.factories import make_account, make_contact_point, make_customer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # Tuesday, 10:00 in Bogotá


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def overdue_account(**fields: object) -> object:
    customer = make_customer()
    return make_account(
        customer,
        overdue_amount=Decimal("200000"),
        days_past_due=20,
        stage="administrative",
        **fields,
    )


def consenting_phone(customer: object) -> object:
    """A phone whose owner authorised SMS and WhatsApp (Colombia allows only authorised
    channels)."""
    point = make_contact_point(customer)
    for channel in ("sms", "whatsapp"):
        Consent.objects.create(
            contact_point=point, channel=channel, granted=True, source="import", at=NOW
        )
    return point


# --- notes ------------------------------------------------------------------------------------


def test_a_note_is_an_event_on_the_timeline_with_its_author() -> None:
    account = overdue_account()

    event = add_note(account, text="  Dice que paga el viernes  ", actor="agent", actor_name="ana")

    assert event.kind == EventKind.NOTE
    assert (event.actor, event.actor_name) == ("agent", "ana")
    assert event.data == {"text": "Dice que paga el viernes"}


def test_the_same_note_twice_in_a_row_is_written_once(_frozen: object) -> None:
    account = overdue_account()

    first = add_note(account, text="Llamar mañana", actor="agent", actor_name="ana")
    again = add_note(account, text="Llamar mañana", actor="agent", actor_name="ana")
    other = add_note(account, text="Llamar mañana", actor="agent", actor_name="luis")

    assert again.pk == first.pk and other.pk != first.pk
    assert AccountEvent.objects.filter(kind=EventKind.NOTE).count() == 2


def test_the_same_note_later_is_a_new_note(_frozen: object) -> None:
    account = overdue_account()
    first = add_note(account, text="Sin respuesta", actor="agent", actor_name="ana")

    _frozen.shift(dt.timedelta(minutes=10))  # type: ignore[attr-defined]
    later = add_note(account, text="Sin respuesta", actor="agent", actor_name="ana")

    assert later.pk != first.pk


def test_an_empty_note_is_refused() -> None:
    with pytest.raises(ValueError):
        add_note(overdue_account(), text="   ", actor="agent", actor_name="ana")


# --- payment links ----------------------------------------------------------------------------


def test_a_payment_link_is_queued_with_the_template_on_a_reachable_contact_point() -> None:
    account = overdue_account()
    install_default_templates(account.creditor)
    point = consenting_phone(account.customer)

    message, new = send_payment_link(account, channel="sms", actor_name="ana")

    assert new
    assert message.status == MessageStatus.QUEUED
    assert message.contact_point == point and message.channel == "sms"
    assert message.template.code == "payment-link"
    assert message.payload["purpose"] == "dunning"
    assert message.dedupe_key == f"payment-link:{account.pk}:2026-12-01:sms"
    event = AccountEvent.objects.get(account=account, kind=EventKind.PAYMENT_LINK_SENT)
    assert (event.actor, event.actor_name, event.to_value) == ("agent", "ana", "sms")
    assert event.data["message_id"] == message.pk


def test_a_second_link_the_same_day_and_channel_queues_nothing() -> None:
    account = overdue_account()
    install_default_templates(account.creditor)
    consenting_phone(account.customer)

    first, _new = send_payment_link(account, channel="sms", actor_name="ana")
    again, new = send_payment_link(account, channel="sms", actor_name="ana")

    assert again.pk == first.pk and not new
    assert Message.objects.count() == 1
    assert AccountEvent.objects.filter(kind=EventKind.PAYMENT_LINK_SENT).count() == 1


def test_a_link_without_an_approved_template_is_refused() -> None:
    account = overdue_account()
    make_contact_point(account.customer)

    with pytest.raises(ContactRefused) as refused:
        send_payment_link(account, channel="sms", actor_name="ana")

    assert refused.value.code == "no_template"
    assert not Message.objects.exists()


def test_a_link_without_a_contact_point_for_the_channel_is_refused() -> None:
    account = overdue_account()
    install_default_templates(account.creditor)
    make_contact_point(account.customer)  # a phone: no e-mail

    with pytest.raises(ContactRefused) as refused:
        send_payment_link(account, channel="email", actor_name="ana")

    assert refused.value.code == "no_contact_point"


def test_the_contact_policy_refuses_a_link_to_a_customer_on_hold() -> None:
    account = overdue_account()
    install_default_templates(account.creditor)
    consenting_phone(account.customer)
    place_hold(account.customer, kind=HoldKind.ATTORNEY, actor="agent")

    with pytest.raises(ContactRefused) as refused:
        send_payment_link(account, channel="sms", actor_name="ana")

    assert refused.value.code == "policy" and refused.value.reasons
    assert not Message.objects.exists()
    assert not AccountEvent.objects.filter(kind=EventKind.PAYMENT_LINK_SENT).exists()


def test_a_paid_account_gets_no_link() -> None:
    account = overdue_account(status="paid", balance=Decimal("0"))
    install_default_templates(account.creditor)
    consenting_phone(account.customer)

    with pytest.raises(ContactRefused) as refused:
        send_payment_link(account, channel="sms", actor_name="ana")

    assert refused.value.code == "status"


# --- the customer timeline --------------------------------------------------------------------


def conversation_with_turns(customer: object, at: dt.datetime) -> Conversation:
    conversation = Conversation.objects.create(
        creditor=customer.creditor,  # type: ignore[attr-defined]
        channel="whatsapp",
        address="+573001112233",
        customer=customer,
        started_at=at,
        last_turn_at=at,
    )
    carried = Message.objects.create(
        creditor=customer.creditor,  # type: ignore[attr-defined]
        customer=customer,
        direction=Direction.INBOUND,
        channel="whatsapp",
        address="+573001112233",
        body="quiero pagar",
        status=MessageStatus.RECEIVED,
    )
    Turn.objects.create(
        conversation=conversation, speaker="customer", text="quiero pagar", message=carried, at=at
    )
    Turn.objects.create(conversation=conversation, speaker="assistant", text="Claro", at=at)
    return conversation


def test_the_timeline_mixes_events_messages_conversations_and_tasks_newest_first() -> None:
    account = overdue_account()
    customer = account.customer
    install_default_templates(account.creditor)
    consenting_phone(customer)
    add_note(account, text="primera nota", actor="agent", actor_name="ana")
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        send_payment_link(account, channel="sms", actor_name="ana")
    conversation = conversation_with_turns(customer, NOW + dt.timedelta(minutes=2))
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        open_task(customer, kind="call", reason="Llamar", account=account)

    timeline = customer_timeline(customer, limit=20)

    sources = [entry.source for entry in timeline.entries]
    assert sources == ["task", "conversation", "event", "message", "event"]
    assert timeline.next_cursor is None
    summary = timeline.entries[1]
    assert summary.conversation_id == conversation.pk
    assert "2" in summary.text and "quiero pagar" in summary.text
    # The message that carried a turn is in the conversation, not on its own.
    assert all(entry.text != "quiero pagar" for entry in timeline.entries)
    assert timeline.entries[-1].text == "primera nota"
    assert timeline.entries[-1].actor_name == "ana"


def test_the_timeline_pages_with_a_cursor_without_losing_entries_at_the_same_instant() -> None:
    account = overdue_account()
    for number in range(7):  # all at the same instant
        add_note(account, text=f"nota {number}", actor="agent", actor_name="ana")
    other = make_account(account.customer)
    add_note(other, text="otra cuenta", actor="agent", actor_name="ana")

    seen: list[str] = []
    before = None
    while True:
        page = customer_timeline(account.customer, limit=3, before=before)
        seen += [entry.text for entry in page.entries]
        if page.next_cursor is None:
            break
        before = page.next_cursor

    assert len(seen) == 8 and len(set(seen)) == 8


def test_the_timeline_reads_in_four_queries_whatever_the_number_of_accounts() -> None:
    account = overdue_account()
    customer = account.customer
    for _index in range(5):
        extra = make_account(customer)
        add_note(extra, text="x", actor="agent", actor_name=f"agent{_index}")
        open_task(customer, kind="call", reason="r", account=extra)
    conversation_with_turns(customer, NOW)

    with CaptureQueriesContext(connection) as queries:
        customer_timeline(customer, limit=10)

    assert len(queries) == 4


def test_a_bad_cursor_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        customer_timeline(overdue_account().customer, limit=5, before="nonsense")
