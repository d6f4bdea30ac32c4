import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import override_settings

from recaudo.selfservice.links import (
    SELF_SERVICE_LINK_MAX_AGE,
    make_self_service_token,
    read_self_service_token,
    self_service_link,
)
from recaudo.strategies.links import make_payment_token


def test_round_trip_and_link_shape() -> None:
    with override_settings(RECAUDO_PUBLIC_URL="https://pagos.example.co/"):
        link = self_service_link(12345)
    assert link.startswith("https://pagos.example.co/s/")
    token = link.rsplit("/", 1)[1]
    assert read_self_service_token(token) == 12345
    # Short enough for an SMS.
    assert len(link) < 70


def test_tampered_token_is_refused() -> None:
    token = make_self_service_token(7)
    _value, timestamp, signature = token.split(".")
    forged = ".".join([signing.b62_encode(8), timestamp, signature])
    with pytest.raises(signing.BadSignature):
        read_self_service_token(forged)
    with pytest.raises(signing.BadSignature):
        read_self_service_token(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_payment_token_is_not_a_self_service_token() -> None:
    with pytest.raises(signing.BadSignature):
        read_self_service_token(make_payment_token(7))


def test_expires() -> None:
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        token = make_self_service_token(7)
    later = (
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + SELF_SERVICE_LINK_MAX_AGE + dt.timedelta(seconds=5)
    )
    with time_machine.travel(later, tick=False):
        with pytest.raises(signing.SignatureExpired):
            read_self_service_token(token)
        assert read_self_service_token(token, max_age=None) == 7


@pytest.mark.django_db
def test_template_variable() -> None:
    from recaudo.strategies.templating import VARIABLES, build_context
    from tests.factories import make_customer

    customer = make_customer()
    assert "self_service_link" in VARIABLES
    context = build_context(
        creditor=customer.creditor, customer=customer, account=None, channel="sms"
    )
    token = context["self_service_link"].rsplit("/s/", 1)[1]
    assert read_self_service_token(token) == customer.pk
