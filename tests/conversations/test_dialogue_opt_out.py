import pytest
import time_machine

from recaudo.customers.models import Consent
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account, phone_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_opt_out_on_this_channel_then_everywhere():
    customer = holder()
    overdue_account(customer)
    chat = Chat(
        customer.creditor, channel="whatsapp", address=phone_of(customer), customer=customer
    )
    chat.say("no me escriban más por aquí")
    assert "no le enviaremos más mensajes de cobranza por WhatsApp" in chat.text
    assert Consent.objects.filter(channel="whatsapp", granted=False).exists()
    chat.press("optout:all")
    assert Consent.objects.filter(channel="email", granted=False).exists()
    assert Consent.objects.filter(channel="sms", granted=False).exists()


def test_opt_out_from_the_web_chat_asks_which_channel():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("no quiero que me contacten más")
    chat.verify_web()
    assert "¿Por cuál medio prefiere no recibir mensajes?" in chat.text
    chat.press("optout:sms")
    assert "por SMS" in chat.text
    assert Consent.objects.filter(channel="sms", granted=False).exists()
    assert not Consent.objects.filter(channel="whatsapp", granted=False).exists()
