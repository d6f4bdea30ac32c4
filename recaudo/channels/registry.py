"""Providers by kind, and which provider serves each channel (``RECAUDO_<CHANNEL>_PROVIDER``)."""

from functools import cache
from importlib import import_module

from django.conf import settings

from recaudo.channels.base import Provider

# kind -> "module:Class", imported only when used so an unused SDK costs nothing.
PROVIDERS: dict[str, str] = {
    "fake": "recaudo.channels.providers.fake:FakeProvider",
    "smtp": "recaudo.channels.providers.smtp:SmtpProvider",
    "twilio": "recaudo.channels.providers.twilio:TwilioMessagingProvider",
    "twilio_voice": "recaudo.channels.providers.twilio:TwilioVoiceProvider",
    "whatsapp_cloud": "recaudo.channels.providers.whatsapp_cloud:WhatsAppCloudProvider",
    "rcs_google": "recaudo.channels.providers.rcs_google:RbmProvider",
    "fcm": "recaudo.channels.providers.fcm:FcmProvider",
}

DEFAULT_PROVIDER = "fake"  # also the default in settings.RECAUDO_CHANNEL_PROVIDERS


class UnknownProvider(LookupError):
    pass


@cache
def get_provider(kind: str) -> Provider:
    try:
        module_name, class_name = PROVIDERS[kind].split(":")
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise UnknownProvider(f"unknown provider {kind!r}; known providers: {known}") from None
    provider_class = getattr(import_module(module_name), class_name)
    provider: Provider = provider_class()
    return provider


def provider_kind_for(channel: str) -> str:
    return settings.RECAUDO_CHANNEL_PROVIDERS.get(channel, DEFAULT_PROVIDER)


def provider_for(channel: str) -> Provider:
    return get_provider(provider_kind_for(channel))
