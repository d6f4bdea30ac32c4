"""RCS through Google RBM: the capability check, the exact agent-message requests (rich card,
plain text), service-account OAuth against a loopback token endpoint, error mapping, webhook
signatures and recorded webhook payloads."""

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from recaudo.channels.base import (
    InboundMessage,
    OutboundMessage,
    ProviderError,
    StatusUpdate,
    WebhookRequest,
)
from recaudo.channels.google_oauth import forget_tokens
from recaudo.channels.providers.rcs_google import RbmProvider
from recaudo.channels.registry import get_provider
from tests.channels.providers.loopback_google import (
    TOKEN_PATH,
    LoopbackServer,
    jwt_claims,
    write_service_account,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "providers" / "rcs_google"
AGENT_ID = "recaudo_demo_agent@rbm.goog"
CLIENT_TOKEN = "SJENCPGJESMGUFPY"
ACCESS_TOKEN = "ya29.rbm-test-token"
MSISDN = "+573001234567"
CAPABILITIES_PATH = f"/v1/phones/{MSISDN}/capabilities"
MESSAGES_PATH = f"/v1/phones/{MSISDN}/agentMessages"
PUBLIC_URL = "https://cobranza.example.co"
EXPECTED_MESSAGE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{PUBLIC_URL}/messages/41"))
ALL_FEATURES = ["RICHCARD_STANDALONE", "RICHCARD_CAROUSEL", "ACTION_OPEN_URL", "ACTION_DIAL"]


@pytest.fixture
def rbm(settings: Any, tmp_path: Path) -> Iterator[LoopbackServer]:
    forget_tokens()
    with LoopbackServer() as server:
        account = write_service_account(
            tmp_path, token_uri=f"{server.url}{TOKEN_PATH}", project_id="rbm-recaudo-demo"
        )
        settings.RCS_GOOGLE = {
            "agent_id": AGENT_ID,
            "service_account_file": str(account),
            "client_token": CLIENT_TOKEN,
            "api_base": f"{server.url}/v1",
        }
        settings.RECAUDO_PUBLIC_URL = PUBLIC_URL
        settings.LANGUAGE_CODE = "en"  # the suggestion text is asserted in English msgids
        server.serve_google_token(ACCESS_TOKEN)
        yield server
    forget_tokens()


def outbound(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "id": 41,
        "channel": "rcs",
        "to": MSISDN,
        "body": "Hola Camila, tu cuota de $ 150.000 vence el viernes.",
        "payload": {
            "creditor_name": "Financiera Andina",
            "buttons": [
                {"id": "promise_friday", "title": "Pagaré el viernes"},
                {"id": "adviser", "title": "Hablar con asesor"},
            ],
            "link": "https://pagos.example.co/p/abc",
        },
    }
    return OutboundMessage(**(values | overrides))


def script_send(rbm: LoopbackServer, features: list[str]) -> None:
    rbm.reply("GET", CAPABILITIES_PATH, json={"features": features})
    rbm.reply("POST", MESSAGES_PATH, json={"name": f"phones/{MSISDN}/agentMessages/x"})


def test_rich_card_after_a_capability_check_is_the_exact_request(rbm: LoopbackServer) -> None:
    script_send(rbm, ALL_FEATURES)

    result = RbmProvider().send(outbound())

    assert result.provider_message_id == EXPECTED_MESSAGE_ID
    token, capability, send = rbm.requests
    assert (token.method, token.path) == ("POST", TOKEN_PATH)
    assert (capability.method, capability.path) == ("GET", CAPABILITIES_PATH)
    assert capability.query["agentId"] == AGENT_ID
    assert uuid.UUID(capability.query["requestId"])
    assert capability.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert (send.method, send.path) == ("POST", MESSAGES_PATH)
    assert send.query == {"messageId": EXPECTED_MESSAGE_ID, "agentId": AGENT_ID}
    assert send.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert send.headers["content-type"] == "application/json"
    assert send.json() == {
        "contentMessage": {
            "richCard": {
                "standaloneCard": {
                    "cardOrientation": "VERTICAL",
                    "cardContent": {
                        "title": "Financiera Andina",
                        "description": "Hola Camila, tu cuota de $ 150.000 vence el viernes.",
                        "suggestions": [
                            {
                                "reply": {
                                    "text": "Pagaré el viernes",
                                    "postbackData": "promise_friday",
                                }
                            },
                            {"reply": {"text": "Hablar con asesor", "postbackData": "adviser"}},
                            {
                                "action": {
                                    "text": "Open link",
                                    "postbackData": "open_link",
                                    "openUrlAction": {"url": "https://pagos.example.co/p/abc"},
                                }
                            },
                        ],
                    },
                }
            }
        }
    }


def test_the_oauth_token_comes_from_the_service_account_with_the_rbm_scope(
    rbm: LoopbackServer,
) -> None:
    script_send(rbm, ALL_FEATURES)

    RbmProvider().send(outbound())

    [token_request] = rbm.requests_to(TOKEN_PATH)
    form = token_request.form()
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt_claims(form["assertion"])
    assert claims["scope"] == "https://www.googleapis.com/auth/rcsbusinessmessaging"
    assert claims["iss"] == "recaudo@rbm-recaudo-demo.iam.gserviceaccount.com"
    assert claims["aud"] == "https://oauth2.googleapis.com/token"


def test_the_token_is_cached_until_it_expires(rbm: LoopbackServer) -> None:
    script_send(rbm, ALL_FEATURES)
    provider = RbmProvider()

    provider.send(outbound())
    provider.send(outbound(id=42))

    assert len(rbm.requests_to(TOKEN_PATH)) == 1
    assert len(rbm.requests_to(MESSAGES_PATH)) == 2


def test_a_title_from_the_payload_wins_over_the_creditor(rbm: LoopbackServer) -> None:
    script_send(rbm, ALL_FEATURES)

    RbmProvider().send(outbound(payload={"title": "Tu cuota", "creditor_name": "Andina"}))

    card = rbm.requests_to(MESSAGES_PATH)[0].json()["contentMessage"]["richCard"]
    assert card["standaloneCard"]["cardContent"] == {
        "title": "Tu cuota",
        "description": "Hola Camila, tu cuota de $ 150.000 vence el viernes.",
    }


def test_plain_text_with_suggestions_when_the_device_shows_no_rich_cards(
    rbm: LoopbackServer,
) -> None:
    script_send(rbm, ["ACTION_OPEN_URL"])

    RbmProvider().send(outbound())

    assert rbm.requests_to(MESSAGES_PATH)[0].json() == {
        "contentMessage": {
            "text": "Hola Camila, tu cuota de $ 150.000 vence el viernes.",
            "suggestions": [
                {"reply": {"text": "Pagaré el viernes", "postbackData": "promise_friday"}},
                {"reply": {"text": "Hablar con asesor", "postbackData": "adviser"}},
                {
                    "action": {
                        "text": "Open link",
                        "postbackData": "open_link",
                        "openUrlAction": {"url": "https://pagos.example.co/p/abc"},
                    }
                },
            ],
        }
    }


def test_the_link_goes_in_the_text_when_the_device_cannot_open_urls(rbm: LoopbackServer) -> None:
    script_send(rbm, [])

    RbmProvider().send(outbound(payload={"link": "https://pagos.example.co/p/abc"}))

    assert rbm.requests_to(MESSAGES_PATH)[0].json() == {
        "contentMessage": {
            "text": "Hola Camila, tu cuota de $ 150.000 vence el viernes.\n"
            "https://pagos.example.co/p/abc"
        }
    }


def test_a_rich_card_carries_the_link_in_its_text_when_urls_cannot_open(
    rbm: LoopbackServer,
) -> None:
    script_send(rbm, ["RICHCARD_STANDALONE"])

    RbmProvider().send(outbound(payload={"link": "https://pagos.example.co/p/abc"}))

    card = rbm.requests_to(MESSAGES_PATH)[0].json()["contentMessage"]["richCard"]
    assert card["standaloneCard"]["cardContent"] == {
        "description": "Hola Camila, tu cuota de $ 150.000 vence el viernes.\n"
        "https://pagos.example.co/p/abc"
    }


def test_a_button_with_a_url_opens_it_and_the_same_link_is_not_repeated(
    rbm: LoopbackServer,
) -> None:
    script_send(rbm, ALL_FEATURES)
    link = "https://pagos.example.co/p/abc"
    buttons = [
        {"id": "pay", "title": "Pagar ahora", "url": link},
        {"id": "adviser", "title": "Hablar con un asesor"},
    ]

    RbmProvider().send(outbound(payload={"buttons": buttons, "link": link}))

    card = rbm.requests_to(MESSAGES_PATH)[0].json()["contentMessage"]["richCard"]
    assert card["standaloneCard"]["cardContent"]["suggestions"] == [
        {
            "action": {
                "text": "Pagar ahora",
                "postbackData": "pay",
                "openUrlAction": {"url": link},
            }
        },
        {"reply": {"text": "Hablar con un asesor", "postbackData": "adviser"}},
    ]


def test_url_buttons_become_replies_when_the_device_cannot_open_urls(
    rbm: LoopbackServer,
) -> None:
    script_send(rbm, [])
    link = "https://pagos.example.co/p/abc"
    buttons = [{"id": "pay", "title": "Pagar ahora", "url": link}]

    RbmProvider().send(
        outbound(body=f"Paga aquí: {link}", payload={"buttons": buttons, "link": link})
    )

    assert rbm.requests_to(MESSAGES_PATH)[0].json() == {
        "contentMessage": {
            "text": f"Paga aquí: {link}",
            "suggestions": [{"reply": {"text": "Pagar ahora", "postbackData": "pay"}}],
        }
    }


def test_a_number_without_rcs_is_not_capable_and_nothing_is_sent(rbm: LoopbackServer) -> None:
    not_found = {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    rbm.reply("GET", CAPABILITIES_PATH, status=404, json=not_found)

    with pytest.raises(ProviderError) as raised:
        RbmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (True, "not_capable")
    assert rbm.requests_to(MESSAGES_PATH) == []


def google_error(code: int, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": status.lower(), "status": status}}


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (400, google_error(400, "INVALID_ARGUMENT"), True, "rejected"),
        (401, google_error(401, "UNAUTHENTICATED"), False, "configuration"),
        (403, google_error(403, "PERMISSION_DENIED"), False, "configuration"),
        (404, google_error(404, "NOT_FOUND"), True, "not_capable"),
        (429, google_error(429, "RESOURCE_EXHAUSTED"), False, "throttled"),
        (500, google_error(500, "INTERNAL"), False, "unavailable"),
        (503, google_error(503, "UNAVAILABLE"), False, "unavailable"),
    ],
)
def test_send_errors_map_to_retry_decisions(
    rbm: LoopbackServer, status: int, body: Any, permanent: bool, code: str
) -> None:
    rbm.reply("GET", CAPABILITIES_PATH, json={"features": ALL_FEATURES})
    rbm.reply("POST", MESSAGES_PATH, status=status, json=body)

    with pytest.raises(ProviderError) as raised:
        RbmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (permanent, code)
    assert ACCESS_TOKEN not in str(raised.value)


def test_a_message_id_already_used_counts_as_sent(rbm: LoopbackServer) -> None:
    rbm.reply("GET", CAPABILITIES_PATH, json={"features": ALL_FEATURES})
    rbm.reply("POST", MESSAGES_PATH, status=409, json=google_error(409, "ALREADY_EXISTS"))

    assert RbmProvider().send(outbound()).provider_message_id == EXPECTED_MESSAGE_ID


@pytest.mark.parametrize(
    ("status", "permanent", "code"), [(429, False, "throttled"), (503, False, "unavailable")]
)
def test_capability_check_errors_map_to_retry_decisions(
    rbm: LoopbackServer, status: int, permanent: bool, code: str
) -> None:
    rbm.reply("GET", CAPABILITIES_PATH, status=status, json=google_error(status, "UNAVAILABLE"))

    with pytest.raises(ProviderError) as raised:
        RbmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (permanent, code)


def test_a_refused_service_account_is_a_configuration_error_retried_until_fixed(
    settings: Any, tmp_path: Path
) -> None:
    forget_tokens()
    with LoopbackServer() as server:
        server.reply("POST", TOKEN_PATH, status=400, json={"error": "invalid_grant"})
        account = write_service_account(
            tmp_path, token_uri=f"{server.url}{TOKEN_PATH}", project_id="rbm-revoked"
        )
        settings.RCS_GOOGLE = {**settings.RCS_GOOGLE, "service_account_file": str(account)}

        with pytest.raises(ProviderError) as raised:
            RbmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    forget_tokens()


@pytest.mark.parametrize("missing", ["agent_id", "service_account_file"])
def test_sending_without_settings_is_a_configuration_error(
    rbm: LoopbackServer, settings: Any, missing: str
) -> None:
    settings.RCS_GOOGLE = {**settings.RCS_GOOGLE, missing: ""}

    with pytest.raises(ProviderError) as raised:
        RbmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    assert rbm.requests == []


def test_more_than_four_suggestions_go_with_a_text_message(rbm: LoopbackServer) -> None:
    buttons = [{"id": f"b{n}", "title": f"Opción {n}"} for n in range(5)]
    script_send(rbm, ALL_FEATURES)

    RbmProvider().send(outbound(payload={"buttons": buttons}))

    assert rbm.requests_to(MESSAGES_PATH)[0].json() == {
        "contentMessage": {
            "text": "Hola Camila, tu cuota de $ 150.000 vence el viernes.",
            "suggestions": [
                {"reply": {"text": f"Opción {n}", "postbackData": f"b{n}"}} for n in range(5)
            ],
        }
    }


def test_too_many_suggestions_are_refused(rbm: LoopbackServer) -> None:
    buttons = [{"id": f"b{n}", "title": f"Opción {n}"} for n in range(11)]
    rbm.reply("GET", CAPABILITIES_PATH, json={"features": ALL_FEATURES})

    with pytest.raises(ProviderError) as raised:
        RbmProvider().send(outbound(payload={"buttons": buttons, "link": "https://x.co"}))

    assert (raised.value.permanent, raised.value.code) == (True, "rejected")
    assert rbm.requests_to(MESSAGES_PATH) == []


# Webhooks


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def goog_signature(body: bytes, token: str = CLIENT_TOKEN) -> str:
    data = base64.b64decode(json.loads(body)["message"]["data"])
    return base64.b64encode(hmac.new(token.encode(), data, hashlib.sha512).digest()).decode()


def webhook(body: bytes, signature: str | None = None) -> WebhookRequest:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Goog-Signature"] = signature
    return WebhookRequest("POST", f"{PUBLIC_URL}/hooks/rcs_google/", headers, body)


def signed(name: str) -> WebhookRequest:
    body = fixture_bytes(name)
    return webhook(body, goog_signature(body))


@pytest.mark.parametrize(
    "name",
    ["user_text.json", "suggestion_response.json", "event_delivered.json", "event_read.json"],
)
def test_correctly_signed_webhooks_verify(rbm: LoopbackServer, name: str) -> None:
    assert RbmProvider().verify(signed(name))


@pytest.mark.parametrize("tamper", ["wrong token", "data changed", "no header", "no token set"])
def test_badly_signed_webhooks_do_not_verify(
    rbm: LoopbackServer, settings: Any, tamper: str
) -> None:
    body = fixture_bytes("user_text.json")
    signature: str | None = goog_signature(
        body, "another-token" if tamper == "wrong token" else CLIENT_TOKEN
    )
    if tamper == "data changed":
        envelope = json.loads(body)
        inner = json.loads(base64.b64decode(envelope["message"]["data"]))
        inner["text"] = "otro texto"
        envelope["message"]["data"] = base64.b64encode(json.dumps(inner).encode()).decode()
        body = json.dumps(envelope).encode()
    elif tamper == "no header":
        signature = None
    elif tamper == "no token set":
        settings.RCS_GOOGLE = {**settings.RCS_GOOGLE, "client_token": ""}

    assert not RbmProvider().verify(webhook(body, signature))


def test_the_webhook_configuration_request_is_answered_with_its_secret(
    rbm: LoopbackServer, settings: Any
) -> None:
    provider = RbmProvider()
    request = webhook(fixture_bytes("configuration_request.json"))

    assert provider.verify(request)
    assert provider.parse(request).response_body == "1234567890"

    settings.RCS_GOOGLE = {**settings.RCS_GOOGLE, "client_token": "ANOTHERTOKEN"}
    assert not provider.verify(request)


def test_parse_a_text_from_the_customer(rbm: LoopbackServer) -> None:
    batch = RbmProvider().parse(signed("user_text.json"))

    assert batch.statuses == ()
    assert batch.inbound == (
        InboundMessage(
            provider_message_id="MxQ3Rk9sYm5wVlFhS2R6TWpEd2c",
            channel="rcs",
            from_address="+573001234567",
            to_address=AGENT_ID,
            body="Hola, puedo pagar el viernes",
            received_at=datetime(2025, 12, 1, 14, 5, 12, 345678, tzinfo=UTC),
            payload={"type": "text"},
        ),
    )


def test_parse_a_tapped_suggestion(rbm: LoopbackServer) -> None:
    [message] = RbmProvider().parse(signed("suggestion_response.json")).inbound

    assert (message.provider_message_id, message.from_address, message.body) == (
        "MxWmNvQ2ZJdEtRTzZlR1VnQmhpdw",
        "+573001234567",
        "Pagaré el viernes",
    )
    assert message.payload == {
        "type": "suggestion",
        "button_id": "promise_friday",
        "button_text": "Pagaré el viernes",
        "suggestion_type": "REPLY",
    }
    assert message.received_at == datetime(2025, 12, 1, 14, 6, 40, 100000, tzinfo=UTC)


SENT_ID = "5c0d3a4e-8f61-5b7e-9d2a-3f4b6c7d8e9f"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "event_delivered.json",
            StatusUpdate(SENT_ID, "delivered", datetime(2025, 12, 1, 14, 0, 3, 250000, tzinfo=UTC)),
        ),
        (
            "event_read.json",
            StatusUpdate(SENT_ID, "read", datetime(2025, 12, 1, 14, 2, 45, tzinfo=UTC)),
        ),
        (
            "event_ttl_revoked.json",
            StatusUpdate(
                "0b6f1f0e-2d8c-5a77-8e3b-6a1c2d3e4f50",
                "failed",
                datetime(2025, 12, 2, 14, 0, tzinfo=UTC),
                error="expired: TTL_EXPIRATION_REVOKED (not delivered before it expired)",
                permanent=False,
            ),
        ),
    ],
)
def test_parse_events_into_statuses(rbm: LoopbackServer, name: str, expected: StatusUpdate) -> None:
    batch = RbmProvider().parse(signed(name))

    assert (batch.inbound, batch.statuses) == ((), (expected,))


def test_typing_events_carry_nothing(rbm: LoopbackServer) -> None:
    batch = RbmProvider().parse(signed("user_typing.json"))

    assert (batch.inbound, batch.statuses, batch.response_body) == ((), (), None)


def test_missing_settings_names_the_environment_variables(settings: Any, tmp_path: Path) -> None:
    settings.RCS_GOOGLE = {
        "agent_id": "",
        "service_account_file": str(tmp_path / "absent.json"),
        "client_token": "",
        "api_base": "https://rcsbusinessmessaging.googleapis.com/v1",
    }

    assert RbmProvider.missing_settings() == [
        "RBM_AGENT_ID",
        "RBM_CLIENT_TOKEN",
        "RBM_SERVICE_ACCOUNT_FILE",
    ]


def test_nothing_is_missing_when_every_setting_is_there(rbm: LoopbackServer) -> None:
    assert RbmProvider.missing_settings() == []


def test_the_registry_serves_it_for_rcs() -> None:
    provider = get_provider("rcs_google")

    assert isinstance(provider, RbmProvider)
    assert (provider.kind, provider.channels) == ("rcs_google", ("rcs",))
