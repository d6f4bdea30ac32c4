import pytest
import time_machine

from recaudo.channels.models import Message
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_statement_goes_to_the_email_on_file():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("me envían el estado de cuenta?")
    chat.verify_web()
    assert "Le envié su estado de cuenta a m***@correo.com" in chat.text
    assert Message.objects.filter(customer=customer, channel="email").exists()


def test_no_email_on_file_offers_an_adviser():
    customer = holder()
    customer.contact_points.filter(medium="email").delete()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("necesito mi estado de cuenta")
    chat.verify_web()
    assert "No tenemos un correo electrónico registrado" in chat.text
    assert "intent:hablar_con_asesor" in chat.option_ids
