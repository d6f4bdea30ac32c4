import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from recaudo.staff.models import Task
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account
from tests.factories import make_payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_reported_payment_that_matches_is_thanked():
    customer = holder()
    account = overdue_account(customer)
    make_payment(
        account,
        amount=Decimal("100000"),
        paid_at=dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC),
        external_reference="REF-777",
    )
    chat = Chat(customer.creditor)
    chat.say("ya pagué")
    chat.verify_web()
    assert "¿En qué fecha pagó?" in chat.text
    chat.say("el 6 de marzo")
    assert "¿Cuánto pagó?" in chat.text
    chat.say("100000")
    chat.press("no_reference")
    assert "Ya tenemos registrado su pago de $100.000" in chat.text
    assert not Task.objects.filter(kind="check_payment").exists()


def test_reported_payment_not_found_goes_to_an_agent():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("ya pagué")
    chat.verify_web()
    chat.say("el 8")
    chat.say("$150.000")
    chat.say("ABC123")
    assert "Un asesor lo revisará y le responderá hoy a partir de las 10:0" in chat.text
    task = Task.objects.get(kind="check_payment", account=account)
    assert "ABC123" in task.reason
