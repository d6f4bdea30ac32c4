import pytest
import time_machine

from recaudo.debts.models import AccountStatus, Hold
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_dispute_asks_what_is_wrong_confirms_and_pauses_collection():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("no reconozco esa deuda")
    chat.verify_web()
    assert "Cuénteme con sus palabras" in chat.text
    chat.say("Nunca saqué ese préstamo")
    assert "«Nunca saqué ese préstamo»" in chat.text
    chat.press("yes")
    assert "el cobro de esta cuenta está en pausa" in chat.text
    account.refresh_from_db()
    assert account.status == AccountStatus.DISPUTE
    assert Hold.objects.filter(kind="dispute").exists()


def test_dispute_not_confirmed_records_nothing():
    customer = holder()
    account = overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("no reconozco la deuda")
    chat.verify_web()
    chat.say("el valor está mal")
    chat.press("no")
    assert "no registré nada" in chat.text
    account.refresh_from_db()
    assert account.status != AccountStatus.DISPUTE
