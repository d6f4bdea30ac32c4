from decimal import Decimal

import pytest
import time_machine

from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _verified_chat():  # type: ignore[no-untyped-def]
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero pagar")
    chat.verify_web()
    return chat, account


def test_pay_offers_overdue_total_or_another_amount():
    from recaudo.payments.models import Checkout

    chat, account = _verified_chat()
    assert "Tiene $200.000 vencidos y el saldo total es $400.000" in chat.text
    assert chat.option_ids[:3] == ["pay:overdue", "pay:total", "pay:other"]
    overdue_link = chat.option("pay:overdue").url
    assert overdue_link and chat.option("pay:total").url
    assert {checkout.amount for checkout in Checkout.objects.filter(account=account)} == {
        Decimal("200000"),
        Decimal("400000"),
    }
    chat.press("pay:other")
    chat.say("150000")
    assert "Este es su enlace seguro para pagar $150.000." in chat.text
    assert Checkout.objects.filter(account=account, amount=Decimal("150000")).exists()


def test_pay_only_half_gives_a_link_for_half_and_offers_a_plan():
    from recaudo.payments.models import Checkout

    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero pagar pero solo la mitad")
    chat.verify_web()
    assert "Este es su enlace seguro para pagar $100.000." in chat.text
    assert "plan de pagos" in chat.text
    assert "intent:plan_de_pagos" in chat.option_ids
    assert chat.option("pay:link").url
    assert Checkout.objects.get(account=account).amount == Decimal("100000")


def test_numbered_choice_of_a_link_gives_the_link_in_the_text():
    chat, _account = _verified_chat()
    url = chat.option("pay:overdue").url
    chat.say("1")
    assert url in chat.text
