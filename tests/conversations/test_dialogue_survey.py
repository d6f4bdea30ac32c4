import pytest
import time_machine

from recaudo.conversations.models import ConversationStatus
from tests.conversations.dialogue import NOW, Chat, holder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_goodbye_asks_one_question_and_closes():
    customer = holder()
    chat = Chat(customer.creditor)
    chat.say("hola")
    chat.say("listo, chao, gracias")
    assert "de 1 a 5, ¿cómo califica mi ayuda?" in chat.text
    assert chat.option_ids == [f"rating:{value}" for value in range(1, 6)]
    chat.say("4")
    assert "Que tenga un buen día" in chat.text
    conversation = chat.reload()
    assert conversation.satisfaction == 4
    assert conversation.status == ConversationStatus.CLOSED and conversation.closed_at
