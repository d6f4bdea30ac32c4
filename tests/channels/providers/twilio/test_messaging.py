"""Twilio SMS and WhatsApp: the exact requests, error mapping, and the webhooks Twilio sends."""

import base64
import datetime as dt
import json
from dataclasses import replace

import pytest
from twilio.request_validator import RequestValidator

from recaudo.channels.base import OutboundMessage, ProviderError
from recaudo.channels.providers.twilio import TwilioMessagingProvider
from recaudo.channels.providers.twilio.http_client import rebase_url
from tests.channels.providers.twilio.loopback import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGE_SID,
    PUBLIC_URL,
    TwilioServer,
    recorded,
    webhook,
)

MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def sms(**fields: object) -> OutboundMessage:
    values: dict[str, object] = {
        "id": 42,
        "channel": "sms",
        "to": "+573001234567",
        "body": "Hola María, su cuota de $ 120.000 vence mañana.",
    }
    values.update(fields)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def test_sms_request_is_exactly_what_twilio_expects(twilio_api: TwilioServer) -> None:
    result = TwilioMessagingProvider().send(sms())

    assert result.provider_message_id == MESSAGE_SID
    assert result.status == "sent"
    [request] = twilio_api.requests
    assert request.method == "POST"
    assert request.path == MESSAGES_PATH
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    assert request.form() == {
        "To": ["+573001234567"],
        "From": ["+15005550006"],
        "Body": ["Hola María, su cuota de $ 120.000 vence mañana."],
        "StatusCallback": [f"{PUBLIC_URL}/hooks/twilio/"],
    }


def test_messaging_service_replaces_the_sender_number(twilio_api: TwilioServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {**settings.TWILIO, "sms_from": "", "messaging_service_sid": "MG" + "c3" * 16}

    TwilioMessagingProvider().send(sms())

    form = twilio_api.requests[0].form()
    assert "From" not in form
    assert form["MessagingServiceSid"] == ["MG" + "c3" * 16]


def test_whatsapp_free_text_inside_the_window(twilio_api: TwilioServer) -> None:
    TwilioMessagingProvider().send(
        sms(channel="whatsapp", last_inbound_at=dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC))
    )

    form = twilio_api.requests[0].form()
    assert form["To"] == ["whatsapp:+573001234567"]
    assert form["From"] == ["whatsapp:+14155238886"]
    assert form["Body"] == ["Hola María, su cuota de $ 120.000 vence mañana."]


def test_buttons_and_list_rows_are_numbered_in_the_body(twilio_api: TwilioServer) -> None:
    buttons = [{"id": "pay", "title": "Pagar"}, {"id": "adviser", "title": "Hablar con asesor"}]
    TwilioMessagingProvider().send(
        sms(channel="whatsapp", body="¿Qué desea hacer?", payload={"buttons": buttons})
    )
    rows = [{"id": f"account:{n}", "title": f"Cuenta {n}"} for n in (1, 2)]
    TwilioMessagingProvider().send(
        sms(body="¿Cuál?", payload={"list": {"button": "Ver", "rows": rows}})
    )

    first, second = twilio_api.requests
    assert first.form()["Body"] == ["¿Qué desea hacer?\n1. Pagar\n2. Hablar con asesor"]
    assert second.form()["Body"] == ["¿Cuál?\n1. Cuenta 1\n2. Cuenta 2"]


def test_whatsapp_template_goes_as_content_sid_and_variables(twilio_api: TwilioServer) -> None:
    message = sms(
        channel="whatsapp",
        payload={"template_name": "HX" + "9f" * 16, "template_params": ["María", "$ 120.000"]},
    )

    TwilioMessagingProvider().send(message)

    form = twilio_api.requests[0].form()
    assert form["ContentSid"] == ["HX" + "9f" * 16]
    assert json.loads(form["ContentVariables"][0]) == {"1": "María", "2": "$ 120.000"}
    assert "Body" not in form


def test_whatsapp_template_must_be_a_content_sid(twilio_api: TwilioServer) -> None:
    message = sms(channel="whatsapp", payload={"template_name": "recordatorio_pago"})

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(message)

    assert (raised.value.permanent, raised.value.code) == (True, "rejected")
    assert "recordatorio_pago" in str(raised.value)
    assert twilio_api.requests == []


def test_media_url_is_sent_as_media(twilio_api: TwilioServer) -> None:
    TwilioMessagingProvider().send(
        sms(channel="whatsapp", payload={"media_url": "https://cobranza.example.com/e/1.pdf"})
    )

    assert twilio_api.requests[0].form()["MediaUrl"] == ["https://cobranza.example.com/e/1.pdf"]


def test_invalid_number_is_permanent(twilio_api: TwilioServer) -> None:
    twilio_api.reply(
        400,
        {
            "code": 21211,
            "message": "The 'To' number +5730012 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
    )

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms(to="+5730012"))

    assert raised.value.permanent is True
    assert raised.value.code == "invalid_address"
    assert "21211" in str(raised.value)


def test_unsubscribed_recipient_is_an_opt_out(twilio_api: TwilioServer) -> None:
    twilio_api.reply(
        400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    )

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms())

    assert (raised.value.permanent, raised.value.code) == (True, "opted_out")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"code": 20500, "message": "Internal Server Error", "status": 500}),
        (503, {"message": "Service Unavailable", "status": 503}),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
    ],
)
def test_server_errors_and_throttling_are_transient(
    twilio_api: TwilioServer, status: int, body: dict[str, object]
) -> None:
    twilio_api.reply(status, body)

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms())

    assert raised.value.permanent is False
    assert raised.value.code == ("throttled" if status == 429 else "unavailable")


def test_bad_credentials_are_a_configuration_problem_not_the_customers(
    twilio_api: TwilioServer,
) -> None:
    twilio_api.reply(401, {"code": 20003, "message": "Authenticate", "status": 401})

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")


def test_missing_credentials_are_a_configuration_problem(
    twilio_api: TwilioServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {**settings.TWILIO, "account_sid": "", "auth_token": ""}

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    assert twilio_api.requests == []


def test_unreachable_twilio_is_transient(twilio_settings: object) -> None:
    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms())

    assert (raised.value.permanent, raised.value.code) == (False, "network")


def test_no_sender_configured_is_reported(twilio_api: TwilioServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {**settings.TWILIO, "whatsapp_from": ""}

    with pytest.raises(ProviderError) as raised:
        TwilioMessagingProvider().send(sms(channel="whatsapp"))

    assert raised.value.code == "configuration"
    assert "TWILIO_WHATSAPP_FROM" in str(raised.value)
    assert twilio_api.requests == []


# Webhooks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "message_status_delivered.txt",
        "inbound_sms.txt",
        "inbound_whatsapp_button.txt",
        "whatsapp_status_read.txt",
    ],
)
def test_signed_webhooks_verify(twilio_settings: object, name: str) -> None:
    assert TwilioMessagingProvider().verify(webhook("twilio", recorded(name))) is True


def test_signature_is_checked_on_the_raw_body_when_no_form_was_parsed(
    twilio_settings: object,
) -> None:
    request = webhook("twilio", recorded("inbound_sms.txt"), with_form=False)

    assert TwilioMessagingProvider().verify(request) is True
    assert TwilioMessagingProvider().parse(request).inbound[0].body == "BAJA, no me escriban más"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"signature": "bm90IGEgc2lnbmF0dXJl"},
        {"signature": ""},
        {"token": "someone-elses-token"},
        {"query": "tampered=1", "signature": None},
    ],
)
def test_bad_signatures_are_refused(
    twilio_settings: object, request_kwargs: dict[str, str]
) -> None:
    request = webhook("twilio", recorded("inbound_sms.txt"), **request_kwargs)
    if "query" in request_kwargs:  # signed without the query, delivered with it
        signed = webhook("twilio", recorded("inbound_sms.txt"))
        request = webhook(
            "twilio",
            recorded("inbound_sms.txt"),
            query="tampered=1",
            signature=signed.header("X-Twilio-Signature"),
        )

    assert TwilioMessagingProvider().verify(request) is False


def test_tampered_body_is_refused(twilio_settings: object) -> None:
    signed = webhook("twilio", recorded("inbound_sms.txt"))
    tampered = webhook(
        "twilio",
        recorded("inbound_sms.txt").replace(b"BAJA", b"PAGO"),
        signature=signed.header("X-Twilio-Signature"),
    )

    assert TwilioMessagingProvider().verify(tampered) is False


def test_no_auth_token_verifies_nothing(twilio_settings: object, settings) -> None:  # type: ignore[no-untyped-def]
    request = webhook("twilio", recorded("inbound_sms.txt"), token="")
    settings.TWILIO = {**settings.TWILIO, "auth_token": ""}

    assert TwilioMessagingProvider().verify(request) is False


def test_delivered_status_callback(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(
        webhook("twilio", recorded("message_status_delivered.txt"))
    )

    [update] = batch.statuses
    assert (update.provider_message_id, update.status) == (MESSAGE_SID, "delivered")
    assert (update.error, update.permanent) == ("", False)
    assert batch.inbound == ()
    assert batch.response_body is None


def test_undelivered_to_a_landline_is_permanent(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(
        webhook("twilio", recorded("message_status_undelivered.txt"))
    )

    [update] = batch.statuses
    assert update.status == "failed"
    assert update.permanent is True
    assert update.error == "invalid_address: Twilio error 30006"


def test_whatsapp_read_receipt(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(webhook("twilio", recorded("whatsapp_status_read.txt")))

    assert [(update.provider_message_id, update.status) for update in batch.statuses] == [
        (MESSAGE_SID, "read")
    ]


def test_whatsapp_outside_the_window_fails_without_blaming_the_number(
    twilio_settings: object,
) -> None:
    batch = TwilioMessagingProvider().parse(
        webhook("twilio", recorded("whatsapp_status_failed_window.txt"))
    )

    [update] = batch.statuses
    assert (update.status, update.permanent) == ("failed", False)
    assert update.error == "outside_window: Twilio error 63016"


def test_intermediate_statuses_say_nothing_new(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(
        webhook("twilio", recorded("message_status_sending.txt"))
    )

    assert batch.statuses == ()
    assert batch.inbound == ()


def test_inbound_sms(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(webhook("twilio", recorded("inbound_sms.txt")))

    [message] = batch.inbound
    assert message.provider_message_id == "SM" + "e5" * 16
    assert message.channel == "sms"
    assert (message.from_address, message.to_address) == ("+573001234567", "+15005550006")
    assert message.body == "BAJA, no me escriban más"
    assert message.payload == {}
    assert batch.statuses == ()
    assert batch.response_body == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert batch.response_content_type == "text/xml"


def test_inbound_whatsapp_button(twilio_settings: object) -> None:
    batch = TwilioMessagingProvider().parse(
        webhook("twilio", recorded("inbound_whatsapp_button.txt"))
    )

    [message] = batch.inbound
    assert message.channel == "whatsapp"
    assert (message.from_address, message.to_address) == ("+573001234567", "+14155238886")
    assert message.body == "Quiero pagar"
    assert message.payload == {
        "button_id": "pay_now",
        "button_text": "Quiero pagar",
        "profile_name": "María José",
        "in_reply_to": MESSAGE_SID,
    }


def test_sha256_signatures_named_in_the_settings_header_verify(twilio_settings: object) -> None:
    body = recorded("inbound_sms.txt")
    unsigned = webhook("twilio", body, signature="")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        unsigned.url, unsigned.form, "HMAC_SHA256"
    )
    request = replace(
        unsigned,
        headers={
            **unsigned.headers,
            "X-Twilio-Signature": signature,
            "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256",
        },
    )

    assert TwilioMessagingProvider().verify(request) is True
    assert (
        TwilioMessagingProvider().verify(
            replace(
                unsigned, headers={**request.headers, "X-Twilio-Webhooks-Signature-Settings": ""}
            )
        )
        is False
    )


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
            "http://127.0.0.1:8765",
            "http://127.0.0.1:8765/2010-04-01/Accounts/AC1/Messages.json",
        ),
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?x=1",
            "http://127.0.0.1:8765/twilio/",
            "http://127.0.0.1:8765/twilio/2010-04-01/Accounts/AC1/Calls.json?x=1",
        ),
        ("https://api.twilio.com/2010-04-01/x", "", "https://api.twilio.com/2010-04-01/x"),
    ],
)
def test_api_base_rewrites_only_scheme_and_host(url: str, base: str, expected: str) -> None:
    assert rebase_url(url, base) == expected
