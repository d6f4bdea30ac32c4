"""WhatsApp Cloud API provider: the exact Graph requests, the 24-hour window, error mapping,
webhook signatures, the subscription check and recorded webhook payloads."""

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from recaudo.channels.base import (
    InboundMessage,
    OutboundMessage,
    ProviderError,
    StatusUpdate,
    WebhookRequest,
)
from recaudo.channels.providers.whatsapp_cloud import WhatsAppCloudProvider
from recaudo.channels.registry import get_provider
from tests.channels.providers.loopback_google import LoopbackServer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "providers" / "whatsapp_cloud"
NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)
PHONE_NUMBER_ID = "106540352242922"
MESSAGES_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
ACCESS_TOKEN = "EAAG-test-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "recaudo-verify-token"
ACCEPTED = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "573001234567", "wa_id": "573001234567"}],
    "messages": [{"id": "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJD", "message_status": "accepted"}],
}


@pytest.fixture
def graph(settings: Any) -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        settings.WHATSAPP_CLOUD = {
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": ACCESS_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "api_base": f"{server.url}/v21.0",
        }
        yield server


@pytest.fixture(autouse=True)
def _frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def outbound(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "id": 41,
        "channel": "whatsapp",
        "to": "+573001234567",
        "body": "Hola Camila, tu cuota vence el viernes.",
        "last_inbound_at": NOW - timedelta(hours=2),
    }
    return OutboundMessage(**(values | overrides))


def send(graph: LoopbackServer, message: OutboundMessage) -> str:
    graph.reply("POST", MESSAGES_PATH, json=ACCEPTED)
    return WhatsAppCloudProvider().send(message).provider_message_id


def test_free_text_inside_the_window_is_the_exact_graph_request(graph: LoopbackServer) -> None:
    message_id = send(graph, outbound(payload={"link": "https://pagos.example.co/p/abc"}))

    assert message_id == "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJD"
    [request] = graph.requests
    assert (request.method, request.path, request.query) == ("POST", MESSAGES_PATH, {})
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "573001234567",
        "type": "text",
        "text": {
            "preview_url": True,
            "body": "Hola Camila, tu cuota vence el viernes.\nhttps://pagos.example.co/p/abc",
        },
    }


def test_outside_the_window_sends_the_approved_template(graph: LoopbackServer) -> None:
    payload = {
        "template_name": "recordatorio_cuota_v2",
        "template_language": "es_CO",
        "template_params": ["Camila", "$ 150.000", "5 de diciembre"],
    }
    send(graph, outbound(last_inbound_at=None, payload=payload))

    assert graph.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "573001234567",
        "type": "template",
        "template": {
            "name": "recordatorio_cuota_v2",
            "language": {"code": "es_CO"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Camila"},
                        {"type": "text", "text": "$ 150.000"},
                        {"type": "text", "text": "5 de diciembre"},
                    ],
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("language", "code"), [(None, "es"), ("", "es"), ("es-MX", "es_MX"), ("es_AR", "es_AR")]
)
def test_template_language_defaults_to_spanish_and_params_are_optional(
    graph: LoopbackServer, language: str | None, code: str
) -> None:
    payload = {"template_name": "saludo", "template_language": language}
    send(graph, outbound(last_inbound_at=None, payload=payload))

    assert graph.requests[0].json()["template"] == {"name": "saludo", "language": {"code": code}}


def test_outside_the_window_without_a_template_is_refused_without_calling_graph(
    graph: LoopbackServer,
) -> None:
    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound(last_inbound_at=NOW - timedelta(days=3)))

    assert (raised.value.permanent, raised.value.code) == (True, "template_required")
    assert graph.requests == []


@pytest.mark.parametrize(
    ("since_last_inbound", "sent_as"),
    [
        (timedelta(0), "text"),
        (timedelta(hours=23, minutes=59, seconds=59), "text"),
        (timedelta(hours=24), "template"),
        (timedelta(hours=24, seconds=1), "template"),
        (None, "template"),
        (-timedelta(minutes=5), "text"),  # the customer's clock is ahead of ours
    ],
)
def test_the_24_hour_window_boundary(
    graph: LoopbackServer, since_last_inbound: timedelta | None, sent_as: str
) -> None:
    last = None if since_last_inbound is None else NOW - since_last_inbound
    send(graph, outbound(last_inbound_at=last, payload={"template_name": "recordatorio"}))

    assert graph.requests[0].json()["type"] == sent_as


def test_reply_buttons_inside_the_window(graph: LoopbackServer) -> None:
    buttons = [
        {"id": "pay_now", "title": "Pagar ahora", "url": "https://pagos.example.co/p/abc"},
        {"id": "promise_friday", "title": "Pagaré el viernes"},
        {"id": "adviser", "title": "Hablar con asesor"},
    ]  # a button's url means nothing to a reply button: the tap comes back by id
    send(graph, outbound(payload={"buttons": buttons, "template_name": "recordatorio"}))

    assert graph.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "573001234567",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Hola Camila, tu cuota vence el viernes."},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "pay_now", "title": "Pagar ahora"}},
                    {
                        "type": "reply",
                        "reply": {"id": "promise_friday", "title": "Pagaré el viernes"},
                    },
                    {"type": "reply", "reply": {"id": "adviser", "title": "Hablar con asesor"}},
                ]
            },
        },
    }


@pytest.mark.parametrize(
    "buttons",
    [
        [{"id": f"b{n}", "title": f"Opción {n}"} for n in range(4)],
        [{"id": "long", "title": "Un título de más de veinte"}],
        [{"id": "", "title": "Sin id"}],
    ],
    ids=["four buttons", "title over 20 characters", "no id"],
)
def test_invalid_buttons_are_refused_before_calling_graph(
    graph: LoopbackServer, buttons: list[dict[str, str]]
) -> None:
    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound(payload={"buttons": buttons}))

    assert (raised.value.permanent, raised.value.code) == (True, "rejected")
    assert graph.requests == []


def test_a_list_inside_the_window(graph: LoopbackServer) -> None:
    rows = [{"id": f"account:{n}", "title": f"Tarjeta ****{n}00{n}"} for n in range(1, 5)]
    send(
        graph,
        outbound(body="¿Sobre qué cuenta?", payload={"list": {"button": "Cuentas", "rows": rows}}),
    )

    assert graph.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "573001234567",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "¿Sobre qué cuenta?"},
            "action": {
                "button": "Cuentas",
                "sections": [
                    {
                        "rows": [
                            {"id": "account:1", "title": "Tarjeta ****1001"},
                            {"id": "account:2", "title": "Tarjeta ****2002"},
                            {"id": "account:3", "title": "Tarjeta ****3003"},
                            {"id": "account:4", "title": "Tarjeta ****4004"},
                        ]
                    }
                ],
            },
        },
    }


@pytest.mark.parametrize(
    "spec",
    [
        {"button": "Opciones", "rows": [{"id": f"r{n}", "title": f"Fila {n}"} for n in range(11)]},
        {"button": "Opciones", "rows": [{"id": "x", "title": "Un título de fila de más de 24"}]},
        {"button": "", "rows": [{"id": "x", "title": "Fila"}]},
    ],
    ids=["eleven rows", "row title over 24 characters", "no button text"],
)
def test_invalid_lists_are_refused_before_calling_graph(
    graph: LoopbackServer, spec: dict[str, Any]
) -> None:
    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound(payload={"list": spec}))

    assert (raised.value.permanent, raised.value.code) == (True, "rejected")
    assert graph.requests == []


def graph_error(code: int, message: str = "error") -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "AbCdEfGhIjK",
        }
    }


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (400, graph_error(131026, "Message undeliverable"), True, "invalid_address"),
        (400, graph_error(131047, "Re-engagement message"), True, "outside_window"),
        (400, graph_error(132000, "Number of parameters does not match"), True, "rejected"),
        (404, graph_error(132001, "Template name does not exist"), True, "rejected"),
        (400, graph_error(100, "Invalid parameter"), True, "rejected"),
        (401, graph_error(190, "Error validating access token"), False, "configuration"),
        (403, graph_error(10, "Permission denied"), False, "configuration"),
        (401, None, False, "configuration"),
        (400, graph_error(130429, "Rate limit hit"), False, "throttled"),
        (400, graph_error(131056, "Pair rate limit hit"), False, "throttled"),
        (500, graph_error(131000, "Something went wrong"), False, "unavailable"),
        (503, None, False, "unavailable"),
        (429, None, False, "throttled"),
        (400, graph_error(131009, "Parameter value is not valid"), True, "rejected"),
    ],
)
def test_graph_errors_map_to_retry_decisions(
    graph: LoopbackServer, status: int, body: Any, permanent: bool, code: str
) -> None:
    graph.reply("POST", MESSAGES_PATH, status=status, json=body)

    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (permanent, code)
    assert ACCESS_TOKEN not in str(raised.value)


@pytest.mark.parametrize("missing", ["phone_number_id", "access_token"])
def test_sending_without_settings_is_a_configuration_error(
    graph: LoopbackServer, settings: Any, missing: str
) -> None:
    settings.WHATSAPP_CLOUD = {**settings.WHATSAPP_CLOUD, missing: ""}

    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    assert graph.requests == []


def test_an_unreachable_graph_is_a_transient_network_error(settings: Any) -> None:
    with LoopbackServer() as server:
        closed_base = f"{server.url}/v21.0"
    settings.WHATSAPP_CLOUD = {
        "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base": closed_base,
    }

    with pytest.raises(ProviderError) as raised:
        WhatsAppCloudProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "network")


# Webhooks


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def signed_post(body: bytes, secret: str = APP_SECRET) -> WebhookRequest:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return WebhookRequest(
        method="POST",
        url="https://cobranza.example.co/hooks/whatsapp_cloud/",
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"},
        body=body,
    )


def test_a_correctly_signed_webhook_verifies(graph: LoopbackServer) -> None:
    assert WhatsAppCloudProvider().verify(signed_post(fixture_bytes("text_message.json")))


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "body changed", "no header", "no prefix", "no secret configured"],
)
def test_badly_signed_webhooks_do_not_verify(
    graph: LoopbackServer, settings: Any, tamper: str
) -> None:
    body = fixture_bytes("text_message.json")
    request = signed_post(body, secret="another-secret" if tamper == "wrong secret" else APP_SECRET)
    headers = dict(request.headers)
    if tamper == "body changed":
        request = WebhookRequest("POST", request.url, headers, body.replace(b"viernes", b"lunes"))
    elif tamper == "no header":
        request = WebhookRequest("POST", request.url, {"Content-Type": "application/json"}, body)
    elif tamper == "no prefix":
        headers["X-Hub-Signature-256"] = headers["X-Hub-Signature-256"].removeprefix("sha256=")
        request = WebhookRequest("POST", request.url, headers, body)
    elif tamper == "no secret configured":
        settings.WHATSAPP_CLOUD = {**settings.WHATSAPP_CLOUD, "app_secret": ""}

    assert not WhatsAppCloudProvider().verify(request)


def subscription_check(token: str) -> WebhookRequest:
    query = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    return WebhookRequest(
        "GET", "https://cobranza.example.co/hooks/whatsapp_cloud/", {}, b"", query
    )


def test_the_subscription_check_echoes_the_challenge(graph: LoopbackServer) -> None:
    provider = WhatsAppCloudProvider()
    request = subscription_check(VERIFY_TOKEN)

    assert provider.verify(request)
    batch = provider.parse(request)
    assert (batch.response_body, batch.inbound, batch.statuses) == ("1158201444", (), ())


@pytest.mark.parametrize(
    ("configured", "sent"),
    [(VERIFY_TOKEN, "guessed-token"), (VERIFY_TOKEN, ""), ("", "")],
    ids=["wrong token", "no token sent", "no token configured"],
)
def test_the_subscription_check_with_a_wrong_token_fails(
    graph: LoopbackServer, settings: Any, configured: str, sent: str
) -> None:
    settings.WHATSAPP_CLOUD = {**settings.WHATSAPP_CLOUD, "verify_token": configured}
    provider = WhatsAppCloudProvider()
    request = subscription_check(sent)

    assert not provider.verify(request)
    assert provider.parse(request).response_body is None


def test_the_hooks_endpoint_answers_meta_subscription_check(
    graph: LoopbackServer, client: Any
) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8842"}

    response = client.get("/hooks/whatsapp_cloud/", query)

    assert (response.status_code, response.content) == (200, b"8842")


def parse(name: str) -> tuple[tuple[InboundMessage, ...], tuple[StatusUpdate, ...]]:
    batch = WhatsAppCloudProvider().parse(signed_post(fixture_bytes(name)))
    return batch.inbound, batch.statuses


def test_parse_a_text_message(graph: LoopbackServer) -> None:
    inbound, statuses = parse("text_message.json")

    assert statuses == ()
    assert inbound == (
        InboundMessage(
            provider_message_id="wamid.HBgMNTczMDAxMjM0NTY3FQIAEhggQTFCMkMzRDRFNUY2QTdCOEM5RDBFMUYyQTNCNEM1RDYA",
            channel="whatsapp",
            from_address="+573001234567",
            to_address="+15550783881",
            body="Hola, ¿puedo pagar el viernes?",
            received_at=datetime(2025, 12, 1, 2, 30, tzinfo=UTC),
            payload={"type": "text", "profile_name": "Camila Rojas"},
        ),
    )


@pytest.mark.parametrize(
    ("name", "body", "payload"),
    [
        (
            "interactive_button_reply.json",
            "Pagaré el viernes",
            {
                "type": "interactive",
                "interactive_type": "button_reply",
                "button_id": "promise_friday",
                "in_reply_to": "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJDREVGMDEyMzQ1Njc4OUFCAA==",
            },
        ),
        (
            "interactive_list_reply.json",
            "3 cuotas",
            {
                "type": "interactive",
                "interactive_type": "list_reply",
                "button_id": "plan_3",
                "in_reply_to": "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJDREVGMDEyMzQ1Njc4OUFDAA==",
            },
        ),
        (
            "template_quick_reply.json",
            "Hablar con un asesor",
            {
                "type": "button",
                "button_id": "talk_to_adviser",
                "in_reply_to": "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJDREVGMDEyMzQ1Njc4OUFEAA==",
            },
        ),
    ],
)
def test_parse_what_the_customer_tapped(
    graph: LoopbackServer, name: str, body: str, payload: dict[str, str]
) -> None:
    [message], _ = parse(name)

    assert (message.channel, message.from_address, message.body) == (
        "whatsapp",
        "+573001234567",
        body,
    )
    assert message.payload == payload | {"button_text": body, "profile_name": "Camila Rojas"}


def test_parse_a_photo_of_a_receipt(graph: LoopbackServer) -> None:
    [message], _ = parse("image_message.json")

    assert message.body == "Comprobante de pago"
    assert message.received_at == datetime(2025, 12, 1, 2, 35, tzinfo=UTC)
    assert message.payload == {
        "type": "image",
        "media_id": "1298374652019283",
        "mime_type": "image/jpeg",
        "profile_name": "Camila Rojas",
    }


SENT_ID = "wamid.HBgMNTczMDAxMjM0NTY3FQIAERgSQUJDREVGMDEyMzQ1Njc4OUFCAA=="


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "status_sent.json",
            StatusUpdate(SENT_ID, "sent", datetime(2025, 12, 1, 1, 30, tzinfo=UTC)),
        ),
        (
            "status_delivered.json",
            StatusUpdate(SENT_ID, "delivered", datetime(2025, 12, 1, 1, 30, 3, tzinfo=UTC)),
        ),
        (
            "status_read.json",
            StatusUpdate(SENT_ID, "read", datetime(2025, 12, 1, 1, 32, tzinfo=UTC)),
        ),
        (
            "status_failed.json",
            StatusUpdate(
                "wamid.HBgMNTczMDA5ODc2NTQzFQIAERgSMDlGOEU3RDZDNUI0QTMyMTAwAA==",
                "failed",
                datetime(2025, 12, 1, 1, 30, 10, tzinfo=UTC),
                error="invalid_address: 131026 Message undeliverable (Message Undeliverable.)",
                permanent=True,
            ),
        ),
    ],
)
def test_parse_statuses(graph: LoopbackServer, name: str, expected: StatusUpdate) -> None:
    inbound, statuses = parse(name)

    assert (inbound, statuses) == ((), (expected,))


def test_a_body_that_is_not_json_parses_to_nothing(graph: LoopbackServer) -> None:
    batch = WhatsAppCloudProvider().parse(signed_post(b"not json"))

    assert (batch.inbound, batch.statuses) == ((), ())


def test_missing_settings_names_the_environment_variables(settings: Any) -> None:
    settings.WHATSAPP_CLOUD = {
        "phone_number_id": "",
        "access_token": "token",
        "app_secret": "",
        "verify_token": "token",
        "api_base": "https://graph.facebook.com/v21.0",
    }

    assert WhatsAppCloudProvider.missing_settings() == [
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_APP_SECRET",
    ]


def test_nothing_is_missing_when_every_setting_is_there(graph: LoopbackServer) -> None:
    assert WhatsAppCloudProvider.missing_settings() == []


def test_the_registry_serves_it_for_whatsapp() -> None:
    provider = get_provider("whatsapp_cloud")

    assert isinstance(provider, WhatsAppCloudProvider)
    assert (provider.kind, provider.channels) == ("whatsapp_cloud", ("whatsapp",))
