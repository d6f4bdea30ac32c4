import pytest
import time_machine

from recaudo.debts.models import AccountEvent, EventKind
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_cannot_pay_asks_the_reason_records_it_and_offers_a_way():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("no puedo pagar este mes")
    chat.verify_web()
    assert "¿Me cuenta por qué no puede pagar" in chat.text
    chat.press("reason:illness")
    assert "Busquemos juntos una solución" in chat.text
    assert {"intent:plan_de_pagos", "intent:hablar_con_asesor"} <= set(chat.option_ids)
    event = AccountEvent.objects.get(account=account, kind=EventKind.CANNOT_PAY)
    assert "illness" in str(event.data) or event.to_value == "illness"


def test_reason_given_at_once_is_not_asked_again():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("no puedo pagar, me quedé sin empleo")
    chat.verify_web()
    assert "¿Me cuenta por qué" not in chat.text
    assert AccountEvent.objects.filter(account=account, kind=EventKind.CANNOT_PAY).exists()
