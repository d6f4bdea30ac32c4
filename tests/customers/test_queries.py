"""The shared reads on contact points and consent (finding F)."""

import datetime as dt

import pytest

from recaudo.customers.models import Consent
from recaudo.customers.queries import (
    accepted_channels,
    consent_in_force,
    email_on_file,
    reachable_contact_point,
)
from recaudo.lib.masking import mask_address, mask_email, mask_tail
from tests.factories import make_contact_point, make_customer

pytestmark = pytest.mark.django_db


def _consent(point, channel, granted, at, purpose="collections"):
    return Consent.objects.create(
        contact_point=point,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source="t",
        at=dt.datetime(2026, 1, at, tzinfo=dt.UTC),
    )


def test_the_newest_collections_consent_is_in_force():
    customer = make_customer()
    phone = make_contact_point(customer)
    assert consent_in_force(phone, "sms") is None
    _consent(phone, "sms", True, 1)
    _consent(phone, "sms", False, 2)
    _consent(phone, "sms", True, 3, purpose="marketing")
    assert consent_in_force(phone, "sms") is False


def test_reachable_contact_point_skips_withdrawn_ones_and_prefers_verified():
    customer = make_customer()
    withdrawn = make_contact_point(customer, verified=True)
    plain = make_contact_point(customer)
    verified = make_contact_point(customer, verified=True)
    make_contact_point(customer, role="reference")
    _consent(withdrawn, "sms", False, 1)
    assert reachable_contact_point(customer, "sms") == verified
    _consent(verified, "sms", False, 1)
    assert reachable_contact_point(customer, "sms") == plain
    assert accepted_channels(customer, ["sms", "email"]) == ["sms"]


def test_email_on_file_is_the_customers_own_newest_verified_address():
    customer = make_customer()
    assert email_on_file(customer) is None
    make_contact_point(customer, medium="email", value="old@correo.example")
    verified = make_contact_point(customer, medium="email", value="v@correo.example", verified=True)
    make_contact_point(customer, medium="email", value="new@correo.example")
    make_contact_point(customer, medium="email", value="ref@correo.example", role="reference")
    assert email_on_file(customer) == verified


def test_masking():
    assert mask_tail("0012345678") == "•••• 5678"
    assert mask_tail("123") == "•••"
    assert mask_email("maria.perez@correo.com") == "m***@correo.com"
    assert mask_email("nonsense") == "***"
    assert mask_address("+573001234567", country_code=57) == "+57 *** *** 4567"
    assert mask_address("+573001234567") == "+57 *** *** 4567"
    assert mask_address("3001234567") == "*** *** 4567"
    assert mask_address("ana@correo.com") == "a***@correo.com"
