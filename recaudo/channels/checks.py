"""System check: every provider chosen in RECAUDO_<CHANNEL>_PROVIDER can work with the settings.

Run with ``recaudo check`` (Django's ``check``). A provider class may say what it still needs with
a class method ``missing_settings(channel)`` returning environment variable names; a provider
without one is trusted.
"""

import inspect
from collections.abc import Sequence
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.translation import gettext

from recaudo.channels.base import Provider
from recaudo.channels.registry import PROVIDERS

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}
# Providers that talk to no one and so need nothing (the demo and test default).
SELF_CONTAINED = {"fake"}


def provider_class(kind: str) -> type[Provider]:
    module_name, class_name = PROVIDERS[kind].split(":")
    found: type[Provider] = getattr(import_module(module_name), class_name)
    return found


def missing_settings(cls: type[Provider], channel: str) -> list[str]:
    method: Any = getattr(cls, "missing_settings", None)
    if method is None:
        return []
    if inspect.signature(method).parameters:
        return list(method(channel))
    return list(method())


def receives_webhooks(cls: type[Provider]) -> bool:
    return cls.verify is not Provider.verify


def public_url_is_local() -> bool:
    host = urlsplit(str(getattr(settings, "RECAUDO_PUBLIC_URL", ""))).hostname or ""
    return host in LOOPBACK_HOSTS


def check_channel(channel: str, kind: str) -> list[CheckMessage]:
    variable = f"RECAUDO_{channel.upper()}_PROVIDER"
    if kind in SELF_CONTAINED:
        return []
    if kind not in PROVIDERS:
        return [
            Error(
                gettext("%(variable)s=%(kind)s is not a known provider.")
                % {"variable": variable, "kind": kind},
                hint=gettext("Known providers: %(known)s.")
                % {"known": ", ".join(sorted(PROVIDERS))},
                id="recaudo.channels.E001",
            )
        ]
    try:
        cls = provider_class(kind)
    except (ImportError, AttributeError) as error:
        return [
            Error(
                gettext("%(variable)s=%(kind)s cannot be loaded: %(error)s")
                % {"variable": variable, "kind": kind, "error": error},
                id="recaudo.channels.E002",
            )
        ]
    if channel not in cls.channels:
        return [
            Error(
                gettext("%(variable)s=%(kind)s cannot send %(channel)s messages.")
                % {"variable": variable, "kind": kind, "channel": channel},
                hint=gettext("%(kind)s sends: %(channels)s.")
                % {"kind": kind, "channels": ", ".join(cls.channels)},
                id="recaudo.channels.E003",
            )
        ]
    messages: list[CheckMessage] = []
    missing = missing_settings(cls, channel)
    if missing:
        messages.append(
            Warning(
                gettext("%(variable)s=%(kind)s needs %(missing)s.")
                % {"variable": variable, "kind": kind, "missing": ", ".join(missing)},
                hint=gettext(
                    "Set these environment variables; until then %(channel)s messages "
                    "cannot be sent. See docs/channels.md."
                )
                % {"channel": channel},
                id="recaudo.channels.W001",
            )
        )
    if receives_webhooks(cls) and public_url_is_local():
        messages.append(
            Warning(
                gettext(
                    "%(variable)s=%(kind)s sends delivery statuses and replies to "
                    "RECAUDO_PUBLIC_URL=%(url)s, which the provider cannot reach."
                )
                % {"variable": variable, "kind": kind, "url": settings.RECAUDO_PUBLIC_URL},
                hint=gettext("Set RECAUDO_PUBLIC_URL to this server's public https address."),
                id="recaudo.channels.W002",
            )
        )
    return messages


@register()
def check_channel_providers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    chosen: dict[str, str] = getattr(settings, "RECAUDO_CHANNEL_PROVIDERS", {}) or {}
    messages: list[CheckMessage] = []
    for channel, kind in sorted(chosen.items()):
        messages.extend(check_channel(channel, kind))
    return messages
