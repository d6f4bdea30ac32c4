"""The demo portfolio from the refresh to a delivered message, an opt-out and a payment.

Runs the real commands (``demo`` refreshes and plans, ``worker`` sends through the fake
provider) and the fake provider's simulated callbacks, which go through ``/hooks/fake/``'s
processing like a real provider's.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from pytest_django.fixtures import Settings

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.channels.providers.fake import simulate_reply, simulate_status
from recaudo.customers.models import Consent
from recaudo.debts.actions import record_payment
from recaudo.debts.models import Account, EventKind

BOGOTA = ZoneInfo("America/Bogota")
# A Wednesday with no holiday in Colombia or Mexico.
PLANNED_AT = dt.datetime(2026, 12, 2, 5, 30, tzinfo=BOGOTA)
SENT_AT = dt.datetime(2026, 12, 2, 15, 0, tzinfo=BOGOTA)

pytestmark = pytest.mark.django_db


def sent_messages() -> list[Message]:
    return list(
        Message.objects.filter(direction=Direction.OUTBOUND, status=MessageStatus.SENT)
        .exclude(channel="voice")
        .select_related("contact_point", "account")
        .order_by("id")
    )


def test_demo_portfolio_from_refresh_to_delivery_opt_out_and_payment(
    settings: Settings, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    with time_machine.travel(PLANNED_AT, tick=False):
        call_command("demo", "--no-serve", "--accounts", "600", stdout=StringIO())
    queued = Message.objects.filter(status=MessageStatus.QUEUED)
    assert queued.count() > 20
    assert not queued.filter(send_after__lt=PLANNED_AT).exists()
    assert Message.objects.filter(status=MessageStatus.BLOCKED).exclude(policy_rule="").exists()

    with time_machine.travel(SENT_AT, tick=False):
        call_command("worker", "--once", stdout=StringIO())
        sent = sent_messages()
        assert len(sent) > 20
        assert all(message.provider == "fake" and message.body for message in sent)
        first, second = sent[0], sent[1]

        simulate_status(first, "delivered")
        simulate_status(first, "read")
        first.refresh_from_db()
        assert (first.status, first.read_at is not None) == (MessageStatus.READ, True)

        simulate_reply(second, "BAJA por favor")
        simulate_reply(second, "BAJA")

    assert second.contact_point is not None
    newest = second.contact_point.consents.filter(channel=second.channel).order_by("-at").first()
    assert newest is not None and newest.granted is False
    assert Consent.objects.filter(granted=False, source="reply").count() == 1
    confirmations = Message.objects.filter(
        direction=Direction.OUTBOUND, customer=second.customer, dedupe_key__startswith="opt-out"
    )
    assert confirmations.count() == 1

    still_queued = Message.objects.filter(status=MessageStatus.QUEUED, account__isnull=False)
    account = Account.objects.get(pk=still_queued.values_list("account", flat=True)[0])
    # The next day: a payment on the balance's own date is already in that balance.
    paid_at = SENT_AT + dt.timedelta(days=1)
    with time_machine.travel(paid_at, tick=False):
        record_payment(
            account, amount=account.balance, paid_at=paid_at, reference="E2E-PAID", actor="api"
        )
    account.refresh_from_db()
    assert account.balance == Decimal(0)
    # No reminder is left queued; a transactional message (the opt-out confirmation the
    # customer is owed) still goes.
    left = Message.objects.filter(account=account, status=MessageStatus.QUEUED)
    assert not left.exclude(payload__purpose="transactional").exists()
    assert left.exists() or account.events.filter(kind=EventKind.MESSAGES_CANCELLED).exists()
