"""The FCM provider (kind ``fcm``, channel ``push``): the contact point is the device token."""

from typing import Any, ClassVar

from django.conf import settings

from recaudo.channels.base import OutboundMessage, Provider, ProviderError, SendResult
from recaudo.channels.google_oauth import access_token, missing_settings
from recaudo.channels.http_errors import CODE_CONFIGURATION, transport_errors
from recaudo.channels.providers.fcm.errors import PROVIDER, error_for_fcm_response
from recaudo.lib import http

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"

# settings.FCM key -> the environment variable that sets it.
SETTING_VARIABLES = {
    "project_id": "FCM_PROJECT_ID",
    "service_account_file": "FCM_SERVICE_ACCOUNT_FILE",
}


def _config() -> dict[str, str]:
    config: dict[str, str] = settings.FCM
    return config


def push_request(message: OutboundMessage) -> dict[str, Any]:
    """The ``messages:send`` body: a notification, and data the app can act on (all strings)."""
    notification = {"body": message.body}
    title = str(message.payload.get("title") or message.subject or "")
    if title:
        notification = {"title": title, **notification}
    data = {"message_id": str(message.id)}
    link = str(message.payload.get("link") or "")
    if link:
        data["link"] = link
    return {"message": {"token": message.to, "notification": notification, "data": data}}


class FcmProvider(Provider):
    kind = "fcm"
    channels = ("push",)
    required_settings: ClassVar[tuple[str, ...]] = tuple(SETTING_VARIABLES.values())

    @classmethod
    def missing_settings(cls) -> list[str]:
        return missing_settings(_config(), SETTING_VARIABLES)

    def send(self, message: OutboundMessage) -> SendResult:
        config = _config()
        missing = [variable for key, variable in SETTING_VARIABLES.items() if not config.get(key)]
        if missing:
            raise ProviderError(
                f"{PROVIDER}: set {', '.join(missing)} to send",
                permanent=False,
                code=CODE_CONFIGURATION,
            )
        token = access_token(config["service_account_file"], SCOPE, provider=PROVIDER)
        url = f"{config['api_base'].rstrip('/')}/projects/{config['project_id']}/messages:send"
        with transport_errors(provider=PROVIDER):
            response = http.post_json(
                url, json=push_request(message), headers={"Authorization": f"Bearer {token}"}
            )
        if not response.is_success:
            raise error_for_fcm_response(response)
        data = http.response_json(response)
        name = data.get("name") if isinstance(data, dict) else None
        if not name:
            raise ProviderError(
                f"{PROVIDER}: accepted without a message name: {str(data)[:200]}",
                permanent=True,  # it may have gone out: never send it twice
                code="unexpected_response",
            )
        return SendResult(provider_message_id=str(name))
