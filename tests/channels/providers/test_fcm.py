"""Push through FCM HTTP v1: the exact request, service-account OAuth with the messaging scope
against a loopback token endpoint, error mapping, and no webhooks."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recaudo.channels.base import OutboundMessage, ProviderError, WebhookRequest
from recaudo.channels.google_oauth import forget_tokens
from recaudo.channels.providers.fcm import FcmProvider
from recaudo.channels.registry import get_provider
from tests.channels.providers.loopback_google import (
    TOKEN_PATH,
    LoopbackServer,
    jwt_claims,
    write_service_account,
)

PROJECT_ID = "recaudo-app-demo"
SEND_PATH = f"/v1/projects/{PROJECT_ID}/messages:send"
ACCESS_TOKEN = "ya29.fcm-test-token"
DEVICE_TOKEN = "fKx3Qm9ZR0u2YxVt:APA91bH-test-device-token"
ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@pytest.fixture
def fcm(settings: Any, tmp_path: Path) -> Iterator[LoopbackServer]:
    forget_tokens()
    with LoopbackServer() as server:
        account = write_service_account(
            tmp_path, token_uri=f"{server.url}{TOKEN_PATH}", project_id=PROJECT_ID
        )
        settings.FCM = {
            "project_id": PROJECT_ID,
            "service_account_file": str(account),
            "api_base": f"{server.url}/v1",
        }
        server.serve_google_token(ACCESS_TOKEN)
        yield server
    forget_tokens()


def outbound(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "id": 77,
        "channel": "push",
        "to": DEVICE_TOKEN,
        "body": "Tu cuota de $ 150.000 vence el viernes. Paga en un toque.",
        "subject": "Recordatorio de pago",
        "payload": {"link": "https://pagos.example.co/p/abc"},
    }
    return OutboundMessage(**(values | overrides))


def accepted(fcm: LoopbackServer) -> None:
    fcm.reply("POST", SEND_PATH, json={"name": f"projects/{PROJECT_ID}/messages/0:1764590000%abc"})


def test_push_is_the_exact_fcm_request(fcm: LoopbackServer) -> None:
    accepted(fcm)

    result = FcmProvider().send(outbound())

    assert result.provider_message_id == f"projects/{PROJECT_ID}/messages/0:1764590000%abc"
    [send] = fcm.requests_to(SEND_PATH)
    assert (send.method, send.query) == ("POST", {})
    assert send.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert send.headers["content-type"] == "application/json"
    assert send.json() == {
        "message": {
            "token": DEVICE_TOKEN,
            "notification": {
                "title": "Recordatorio de pago",
                "body": "Tu cuota de $ 150.000 vence el viernes. Paga en un toque.",
            },
            "data": {"message_id": "77", "link": "https://pagos.example.co/p/abc"},
        }
    }


def test_the_payload_title_wins_and_no_link_means_no_link_data(fcm: LoopbackServer) -> None:
    accepted(fcm)

    FcmProvider().send(outbound(payload={"title": "Financiera Andina"}))

    message = fcm.requests_to(SEND_PATH)[0].json()["message"]
    assert message["notification"]["title"] == "Financiera Andina"
    assert message["data"] == {"message_id": "77"}


def test_no_title_at_all_sends_only_the_body(fcm: LoopbackServer) -> None:
    accepted(fcm)

    FcmProvider().send(outbound(subject="", payload={}))

    notification = fcm.requests_to(SEND_PATH)[0].json()["message"]["notification"]
    assert notification == {"body": "Tu cuota de $ 150.000 vence el viernes. Paga en un toque."}


def test_the_token_has_the_messaging_scope_and_is_cached(fcm: LoopbackServer) -> None:
    accepted(fcm)
    provider = FcmProvider()

    provider.send(outbound())
    provider.send(outbound(id=78))

    [token_request] = fcm.requests_to(TOKEN_PATH)
    claims = jwt_claims(token_request.form()["assertion"])
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    assert claims["iss"] == f"recaudo@{PROJECT_ID}.iam.gserviceaccount.com"


def fcm_error(code: int, status: str, error_code: str | None, message: str = "") -> Any:
    details = [{"@type": ERROR_TYPE, "errorCode": error_code}] if error_code else []
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


@pytest.mark.parametrize(
    ("status", "body", "permanent", "code"),
    [
        (
            404,
            fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
            True,
            "invalid_address",
        ),
        (
            400,
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
            ),
            True,
            "invalid_address",
        ),
        (
            400,
            fcm_error(400, "INVALID_ARGUMENT", None, "Invalid value at 'message.data[0].value'"),
            True,
            "rejected",
        ),
        (403, fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), False, "configuration"),
        (401, fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), False, "configuration"),
        (403, fcm_error(403, "PERMISSION_DENIED", None), False, "configuration"),
        (401, None, False, "configuration"),
        (429, fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), False, "throttled"),
        (503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"), False, "unavailable"),
        (500, fcm_error(500, "INTERNAL", "INTERNAL"), False, "unavailable"),
        (502, None, False, "unavailable"),
    ],
)
def test_fcm_errors_map_to_retry_decisions(
    fcm: LoopbackServer, status: int, body: Any, permanent: bool, code: str
) -> None:
    fcm.reply("POST", SEND_PATH, status=status, json=body)

    with pytest.raises(ProviderError) as raised:
        FcmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (permanent, code)
    assert ACCESS_TOKEN not in str(raised.value)


def test_an_unreadable_service_account_file_is_a_configuration_error(
    fcm: LoopbackServer, settings: Any, tmp_path: Path
) -> None:
    settings.FCM = {**settings.FCM, "service_account_file": str(tmp_path / "absent.json")}

    with pytest.raises(ProviderError) as raised:
        FcmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    assert fcm.requests == []


@pytest.mark.parametrize("missing", ["project_id", "service_account_file"])
def test_sending_without_settings_is_a_configuration_error(
    fcm: LoopbackServer, settings: Any, missing: str
) -> None:
    settings.FCM = {**settings.FCM, missing: ""}

    with pytest.raises(ProviderError) as raised:
        FcmProvider().send(outbound())

    assert (raised.value.permanent, raised.value.code) == (False, "configuration")
    assert fcm.requests == []


def test_push_has_no_webhooks(fcm: LoopbackServer) -> None:
    request = WebhookRequest("POST", "https://cobranza.example.co/hooks/fcm/", {}, b"{}")

    assert not FcmProvider().verify(request)
    batch = FcmProvider().parse(request)
    assert (batch.inbound, batch.statuses, batch.response_body) == ((), (), None)


def test_missing_settings_names_the_environment_variables(settings: Any, tmp_path: Path) -> None:
    settings.FCM = {"project_id": "", "service_account_file": "", "api_base": "https://x"}
    assert FcmProvider.missing_settings() == ["FCM_PROJECT_ID", "FCM_SERVICE_ACCOUNT_FILE"]

    settings.FCM = {"project_id": "p", "service_account_file": str(tmp_path / "absent.json")}
    assert FcmProvider.missing_settings() == ["FCM_SERVICE_ACCOUNT_FILE"]


def test_nothing_is_missing_when_every_setting_is_there(fcm: LoopbackServer) -> None:
    assert FcmProvider.missing_settings() == []


def test_the_registry_serves_it_for_push() -> None:
    provider = get_provider("fcm")

    assert isinstance(provider, FcmProvider)
    assert (provider.kind, provider.channels) == ("fcm", ("push",))
