"""The RBM provider (kind ``rcs_google``, channel ``rcs``)."""

import uuid
from typing import ClassVar
from urllib.parse import quote

import httpx
from django.conf import settings

from recaudo.channels.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    WebhookBatch,
    WebhookRequest,
)
from recaudo.channels.google_oauth import access_token, missing_settings
from recaudo.channels.http_errors import CODE_CONFIGURATION, error_for_response, transport_errors
from recaudo.channels.providers.rcs_google import messages, webhooks
from recaudo.lib import http

PROVIDER = "rcs_google"
SCOPE = "https://www.googleapis.com/auth/rcsbusinessmessaging"
# The sender falls back to SMS on this code.
CODE_NOT_CAPABLE = "not_capable"

# settings.RCS_GOOGLE key -> the environment variable that sets it.
SETTING_VARIABLES = {
    "agent_id": "RBM_AGENT_ID",
    "service_account_file": "RBM_SERVICE_ACCOUNT_FILE",
    "client_token": "RBM_CLIENT_TOKEN",
}

# What sending needs; the client token is for webhooks.
SEND_SETTINGS = ("agent_id", "service_account_file")


def _config() -> dict[str, str]:
    config: dict[str, str] = settings.RCS_GOOGLE
    return config


def _phone_url(config: dict[str, str], msisdn: str, resource: str) -> str:
    return f"{config['api_base'].rstrip('/')}/phones/{quote(msisdn, safe='+')}/{resource}"


def _headers(config: dict[str, str]) -> dict[str, str]:
    token = access_token(config["service_account_file"], SCOPE, provider=PROVIDER)
    return {"Authorization": f"Bearer {token}"}


def _not_capable(msisdn: str) -> ProviderError:
    return ProviderError(
        f"{PROVIDER}: {msisdn} cannot receive RCS from this agent",
        permanent=True,
        code=CODE_NOT_CAPABLE,
    )


def _error(response: httpx.Response, msisdn: str) -> ProviderError:
    """404: RBM cannot reach that phone; 401/403: our agent or service account is not allowed
    (not launched on the carrier, wrong key): retried until fixed; the rest by HTTP status."""
    if response.status_code == httpx.codes.NOT_FOUND:
        return _not_capable(msisdn)
    return error_for_response(response, provider=PROVIDER)


def capabilities(config: dict[str, str], msisdn: str) -> frozenset[str]:
    """The RCS features of the customer's device; ``not_capable`` when RBM cannot reach it."""
    params = {"requestId": str(uuid.uuid4()), "agentId": config["agent_id"]}
    with transport_errors(provider=PROVIDER):
        response = http.get_json(
            _phone_url(config, msisdn, "capabilities"), params=params, headers=_headers(config)
        )
    if not response.is_success:
        raise _error(response, msisdn)
    data = http.response_json(response)
    features = data.get("features", []) if isinstance(data, dict) else []
    return frozenset(str(feature) for feature in features)


class RbmProvider(Provider):
    kind = "rcs_google"
    channels = ("rcs",)
    required_settings: ClassVar[tuple[str, ...]] = tuple(SETTING_VARIABLES.values())

    @classmethod
    def missing_settings(cls) -> list[str]:
        return missing_settings(_config(), SETTING_VARIABLES)

    def send(self, message: OutboundMessage) -> SendResult:
        config = _config()
        missing = [SETTING_VARIABLES[key] for key in SEND_SETTINGS if not config.get(key)]
        if missing:
            raise ProviderError(
                f"{PROVIDER}: set {', '.join(missing)} to send",
                permanent=False,
                code=CODE_CONFIGURATION,
            )
        features = capabilities(config, message.to)
        body = messages.agent_message(message, features=features)
        message_id = messages.message_uuid(message.id, installation=settings.RECAUDO_PUBLIC_URL)
        params = {"messageId": message_id, "agentId": config["agent_id"]}
        with transport_errors(provider=PROVIDER):
            response = http.request(
                "POST",
                _phone_url(config, message.to, "agentMessages"),
                json=body,
                params=params,
                headers=_headers(config),
            )
        # 409: that message id went out before (a worker died after sending): it is sent.
        if not response.is_success and response.status_code != httpx.codes.CONFLICT:
            raise _error(response, message.to)
        return SendResult(provider_message_id=message_id)

    def verify(self, request: WebhookRequest) -> bool:
        client_token = _config()["client_token"]
        if webhooks.configuration_secret(request.body, client_token) is not None:
            return True
        header = request.header(webhooks.SIGNATURE_HEADER)
        return webhooks.signature_is_valid(client_token, request.body, header)

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        return webhooks.parse_payload(request.body, _config()["client_token"])
