"""Twilio's callbacks through the real ``/hooks/<kind>/`` view: the URL Twilio signs is the
public one (RECAUDO_PUBLIC_URL), whatever address the request reached us at."""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from recaudo.channels.models import Message
from recaudo.staff.models import Task
from tests.channels.providers.twilio.loopback import AUTH_TOKEN, CALL_SID, PUBLIC_URL, recorded
from tests.factories import make_account, make_contact_point

pytestmark = pytest.mark.django_db


def post(client: Client, kind: str, name: str, *, query: str = "", token: str = AUTH_TOKEN):  # type: ignore[no-untyped-def]
    body = recorded(name)
    path = f"/hooks/{kind}/" + (f"?{query}" if query else "")
    signature = RequestValidator(token).compute_signature(
        PUBLIC_URL + path, dict(parse_qsl(body.decode(), keep_blank_values=True))
    )
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_inbound_sms_is_answered_with_empty_twiml(client: Client, twilio_settings: object) -> None:
    response = post(client, "twilio", "inbound_sms.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert ET.fromstring(response.content).tag == "Response"


def test_status_callback_is_accepted(client: Client, twilio_settings: object) -> None:
    assert post(client, "twilio", "message_status_delivered.txt").status_code == 200


def test_forged_callback_is_refused(client: Client, twilio_settings: object) -> None:
    response = post(client, "twilio", "inbound_sms.txt", token="not-our-token")

    assert response.status_code == 403


def test_voice_gather_is_answered_with_spoken_twiml(
    client: Client, twilio_settings: object
) -> None:
    response = post(client, "twilio_voice", "voice_gather_digits.txt", query="message=77")

    assert response.status_code == 200
    assert [element.tag for element in ET.fromstring(response.content)] == ["Say", "Hangup"]


def test_a_callers_choice_after_our_call_reaches_the_agents_queue(
    client: Client, twilio_settings: object
) -> None:
    account = make_account()
    point = make_contact_point(account.customer, value="+573001234567")
    Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        contact_point=point,
        direction="outbound",
        channel="voice",
        address=point.value,
        status="sent",
        provider="twilio_voice",
        provider_message_id=CALL_SID,
    )
    body = recorded("voice_gather_digits.txt").replace(b"Digits=1", b"Digits=2")
    path = "/hooks/twilio_voice/"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL + path, dict(parse_qsl(body.decode(), keep_blank_values=True))
    )

    response = client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )

    assert response.status_code == 200
    [task] = Task.objects.all()
    assert (task.kind, task.account) == ("handoff", account)
