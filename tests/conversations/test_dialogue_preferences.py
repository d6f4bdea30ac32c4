import datetime as dt

import pytest
import time_machine

from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_change_contact_preferences():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero cambiar mis preferencias de contacto")
    chat.verify_web()
    assert "¿Por cuál medio prefiere que le contactemos?" in chat.text
    chat.press("channel:email")
    chat.press("hours:18-20")
    assert "le contactaremos preferiblemente por" in chat.text
    customer.refresh_from_db()
    assert customer.preferred_channels[:1] == ["email"]
    assert customer.preferred_hours_start == dt.time(18)
