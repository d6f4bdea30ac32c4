"""The WhatsApp Cloud API provider (kind ``whatsapp_cloud``, channel ``whatsapp``)."""

from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from recaudo.channels.base import (
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    WebhookBatch,
    WebhookRequest,
)
from recaudo.channels.http_errors import transport_errors
from recaudo.channels.providers.whatsapp_cloud import messages, webhooks
from recaudo.channels.providers.whatsapp_cloud.errors import (
    CODE_CONFIGURATION,
    PROVIDER,
    error_for_graph_response,
)
from recaudo.lib import http

# settings.WHATSAPP_CLOUD key -> the environment variable that sets it.
SETTING_VARIABLES = {
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
}

# What sending needs; the other two are for webhooks.
SEND_SETTINGS = ("phone_number_id", "access_token")


def _config() -> dict[str, str]:
    config: dict[str, str] = settings.WHATSAPP_CLOUD
    return config


class WhatsAppCloudProvider(Provider):
    kind = "whatsapp_cloud"
    channels = ("whatsapp",)
    required_settings: ClassVar[tuple[str, ...]] = tuple(SETTING_VARIABLES.values())

    @classmethod
    def missing_settings(cls) -> list[str]:
        config = _config()
        return [variable for key, variable in SETTING_VARIABLES.items() if not config.get(key)]

    def send(self, message: OutboundMessage) -> SendResult:
        config = _config()
        missing = [SETTING_VARIABLES[key] for key in SEND_SETTINGS if not config.get(key)]
        if missing:
            raise ProviderError(
                f"{PROVIDER}: set {', '.join(missing)} to send",
                permanent=False,
                code=CODE_CONFIGURATION,
            )
        body = messages.build_request(message, now=timezone.now())
        url = f"{config['api_base'].rstrip('/')}/{config['phone_number_id']}/messages"
        headers = {"Authorization": f"Bearer {config['access_token']}"}
        with transport_errors(provider=PROVIDER):
            response = http.post_json(url, json=body, headers=headers)
        if not response.is_success:
            raise error_for_graph_response(response)
        return SendResult(provider_message_id=_message_id(http.response_json(response)))

    def verify(self, request: WebhookRequest) -> bool:
        config = _config()
        if request.method.upper() == "GET":
            return (
                webhooks.subscription_challenge(request.query, config["verify_token"]) is not None
            )
        header = request.header(webhooks.SIGNATURE_HEADER)
        return webhooks.signature_is_valid(config["app_secret"], request.body, header)

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        if request.method.upper() == "GET":
            challenge = webhooks.subscription_challenge(request.query, _config()["verify_token"])
            return WebhookBatch(response_body=challenge)
        return webhooks.parse_payload(request.body)


def _message_id(data: Any) -> str:
    try:
        return str(data["messages"][0]["id"])
    except (KeyError, IndexError, TypeError) as error:
        raise ProviderError(
            f"{PROVIDER}: accepted without a message id: {str(data)[:200]}",
            permanent=True,  # it may have gone out: never send it twice
            code="unexpected_response",
        ) from error
