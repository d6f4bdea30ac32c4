import pytest

from tests.conversations.dialogue import Chat, holder

pytestmark = pytest.mark.django_db


def test_payment_methods_need_no_verification():
    customer = holder()
    chat = Chat(customer.creditor)
    chat.say("por qué medios puedo pagar?")
    assert "PSE" in chat.text
    assert "intent:pagar" in chat.option_ids
