from collections.abc import Iterator

import pytest

from tests.channels.providers.twilio.loopback import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    TwilioServer,
    twilio_server,
)

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback


@pytest.fixture
def twilio_settings(settings):  # type: ignore[no-untyped-def]
    """settings.TWILIO for a test account; the API is unreachable unless ``twilio_api`` is used."""
    settings.RECAUDO_PUBLIC_URL = PUBLIC_URL
    settings.TWILIO = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "sms_from": "+15005550006",
        "whatsapp_from": "+14155238886",
        "voice_from": "+15005550007",
        "messaging_service_sid": "",
        "api_base": UNREACHABLE,
    }
    return settings


@pytest.fixture
def twilio_api(twilio_settings) -> Iterator[TwilioServer]:  # type: ignore[no-untyped-def]
    """A loopback Twilio, with settings.TWILIO pointing at it."""
    with twilio_server() as server:
        twilio_settings.TWILIO = {**twilio_settings.TWILIO, "api_base": server.url}
        yield server
