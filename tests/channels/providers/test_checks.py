"""The system check that names, in plain words, what each chosen provider still needs."""

import pytest
from django.core.checks import Error, Warning, run_checks
from django.utils import translation

from recaudo.channels.checks import check_channel_providers

EMPTY_TWILIO = {
    "account_sid": "",
    "auth_token": "",
    "sms_from": "",
    "whatsapp_from": "",
    "voice_from": "",
    "messaging_service_sid": "",
    "api_base": "",
}
FULL_TWILIO = {
    **EMPTY_TWILIO,
    "account_sid": "AC" + "01" * 16,
    "auth_token": "secret",
    "sms_from": "+15005550006",
    "whatsapp_from": "+14155238886",
    "voice_from": "+15005550007",
}


@pytest.fixture(autouse=True)
def _english_and_public(settings):  # type: ignore[no-untyped-def]
    settings.RECAUDO_PUBLIC_URL = "https://cobranza.example.com"
    with translation.override("en"):
        yield settings


def messages(settings, **providers: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    settings.RECAUDO_CHANNEL_PROVIDERS = {"sms": "fake", "email": "fake", **providers}
    return [(message.id or "", message.msg) for message in check_channel_providers()]


def test_fake_needs_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECAUDO_PUBLIC_URL = "http://127.0.0.1:8000"
    settings.TWILIO = EMPTY_TWILIO

    assert messages(settings) == []


def test_twilio_sms_without_keys_names_them(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = EMPTY_TWILIO

    assert messages(settings, sms="twilio") == [
        (
            "recaudo.channels.W001",
            "RECAUDO_SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
            "TWILIO_SMS_FROM (or TWILIO_MESSAGING_SERVICE_SID).",
        )
    ]


def test_twilio_whatsapp_needs_its_own_sender(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {**FULL_TWILIO, "whatsapp_from": ""}

    assert messages(settings, sms="twilio", whatsapp="twilio") == [
        (
            "recaudo.channels.W001",
            "RECAUDO_WHATSAPP_PROVIDER=twilio needs TWILIO_WHATSAPP_FROM "
            "(or TWILIO_MESSAGING_SERVICE_SID).",
        )
    ]


def test_a_messaging_service_is_enough(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {
        **FULL_TWILIO,
        "sms_from": "",
        "whatsapp_from": "",
        "messaging_service_sid": "MG1",
    }

    assert messages(settings, sms="twilio", whatsapp="twilio") == []


def test_voice_needs_a_caller_number(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = {**FULL_TWILIO, "voice_from": ""}

    assert messages(settings, voice="twilio_voice") == [
        ("recaudo.channels.W001", "RECAUDO_VOICE_PROVIDER=twilio_voice needs TWILIO_VOICE_FROM.")
    ]


def test_complete_settings_pass(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = FULL_TWILIO

    assert (
        messages(settings, sms="twilio", whatsapp="twilio", voice="twilio_voice", email="smtp")
        == []
    )


def test_smtp_needs_a_sender_address(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEFAULT_FROM_EMAIL = ""

    assert messages(settings, email="smtp") == [
        ("recaudo.channels.W001", "RECAUDO_EMAIL_PROVIDER=smtp needs DEFAULT_FROM_EMAIL.")
    ]


def test_unknown_provider_is_an_error(settings) -> None:  # type: ignore[no-untyped-def]
    [(check_id, text)] = messages(settings, sms="twillio")

    assert check_id == "recaudo.channels.E001"
    assert text == "RECAUDO_SMS_PROVIDER=twillio is not a known provider."


def test_provider_that_cannot_send_the_channel_is_an_error(settings) -> None:  # type: ignore[no-untyped-def]
    [(check_id, text)] = messages(settings, letter="twilio")

    assert check_id == "recaudo.channels.E003"
    assert text == "RECAUDO_LETTER_PROVIDER=twilio cannot send letter messages."


def test_webhooks_need_a_public_address(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = FULL_TWILIO
    settings.RECAUDO_PUBLIC_URL = "http://localhost:8000"

    [(check_id, text)] = messages(settings, sms="twilio")

    assert check_id == "recaudo.channels.W002"
    assert "RECAUDO_PUBLIC_URL=http://localhost:8000" in text


def test_the_check_is_registered(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TWILIO = EMPTY_TWILIO
    settings.RECAUDO_CHANNEL_PROVIDERS = {"sms": "twilio", "push": "nope"}

    found = [
        message
        for message in run_checks()
        if message.id and message.id.startswith("recaudo.channels")
    ]

    assert {type(message) for message in found} == {Warning, Error}
