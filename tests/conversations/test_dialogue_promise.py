import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from recaudo.debts.models import Promise
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_promise_date_then_suggested_amount_then_confirmation():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("puedo pagar el 20")
    chat.verify_web()
    assert "¿Cuánto pagará ese día? Le sugiero $200.000 (mínimo $100.000)." in chat.text
    chat.press("amount:suggested")
    assert "Le confirmo: pagará $200.000 el 20 de marzo de 2026. ¿Es correcto?" in chat.text
    chat.press("yes")
    assert "quedó registrado su compromiso de pagar $200.000 el 20 de marzo de 2026" in chat.text
    promise = Promise.objects.get(account=account)
    assert promise.amount == Decimal("200000") and promise.promised_date == dt.date(2026, 3, 20)
    assert promise.actor == "customer"


def test_promise_too_low_is_explained_and_asked_again():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say()
    chat.press("intent:prometer_pago")
    chat.verify_web()
    assert "¿Qué día puede pagar? Puede ser hasta el 25 de marzo de 2026." in chat.text
    chat.say("el 15")
    chat.say("50000")
    chat.press("yes")
    assert not Promise.objects.filter(account=account).exists()
    assert "¿Cuánto pagará ese día?" in chat.text
    chat.say("120000")
    chat.say("sí")
    assert Promise.objects.get(account=account).amount == Decimal("120000")
