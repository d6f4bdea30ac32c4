import datetime as dt

import pytest

from recaudo.channels.actions import (
    apply_status_update,
    cancel_queued_messages,
    queue_message,
    record_inbound,
)
from recaudo.channels.base import InboundMessage, StatusUpdate
from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.customers.models import Consent, ContactPointStatus
from recaudo.debts.models import AccountEvent, EventKind
from recaudo.staff.models import Task
from recaudo.strategies.actions import install_default_templates
from tests.channels.helpers import NOW, make_message
from tests.factories import make_account, make_contact_point, make_creditor, make_customer

pytestmark = pytest.mark.django_db


def sent(message: Message, status: str = MessageStatus.SENT) -> Message:
    Message.objects.filter(id=message.id).update(
        status=status, provider="fake", provider_message_id=f"fake-{message.id}", sent_at=NOW
    )
    return Message.objects.get(id=message.id)


def update(message: Message, status: str, **fields: object) -> Message | None:
    assert message.provider_message_id
    return apply_status_update(
        StatusUpdate(message.provider_message_id, status, NOW, **fields),  # type: ignore[arg-type]
        provider="fake",
    )


def inbound(address: str, body: str, *, channel: str = "sms", id: str = "in-1") -> InboundMessage:
    return InboundMessage(id, channel, address, "", body, NOW)


# queue_message


def test_the_same_dedupe_key_queues_once() -> None:
    account = make_account()
    point = make_contact_point(account.customer)
    first, created = queue_message(point, channel="sms", body="a", dedupe_key="plan:1")
    again, created_again = queue_message(point, channel="sms", body="a", dedupe_key="plan:1")
    assert created and not created_again
    assert again.id == first.id


# cancel_queued_messages


def test_cancel_queued_messages_cancels_only_queued_and_writes_one_event() -> None:
    account = make_account()
    queued = [make_message(account=account) for _ in range(2)]
    already_sent = sent(make_message(account=account))
    other_account = make_message()

    count = cancel_queued_messages(account, reason="account paid", actor="system")

    assert count == 2
    assert {Message.objects.get(id=m.id).status for m in queued} == {MessageStatus.CANCELLED}
    assert Message.objects.get(id=already_sent.id).status == MessageStatus.SENT
    assert Message.objects.get(id=other_account.id).status == MessageStatus.QUEUED
    [event] = AccountEvent.objects.filter(account=account)
    assert event.kind == EventKind.MESSAGES_CANCELLED
    assert event.data == {"count": 2, "reason": "account paid"}
    assert event.actor == "system"


def test_cancel_with_nothing_queued_writes_no_event() -> None:
    account = make_account()
    assert cancel_queued_messages(account, reason="paid", actor="system") == 0
    assert not AccountEvent.objects.filter(account=account).exists()


# apply_status_update


def test_statuses_move_forward_with_their_times() -> None:
    message = sent(make_message())
    update(message, "delivered")
    row = Message.objects.get(id=message.id)
    assert (row.status, row.delivered_at) == (MessageStatus.DELIVERED, NOW)
    update(message, "read")
    row = Message.objects.get(id=message.id)
    assert (row.status, row.read_at) == (MessageStatus.READ, NOW)


def test_read_before_delivered_sets_both() -> None:
    message = sent(make_message())
    update(message, "read")
    row = Message.objects.get(id=message.id)
    assert row.status == MessageStatus.READ
    assert row.delivered_at == NOW


@pytest.mark.parametrize(
    ("current", "late", "expected"),
    [
        (MessageStatus.READ, "sent", MessageStatus.READ),
        (MessageStatus.READ, "delivered", MessageStatus.READ),
        (MessageStatus.DELIVERED, "sent", MessageStatus.DELIVERED),
        (MessageStatus.DELIVERED, "failed", MessageStatus.DELIVERED),
        (MessageStatus.FAILED, "delivered", MessageStatus.FAILED),
        (MessageStatus.SENT, "failed", MessageStatus.FAILED),
        (MessageStatus.SENDING, "sent", MessageStatus.SENT),
    ],
)
def test_statuses_never_move_backwards(current: str, late: str, expected: str) -> None:
    message = sent(make_message(), current)
    update(message, late)
    assert Message.objects.get(id=message.id).status == expected


def test_a_permanent_failure_marks_the_contact_point_invalid() -> None:
    message = sent(make_message())
    update(message, "failed", error="30003 unreachable", permanent=True)
    row = Message.objects.get(id=message.id)
    assert row.status == MessageStatus.FAILED
    assert row.error == "30003 unreachable"
    assert row.contact_point is not None
    assert row.contact_point.status == ContactPointStatus.INVALID


def test_a_temporary_failure_keeps_the_contact_point() -> None:
    message = sent(make_message())
    update(message, "failed", error="carrier busy")
    row = Message.objects.get(id=message.id)
    assert row.contact_point is not None
    assert row.contact_point.status == ContactPointStatus.ACTIVE


def test_an_unknown_provider_id_changes_nothing() -> None:
    assert apply_status_update(StatusUpdate("nope", "read", NOW), provider="fake") is None


# record_inbound


def test_an_inbound_message_is_recorded_for_the_customer_of_that_address() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    outbound = sent(make_message(point, account=account))

    message = record_inbound(inbound("+57 300 111 2233", "Pago el viernes"), provider="fake")

    assert message is not None
    assert message.direction == Direction.INBOUND
    assert message.status == MessageStatus.RECEIVED
    assert message.customer == account.customer
    assert message.account_id == outbound.account_id
    assert message.contact_point == point
    assert message.address == "+573001112233"
    assert message.body == "Pago el viernes"


def test_a_shared_number_goes_to_the_customer_last_written_to() -> None:
    first = make_customer(make_creditor())
    second = make_customer(make_creditor())
    first_point = make_contact_point(first, value="+573001112233")
    second_point = make_contact_point(second, value="+573001112233")
    sent(make_message(second_point))
    sent(make_message(first_point))  # the most recent

    message = record_inbound(inbound("whatsapp:+573001112233", "hola"), provider="fake")

    assert message is not None
    assert message.customer == first
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


def test_an_unknown_address_is_not_recorded() -> None:
    assert record_inbound(inbound("+573009999999", "hola"), provider="fake") is None
    assert not Message.objects.exists()


def test_the_same_inbound_id_is_recorded_once() -> None:
    account = make_account()
    make_contact_point(account.customer, value="+573001112233")
    first = record_inbound(inbound("+573001112233", "hola"), provider="fake")
    again = record_inbound(inbound("+573001112233", "hola"), provider="fake")
    assert first is not None and again is not None
    assert first.id == again.id


# Opt-out


def test_an_opt_out_reply_withdraws_consent_and_confirms_once() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    sent(make_message(point, account=account))
    make_message(point, account=account, channel="whatsapp")

    record_inbound(inbound("+573001112233", "BAJA", id="in-1"), provider="fake")
    record_inbound(inbound("+573001112233", "STOP", id="in-2"), provider="fake")

    [consent] = Consent.objects.filter(contact_point=point)
    assert (consent.channel, consent.granted, consent.source) == ("sms", False, "reply")
    [confirmation] = Message.objects.filter(payload__purpose="transactional")
    assert confirmation.channel == "sms"
    assert confirmation.status == MessageStatus.QUEUED
    assert confirmation.body.startswith("Listo, no le escribiremos más por este medio")
    assert confirmation.initiated_by_customer


def test_an_ordinary_reply_does_not_opt_out() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    record_inbound(inbound("+573001112233", "no puedo pagar hasta el viernes"), provider="fake")
    assert not Consent.objects.filter(contact_point=point).exists()


def test_opting_out_again_after_consenting_again_confirms_again() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    record_inbound(inbound("+573001112233", "BAJA", id="in-1"), provider="fake")
    Consent.objects.create(
        contact_point=point,
        channel="sms",
        granted=True,
        source="web form",
        at=dt.datetime.now(dt.UTC),
    )
    record_inbound(inbound("+573001112233", "BAJA", id="in-2"), provider="fake")
    assert Message.objects.filter(payload__purpose="transactional").count() == 2


def test_a_call_that_never_connected_is_recorded_as_not_connected() -> None:
    message = sent(make_message(channel="voice"))

    update(message, "failed", error="not_connected: busy", connected=False)

    row = Message.objects.get(id=message.id)
    assert (row.status, row.connected) == (MessageStatus.FAILED, False)


# What a caller chooses after an outbound call


def voice_choice(choice: str, call: Message, id: str = "CA-gather-1") -> InboundMessage:
    payload = {"digits": "1", "choice": choice, "message_id": call.id}
    return InboundMessage(id, "voice", call.address, "", "", NOW, payload)


def test_a_caller_who_asks_for_a_payment_link_gets_it_by_sms_once() -> None:
    account = make_account()
    install_default_templates(account.creditor)
    point = make_contact_point(account.customer, value="+573001112233")
    call = sent(make_message(point, account=account, channel="voice"))

    record_inbound(voice_choice("payment_link", call), provider="twilio_voice")
    record_inbound(voice_choice("payment_link", call), provider="twilio_voice")

    [link] = Message.objects.filter(direction=Direction.OUTBOUND, channel="sms")
    assert (link.account, link.contact_point, link.status) == (account, point, "queued")
    assert link.template is not None and link.template.code == "payment-link"
    assert link.initiated_by_customer and link.payload["purpose"] == "reply"
    assert not Task.objects.exists()


def test_a_caller_who_asks_for_an_adviser_is_handed_to_the_agents_queue() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    call = sent(make_message(point, account=account, channel="voice"))

    record_inbound(voice_choice("adviser", call), provider="twilio_voice")

    [task] = Task.objects.all()
    assert (task.kind, task.customer, task.account) == ("handoff", account.customer, account)
    assert "asesor" in task.reason
    assert not Message.objects.filter(direction=Direction.OUTBOUND, channel="sms").exists()


def test_an_opt_out_covers_every_contact_point_with_that_address() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    guarantor_of_another = make_contact_point(
        make_customer(account.creditor), value="+573001112233", role="guarantor"
    )
    sent(make_message(point, account=account))

    record_inbound(inbound("+573001112233", "BAJA"), provider="fake")

    for each in (point, guarantor_of_another):
        assert each.consents.get().granted is False


def test_asking_for_no_calls_by_sms_stops_calls_only() -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    sent(make_message(point, account=account))

    record_inbound(
        inbound("+573001112233", "No me llamen, mejor escríbanme por aquí"), provider="fake"
    )

    [withdrawal] = point.consents.all()
    assert (withdrawal.channel, withdrawal.granted) == ("voice", False)
    confirmation = Message.objects.get(dedupe_key__startswith="opt-out-confirmation")
    assert confirmation.channel == "sms" and "volveremos a llamar" in confirmation.body
