import pytest
import time_machine

from tests.conversations.dialogue import DOCUMENT, NOW, Chat, holder, overdue_account, phone_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_balance_due_dates_and_overdue_amount():
    customer = holder()
    account = overdue_account(customer, external_id="CR-0012345")
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    chat.say("buenas, cuánto debo?")
    chat.say("8912")
    chat.say("1985")
    assert "Cuenta préstamo personal terminada en 2345:" in chat.text
    assert "• Saldo total: $400.000" in chat.text
    assert "• Valor vencido: $200.000 (desde el 30 de enero de 2026)" in chat.text
    assert "30 de marzo de 2026: $100.000" in chat.text
    assert "30 de abril de 2026: $100.000" in chat.text
    assert {"intent:pagar", "intent:prometer_pago", "intent:plan_de_pagos"} <= set(chat.option_ids)
    assert chat.reload().account == account


def test_several_accounts_ask_which_one():
    customer = holder()
    overdue_account(customer, external_id="TC-1111", product_type="credit_card")
    second = overdue_account(customer, external_id="PL-2222", balance=300000)
    chat = Chat(customer.creditor)
    chat.say("quiero consultar mi saldo")
    chat.say(DOCUMENT)
    chat.say("1985")
    assert "¿Sobre cuál cuenta es?" in chat.text
    assert f"account:{second.pk}" in chat.option_ids
    chat.press(f"account:{second.pk}")
    assert "terminada en 2222" in chat.text and "$300.000" in chat.text
    chat.press("switch_account")
    assert "¿Sobre cuál cuenta es?" in chat.text
    chat.say("la que termina en 1111")
    assert "Tarjeta de crédito terminada en 1111" in chat.text or "terminada en 1111" in chat.text
