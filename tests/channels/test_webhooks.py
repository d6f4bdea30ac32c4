import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from recaudo.channels.models import Message, MessageStatus, WebhookEvent
from recaudo.channels.providers import fake
from recaudo.channels.sender import Sender
from recaudo.customers.models import Consent, ContactPointStatus
from tests.channels.helpers import allow, make_message
from tests.factories import make_account, make_contact_point

pytestmark = pytest.mark.django_db


def sent_by_fake(message: Message) -> Message:
    Message.objects.filter(id=message.id).update(
        status=MessageStatus.SENT, provider="fake", provider_message_id=f"fake-{message.id}"
    )
    return Message.objects.get(id=message.id)


def post(client: Client, events: list[dict[str, object]], *, signature: str | None = None):  # type: ignore[no-untyped-def]
    body = json.dumps({"events": events}).encode()
    return client.post(
        "/hooks/fake/",
        body,
        content_type="application/json",
        headers={"X-Fake-Signature": signature if signature is not None else fake.sign(body)},
    )


def status_event(message: Message, status: str) -> dict[str, object]:
    return {"type": "status", "message_id": message.provider_message_id, "status": status}


def test_the_hook_url() -> None:
    assert reverse("channels_webhook", kwargs={"kind": "fake"}) == "/hooks/fake/"


def test_a_valid_webhook_applies_the_status_and_answers_200(client: Client) -> None:
    message = sent_by_fake(make_message())
    response = post(client, [status_event(message, "delivered")])
    assert response.status_code == 200
    assert Message.objects.get(id=message.id).status == MessageStatus.DELIVERED


def test_an_invalid_signature_is_refused(client: Client) -> None:
    message = sent_by_fake(make_message())
    response = post(client, [status_event(message, "delivered")], signature="0" * 64)
    assert response.status_code == 403
    assert Message.objects.get(id=message.id).status == MessageStatus.SENT
    assert not WebhookEvent.objects.exists()


def test_an_unknown_provider_is_404(client: Client) -> None:
    assert client.post("/hooks/nobody/", b"{}", content_type="application/json").status_code == 404


def test_other_methods_are_not_allowed(client: Client) -> None:
    assert client.put("/hooks/fake/", b"{}").status_code == 405


def test_a_repeated_webhook_answers_200_and_does_nothing(client: Client) -> None:
    account = make_account()
    make_contact_point(account.customer, value="+573001112233")
    event: dict[str, object] = {
        "type": "inbound",
        "id": "in-1",
        "channel": "sms",
        "from": "+573001112233",
        "body": "BAJA",
    }

    assert post(client, [event]).status_code == 200
    assert post(client, [event]).status_code == 200

    assert Message.objects.filter(direction="inbound").count() == 1
    assert Message.objects.filter(payload__purpose="transactional").count() == 1
    assert WebhookEvent.objects.filter(provider="fake", event_id="inbound:in-1").count() == 1


def test_a_repeated_status_is_deduplicated_but_a_new_status_applies(client: Client) -> None:
    message = sent_by_fake(make_message())
    post(client, [status_event(message, "delivered")])
    post(client, [status_event(message, "delivered")])
    post(client, [status_event(message, "read")])
    assert Message.objects.get(id=message.id).status == MessageStatus.READ
    assert WebhookEvent.objects.count() == 2


# The fake provider's simulations go through the same processing


def test_simulate_delivered_read_and_failure() -> None:
    message = sent_by_fake(make_message())
    assert fake.simulate_status(message, "delivered").status == 200
    assert Message.objects.get(id=message.id).status == MessageStatus.DELIVERED
    fake.simulate_status(message, "read")
    assert Message.objects.get(id=message.id).status == MessageStatus.READ

    other = sent_by_fake(make_message())
    fake.simulate_failure(other)
    row = Message.objects.get(id=other.id)
    assert row.status == MessageStatus.FAILED
    assert row.contact_point is not None
    assert row.contact_point.status == ContactPointStatus.INVALID


def test_simulate_reply_records_an_inbound_message_and_opts_out() -> None:
    message = sent_by_fake(make_message())
    fake.simulate_reply(message, "No me escriban más")
    reply = Message.objects.get(direction="inbound")
    assert reply.body == "No me escriban más"
    assert reply.customer_id == message.customer_id
    assert reply.account_id == message.account_id
    assert Consent.objects.filter(contact_point=message.contact_point, granted=False).exists()


def test_simulating_a_message_not_sent_by_the_fake_provider_is_refused() -> None:
    with pytest.raises(ValueError, match="fake provider"):
        fake.simulate_status(make_message(), "delivered")


def test_the_admin_actions_simulate(client: Client) -> None:
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "x")
    client.force_login(admin)
    message = sent_by_fake(make_message())
    queued = make_message()
    url = reverse("admin:channels_message_changelist")

    response = client.post(
        url,
        {"action": "simulate_delivered", "_selected_action": [message.id, queued.id]},
        follow=True,
    )

    assert response.status_code == 200
    assert Message.objects.get(id=message.id).status == MessageStatus.DELIVERED
    assert Message.objects.get(id=queued.id).status == MessageStatus.QUEUED
    client.post(url, {"action": "simulate_reply", "_selected_action": [message.id]})
    assert Message.objects.filter(direction="inbound").count() == 1


def test_the_admin_list_and_detail_render(client: Client) -> None:
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "x")
    client.force_login(admin)
    message = make_message()
    url = reverse("admin:channels_message_changelist")
    assert client.get(url, {"q": message.address}).status_code == 200
    assert client.get(url, {"status__exact": "queued"}).status_code == 200
    detail = reverse("admin:channels_message_change", args=[message.id])
    assert client.get(detail).status_code == 200


def test_a_status_that_overtakes_the_workers_record_waits_and_is_applied_after(
    client: Client,
) -> None:
    message = make_message()
    event: dict[str, object] = {
        "type": "status",
        "message_id": f"fake-{message.id}",
        "status": "delivered",
        "at": "2026-03-10T15:00:00+00:00",
    }
    assert post(client, [event]).status_code == 200
    assert WebhookEvent.objects.get().applied is False

    Sender(worker_id="w1", policy_check=allow, check_content=lambda m, r: []).run_batch(10)

    row = Message.objects.get(id=message.id)
    assert row.status == MessageStatus.DELIVERED
    assert row.delivered_at == dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)
    assert WebhookEvent.objects.get().applied is True
