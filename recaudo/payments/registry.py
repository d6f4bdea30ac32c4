"""Payment providers by kind, and the one this installation uses (``RECAUDO_PAYMENT_PROVIDER``).

One provider per installation for now; per creditor later.
"""

from functools import cache
from importlib import import_module

from django.conf import settings

from recaudo.payments.base import PaymentProvider

# kind -> "module:Class", imported only when used so an unused SDK costs nothing.
PROVIDERS: dict[str, str] = {
    "sandbox": "recaudo.payments.providers.sandbox:SandboxProvider",
    "stripe": "recaudo.payments.providers.stripe:StripeProvider",
    "mercadopago": "recaudo.payments.providers.mercadopago:MercadoPagoProvider",
}

DEFAULT_PROVIDER = "sandbox"


class UnknownPaymentProvider(LookupError):
    pass


def provider_class(kind: str) -> type[PaymentProvider]:
    try:
        module_name, class_name = PROVIDERS[kind].split(":")
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise UnknownPaymentProvider(
            f"unknown payment provider {kind!r}; known providers: {known}"
        ) from None
    found: type[PaymentProvider] = getattr(import_module(module_name), class_name)
    return found


@cache
def get_provider(kind: str) -> PaymentProvider:
    return provider_class(kind)()


def default_kind() -> str:
    return str(getattr(settings, "RECAUDO_PAYMENT_PROVIDER", "") or DEFAULT_PROVIDER)
