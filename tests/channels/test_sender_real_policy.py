"""The sender with the real contact policy (Colombia: default-deny channels, 7:00-19:00)."""

import datetime as dt

import pytest
import time_machine

from recaudo.channels.actions import record_inbound
from recaudo.channels.base import InboundMessage
from recaudo.channels.models import Message, MessageStatus
from recaudo.channels.sender import Sender
from recaudo.customers.models import Consent
from tests.channels.helpers import RecordingProvider, make_message
from tests.factories import make_account, make_contact_point

pytestmark = pytest.mark.django_db

TUESDAY_10_BOGOTA = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
TUESDAY_22_BOGOTA = dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC)


def authorised_message() -> Message:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001112233")
    Consent.objects.create(
        contact_point=point,
        channel="sms",
        granted=True,
        source="import",
        at=TUESDAY_10_BOGOTA - dt.timedelta(days=30),
    )
    return make_message(point, account=account)


def run(at: dt.datetime, provider: RecordingProvider) -> dict[str, int]:
    sender = Sender(worker_id="w", provider_lookup=lambda kind: provider, clock=lambda: at)
    return dict(sender.run_batch(10))


def test_allowed_inside_the_window() -> None:
    message = authorised_message()
    provider = RecordingProvider()
    assert run(TUESDAY_10_BOGOTA, provider)["sent"] == 1
    assert Message.objects.get(id=message.id).status == MessageStatus.SENT


def test_at_night_the_message_waits_for_the_morning_with_the_reason() -> None:
    message = authorised_message()
    provider = RecordingProvider()

    assert run(TUESDAY_22_BOGOTA, provider)["deferred"] == 1

    row = Message.objects.get(id=message.id)
    assert provider.sent == []
    assert row.status == MessageStatus.QUEUED
    assert row.send_after is not None
    assert row.send_after > TUESDAY_22_BOGOTA
    assert row.policy_rule
    assert row.policy_reasons


def test_a_channel_never_authorised_is_blocked_in_colombia() -> None:
    message = make_message()
    provider = RecordingProvider()
    assert run(TUESDAY_10_BOGOTA, provider)["blocked"] == 1
    row = Message.objects.get(id=message.id)
    assert row.status == MessageStatus.BLOCKED
    assert row.policy_source


def test_after_an_opt_out_only_the_confirmation_goes_out() -> None:
    message = authorised_message()
    provider = RecordingProvider()
    run(TUESDAY_10_BOGOTA, provider)
    queued_before = make_message(message.contact_point, account=message.account)
    with time_machine.travel(TUESDAY_10_BOGOTA + dt.timedelta(minutes=1), tick=False):
        record_inbound(
            InboundMessage("in-1", "sms", "+573001112233", "", "BAJA", TUESDAY_10_BOGOTA),
            provider="fake",
        )
    counts = run(TUESDAY_10_BOGOTA + dt.timedelta(minutes=5), provider)

    # The confirmation goes out (a reply, once); the reminder is blocked: opted out of SMS.
    assert counts == {"claimed": 2, "sent": 1, "blocked": 1}
    assert provider.sent[-1].body.startswith("Listo")
    assert Message.objects.get(id=queued_before.id).status == MessageStatus.BLOCKED
