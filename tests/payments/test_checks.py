"""The system check names what the chosen payment provider still needs."""

from typing import Any

from recaudo.payments.checks import check_payment_provider


def ids(settings: Any) -> list[str]:
    return [message.id or "" for message in check_payment_provider()]


def test_the_sandbox_on_loopback_needs_nothing(settings: Any) -> None:
    settings.RECAUDO_PAYMENT_PROVIDER = "sandbox"
    settings.RECAUDO_PUBLIC_URL = "http://127.0.0.1:8000"

    assert ids(settings) == []


def test_the_sandbox_on_a_public_address_is_a_warning(settings: Any) -> None:
    settings.RECAUDO_PAYMENT_PROVIDER = "sandbox"
    settings.RECAUDO_PUBLIC_URL = "https://pagos.example.co"

    assert ids(settings) == ["recaudo.payments.W002"]


def test_stripe_without_keys_names_them(settings: Any) -> None:
    settings.RECAUDO_PAYMENT_PROVIDER = "stripe"
    settings.RECAUDO_PUBLIC_URL = "https://pagos.example.co"
    settings.STRIPE = {"secret_key": "sk_live_x", "webhook_secret": "", "api_base": ""}

    [message] = check_payment_provider()

    assert message.id == "recaudo.payments.W001"
    assert "STRIPE_WEBHOOK_SECRET" in message.msg
    assert "STRIPE_SECRET_KEY" not in message.msg


def test_mercadopago_on_loopback_cannot_be_notified(settings: Any) -> None:
    settings.RECAUDO_PAYMENT_PROVIDER = "mercadopago"
    settings.RECAUDO_PUBLIC_URL = "http://localhost:8000"
    settings.MERCADOPAGO = {"access_token": "t", "webhook_secret": "s", "api_base": ""}

    assert ids(settings) == ["recaudo.payments.W003"]


def test_an_unknown_provider_is_an_error(settings: Any) -> None:
    settings.RECAUDO_PAYMENT_PROVIDER = "paypal"

    assert ids(settings) == ["recaudo.payments.E001"]
