"""Contact preferences and opt-out, recorded as append-only consent rows."""

import datetime as dt

import pytest

from recaudo.customers.actions import opt_out, update_preferences
from recaudo.customers.models import Consent
from recaudo.customers.queries import accepted_channels, consent_in_force
from tests.factories import make_contact_point, make_customer

pytestmark = pytest.mark.django_db

ASKED = ("whatsapp", "sms", "email", "voice")


def test_preferences_set_the_preferred_channel_and_hours_and_write_no_consent_unchanged():
    customer = make_customer()
    make_contact_point(customer, medium="phone")
    make_contact_point(customer, medium="email", value="ana@correo.example")

    for _ in range(2):
        changed = update_preferences(
            customer,
            accepted_channels=["email", "whatsapp", "sms", "voice"],
            preferred_channel="whatsapp",
            hours_start=dt.time(9, 0),
            hours_end=dt.time(12, 0),
            asked=ASKED,
            source="self-service",
        )
        assert changed == []

    customer.refresh_from_db()
    assert customer.preferred_channels[:2] == ["whatsapp", "email"]
    assert (customer.preferred_hours_start, customer.preferred_hours_end) == (
        dt.time(9, 0),
        dt.time(12, 0),
    )
    assert not Consent.objects.exists()  # nothing was refused before, nothing changed


def test_changing_only_the_hours_does_not_undo_an_sms_opt_out():
    customer = make_customer()
    opted_out = make_contact_point(customer, medium="phone")
    other = make_contact_point(customer, medium="phone")
    opt_out(customer, channel="sms", source="sms-stop")
    # The other phone is granted again later (e.g. a new consent form): SMS shows as accepted.
    Consent.objects.create(
        contact_point=other,
        channel="sms",
        purpose="collections",
        granted=True,
        source="form",
        at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert "sms" in accepted_channels(customer, ASKED)
    update_preferences(
        customer,
        accepted_channels=accepted_channels(customer, ASKED),
        hours_start=dt.time(14),
        hours_end=dt.time(18),
        asked=ASKED,
        source="self-service",
    )
    assert consent_in_force(opted_out, "sms") is False
    assert not Consent.objects.filter(source="self-service").exists()


def test_ticking_a_refused_channel_again_grants_it_and_unticking_withdraws_it():
    customer = make_customer()
    phone = make_contact_point(customer, medium="phone")
    opt_out(customer, channel="sms", source="sms-stop")
    assert update_preferences(
        customer,
        accepted_channels=["sms", "whatsapp"],
        preferred_channel="sms",
        hours_start=None,
        hours_end=None,
        asked=["sms", "whatsapp", "voice"],
        source="self-service",
    ) == ["sms", "voice"]
    assert consent_in_force(phone, "sms") is True
    assert consent_in_force(phone, "voice") is False
    assert consent_in_force(phone, "whatsapp") is None  # unchanged: nothing written
    customer.refresh_from_db()
    assert customer.preferred_channels[0] == "sms"


def test_preferred_hours_can_be_cleared():
    customer = make_customer(preferred_hours_start=dt.time(8), preferred_hours_end=dt.time(12))
    update_preferences(customer, accepted_channels=[], hours_start=None, hours_end=None, source="x")
    customer.refresh_from_db()
    assert customer.preferred_hours_start is None and customer.preferred_hours_end is None


def test_preferences_refuse_nonsense():
    customer = make_customer()
    with pytest.raises(ValueError):
        update_preferences(
            customer, accepted_channels=["pigeon"], hours_start=None, hours_end=None, source="x"
        )
    with pytest.raises(ValueError):
        update_preferences(
            customer,
            accepted_channels=["sms"],
            hours_start=dt.time(12),
            hours_end=dt.time(9),
            source="x",
        )
    with pytest.raises(ValueError):
        update_preferences(
            customer,
            accepted_channels=["sms"],
            preferred_channel="email",
            hours_start=None,
            hours_end=None,
            source="x",
        )


def test_opt_out_withdraws_the_channel_on_every_contact_point_once() -> None:
    customer = make_customer(preferred_channels=["sms", "email"])
    first = make_contact_point(customer, medium="phone")
    second = make_contact_point(customer, medium="phone")
    make_contact_point(customer, medium="email", value="ana@correo.example")

    assert opt_out(customer, channel="sms", source="assistant") == 2
    assert opt_out(customer, channel="sms", source="assistant") == 0

    assert consent_in_force(first, "sms") is False
    assert consent_in_force(second, "sms") is False
    customer.refresh_from_db()
    assert customer.preferred_channels == ["email"]
