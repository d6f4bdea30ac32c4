import pytest
from django.urls import reverse

from recaudo.conversations.models import Conversation
from tests.conversations.dialogue import Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


def test_admin_lists_conversations_and_shows_turns_read_only(admin_client):
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    chat.verify_web()
    listing = admin_client.get(reverse("admin:conversations_conversation_changelist"))
    assert listing.status_code == 200
    assert "María Gómez" in listing.content.decode()
    page = admin_client.get(
        reverse("admin:conversations_conversation_change", args=[chat.conversation.pk])
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert "¿en qué año nació?" in content
    assert Conversation.objects.count() == 1


def test_forged_choices_are_harmless():
    customer = holder()
    other = holder(customer.creditor, document_number="999888777", external_id="X9")
    other_account = overdue_account(other)
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("saldo")
    for choice in ("code:abc", "hours:ab-cd", "rating:9", "optout:fax", "plan:nope"):
        chat.say(choice=choice)
    chat.verify_web()
    chat.say(choice=f"account:{other_account.pk}")
    assert "999888777"[-4:] not in chat.text
    assert chat.reload().account != other_account
