"""System check: the payment provider chosen in RECAUDO_PAYMENT_PROVIDER can work.

Run with ``recaudo check``: names the missing environment variables of the chosen provider,
and warns when the sandbox (which records payments nobody made) faces a public address.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.translation import gettext

from recaudo.payments.registry import PROVIDERS, default_kind, provider_class

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _public_url_is_local() -> bool:
    host = urlsplit(str(getattr(settings, "RECAUDO_PUBLIC_URL", ""))).hostname or ""
    return host in LOOPBACK_HOSTS


@register()
def check_payment_provider(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    kind = default_kind()
    if kind not in PROVIDERS:
        return [
            Error(
                gettext("RECAUDO_PAYMENT_PROVIDER=%(kind)s is not a known payment provider.")
                % {"kind": kind},
                hint=gettext("Known payment providers: %(known)s.")
                % {"known": ", ".join(sorted(PROVIDERS))},
                id="recaudo.payments.E001",
            )
        ]
    try:
        cls = provider_class(kind)
    except (ImportError, AttributeError) as error:
        return [
            Error(
                gettext("RECAUDO_PAYMENT_PROVIDER=%(kind)s cannot be loaded: %(error)s")
                % {"kind": kind, "error": error},
                id="recaudo.payments.E002",
            )
        ]
    messages: list[CheckMessage] = []
    missing = cls.missing_settings()
    if missing:
        messages.append(
            Warning(
                gettext("RECAUDO_PAYMENT_PROVIDER=%(kind)s needs %(missing)s.")
                % {"kind": kind, "missing": ", ".join(missing)},
                hint=gettext(
                    "Set these environment variables; until then customers cannot pay "
                    "online. See docs/payments.md."
                ),
                id="recaudo.payments.W001",
            )
        )
    if kind == "sandbox" and not _public_url_is_local():
        messages.append(
            Warning(
                gettext(
                    "RECAUDO_PAYMENT_PROVIDER=sandbox on a public address: its test cards "
                    "record payments nobody made."
                ),
                hint=gettext("Choose stripe or mercadopago for real customers."),
                id="recaudo.payments.W002",
            )
        )
    elif kind != "sandbox" and _public_url_is_local():
        messages.append(
            Warning(
                gettext(
                    "RECAUDO_PAYMENT_PROVIDER=%(kind)s notifies payments to "
                    "RECAUDO_PUBLIC_URL=%(url)s, which the provider cannot reach."
                )
                % {"kind": kind, "url": settings.RECAUDO_PUBLIC_URL},
                hint=gettext("Set RECAUDO_PUBLIC_URL to this server's public https address."),
                id="recaudo.payments.W003",
            )
        )
    return messages
