"""The policy's inputs read from the database (recaudo.policy.context)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from recaudo.channels.models import Message
from recaudo.customers.models import Consent, ContactPoint, Customer
from recaudo.debts.models import Account, Hold, Promise
from recaudo.policy.context import (
    contact_request_for_message,
    contact_requests_for_messages,
    load_policy_inputs,
)
from recaudo.policy.decide import decide
from recaudo.policy.types import INBOUND, OUTBOUND, Interaction
from tests.factories import make_account, make_contact_point, make_creditor, make_customer

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Bogotá


def make_message(customer: Customer, **fields: Any) -> Message:
    defaults: dict[str, Any] = {
        "creditor": customer.creditor,
        "customer": customer,
        "direction": OUTBOUND,
        "channel": "sms",
        "address": "+573001234567",
        "status": "sent",
        "sent_at": AT - dt.timedelta(hours=3),
    }
    return Message.objects.create(**(defaults | fields))


def consent(point: ContactPoint, channel: str, granted: bool, days_ago: int) -> Consent:
    return Consent.objects.create(
        contact_point=point,
        channel=channel,
        granted=granted,
        source="test",
        at=AT - dt.timedelta(days=days_ago),
    )


def hold(customer: Customer, kind: str, account: Account | None = None, **fields: Any) -> Hold:
    return Hold.objects.create(
        customer=customer,
        account=account,
        kind=kind,
        started_at=AT - dt.timedelta(days=1),
        actor="agent",
        **fields,
    )


@pytest.mark.parametrize(
    ("country", "region", "timezone", "jurisdiction"),
    [
        ("CO", "", "America/Bogota", "CO"),
        ("BR", "SP", "America/Sao_Paulo", "BR-SP"),
        ("BR", "RJ", "America/Sao_Paulo", "BR-RJ"),
        ("BR", "", "America/Sao_Paulo", "BR-RJ"),
        ("BR", "MG", "America/Sao_Paulo", "BR-RJ"),
        ("US", "MA", "America/New_York", "US-MA"),
        ("US", "NY", "America/New_York", "US"),
        ("ES", "", "Europe/Madrid", "ES"),
    ],
)
def test_jurisdiction_from_country_and_region(
    country: str, region: str, timezone: str, jurisdiction: str
) -> None:
    customer = make_customer(country=country, region=region, timezone=timezone)
    assert load_policy_inputs([customer.pk], at=AT)[customer.pk].jurisdiction == jurisdiction


def test_candidate_zones_from_the_phones_area_codes() -> None:
    customer = make_customer(country="US", region="NY", timezone="America/New_York")
    make_contact_point(customer, value="+13105551234")  # Los Angeles
    make_contact_point(customer, value="+12125551234")  # New York again
    make_contact_point(customer, value="+19999999999")  # unknown area: Etc/Unknown, ignored
    make_contact_point(customer, value="+14155551234", role="guarantor")  # the guarantor's
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    debtor = inputs.request(channel="voice", at=AT)
    assert debtor.timezones == ("America/New_York", "America/Los_Angeles")
    guarantor = inputs.request(channel="voice", at=AT, recipient_role="guarantor")
    assert guarantor.timezones == ("America/New_York", "America/Los_Angeles")
    assert inputs.request(channel="voice", at=AT, recipient_role="co_debtor").timezones == (
        "America/New_York",
    )


def test_no_consent_rows_at_all_means_none() -> None:
    customer = make_customer()
    make_contact_point(customer)
    request = load_policy_inputs([customer.pk], at=AT)[customer.pk].request(channel="sms", at=AT)
    assert request.authorised_channels is None
    assert request.opted_out_channels == ()
    assert decide(request).rule == "CO.authorised_channels"


def test_the_newest_consent_per_contact_point_and_channel_is_in_force() -> None:
    customer = make_customer()
    phone = make_contact_point(customer)
    email = make_contact_point(customer, medium="email", value="maria@example.com")
    consent(phone, "sms", True, days_ago=30)
    consent(phone, "whatsapp", True, days_ago=30)
    consent(phone, "whatsapp", False, days_ago=2)
    consent(email, "email", True, days_ago=30)
    Consent.objects.create(
        contact_point=phone, channel="voice", purpose="marketing", granted=True, source="t", at=AT
    )
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    assert inputs.authorised_channels == ("email", "sms")
    assert inputs.opted_out_channels == ("whatsapp",)
    on_phone = inputs.request(channel="sms", at=AT, contact_point=phone)
    assert on_phone.authorised_channels == ("sms",)
    assert decide(on_phone).allowed
    assert decide(inputs.request(channel="whatsapp", at=AT)).rule == "CO.opt_out"


def test_an_opted_out_contact_point_opts_out_every_channel_of_its_medium() -> None:
    customer = make_customer(country="MX", timezone="America/Mexico_City")
    make_contact_point(customer, status="opted_out")
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    assert inputs.opted_out_channels == ("rcs", "sms", "voice", "whatsapp")


def test_holds_and_legal_statuses() -> None:
    customer = make_customer()
    disputed = make_account(customer, status="dispute")
    sued = make_account(customer, status="legal")
    quiet = make_account(customer)
    with_hold = make_account(customer)
    hold(customer, "insolvency", account=with_hold)
    hold(customer, "deceased", released_at=AT - dt.timedelta(hours=1))  # released: ignored
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    assert inputs.request(channel="sms", at=AT, account=disputed).holds == ("dispute",)
    assert inputs.request(channel="sms", at=AT, account=sued.pk).holds == ("lawsuit_served",)
    assert inputs.request(channel="sms", at=AT, account=with_hold).holds == ("insolvency",)
    assert inputs.request(channel="sms", at=AT, account=quiet).holds == ()
    hold(customer, "attorney")
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    assert inputs.request(channel="sms", at=AT, account=quiet).holds == ("attorney",)
    assert inputs.request(channel="sms", at=AT).holds == ("attorney",)


def test_history_from_the_message_log() -> None:
    customer = make_customer()
    account = make_account(customer, external_id="DEBT-1")
    make_message(customer, account=account, channel="voice", connected=False)
    inbound = make_message(
        customer,
        direction=INBOUND,
        status="received",
        sent_at=None,
        conversation=True,
        channel="whatsapp",
    )
    # Inbound rows are dated by when they were recorded.
    Message.objects.filter(pk=inbound.pk).update(created_at=AT - dt.timedelta(hours=1))
    make_message(customer, status="queued", sent_at=None)  # not an attempt
    make_message(customer, status="failed")  # not an attempt
    make_message(customer, status="delivered", sent_at=AT - dt.timedelta(days=40))  # too old
    make_message(customer, status="read", recipient_role="guarantor")
    # Another worker is sending it now; a call that never connected; our answer to the customer.
    make_message(
        customer,
        status="sending",
        sent_at=None,
        send_after=AT - dt.timedelta(minutes=1),
        channel="email",
    )
    make_message(customer, status="failed", channel="rcs", connected=False)
    make_message(customer, channel="push", initiated_by_customer=True)
    history = load_policy_inputs([customer.pk], at=AT)[customer.pk].history
    plain = sorted(
        (
            Interaction(**{f: getattr(e, f) for f in Interaction.__dataclass_fields__})
            for e in history
        ),
        key=lambda event: (event.direction, event.channel, event.recipient_role),
    )
    assert [(e.direction, e.channel, e.recipient_role, e.debt_id) for e in plain] == [
        ("inbound", "whatsapp", "debtor", None),
        ("outbound", "email", "debtor", None),
        ("outbound", "push", "debtor", None),
        ("outbound", "rcs", "debtor", None),
        ("outbound", "sms", "guarantor", None),
        ("outbound", "voice", "debtor", "DEBT-1"),
    ]
    assert not plain[5].connected and not plain[3].connected
    assert plain[0].conversation
    assert [e.initiated_by_customer for e in plain] == [False, False, True, False, False, False]


def test_an_active_promise_pauses_dunning_until_the_end_of_its_day() -> None:
    customer = make_customer()
    promising = make_account(customer, status="promise")
    Promise.objects.create(
        account=promising,
        amount=Decimal("1000"),
        promised_date=dt.date(2026, 3, 12),
        actor="customer",
    )
    inputs = load_policy_inputs([customer.pk], at=AT)[customer.pk]
    request = inputs.request(channel="sms", at=AT, account=promising)
    assert request.paused_until == dt.datetime(2026, 3, 13, 5, 0, tzinfo=dt.UTC)
    later = load_policy_inputs([customer.pk], at=AT + dt.timedelta(days=5))[customer.pk]
    assert later.request(channel="sms", at=AT, account=promising).paused_until is None


@pytest.mark.parametrize(
    ("fields", "settled"),
    [
        ({"status": "paid"}, True),
        ({"status": "written_off"}, True),
        ({"balance": Decimal("0")}, True),
        ({}, False),
    ],
)
def test_settled_accounts(fields: dict[str, Any], settled: bool) -> None:
    account = make_account(**fields)
    inputs = load_policy_inputs([account.customer_id], at=AT)[account.customer_id]
    assert inputs.request(channel="sms", at=AT, account=account).debt_settled is settled


def test_creditor_limits_and_customer_preferences() -> None:
    creditor = make_creditor(
        contact_limits={
            "max_per_day": 1,
            "hours_start": "09:00",
            "allow_sundays_and_holidays": False,
        }
    )
    customer = make_customer(
        creditor,
        preferred_channels=["whatsapp"],
        preferred_hours_start=dt.time(18),
        preferred_hours_end=dt.time(20),
    )
    request = load_policy_inputs([customer.pk], at=AT)[customer.pk].request(channel="sms", at=AT)
    assert request.creditor_limits.max_per_day == 1
    assert request.creditor_limits.hours_start == dt.time(9)
    assert not request.creditor_limits.allow_sundays_and_holidays
    assert request.preferred_channels == ("whatsapp",)
    assert request.preferred_hours == (dt.time(18), dt.time(20))


def populate(count: int) -> list[int]:
    creditor = make_creditor()
    ids = []
    for _ in range(count):
        customer = make_customer(creditor)
        point = make_contact_point(customer)
        consent(point, "sms", True, days_ago=5)
        account = make_account(customer, status="promise")
        Promise.objects.create(
            account=account, amount=Decimal("1"), promised_date=dt.date(2026, 3, 20), actor="agent"
        )
        hold(customer, "attorney", account=account)
        make_message(customer, account=account)
        ids.append(customer.pk)
    return ids


def test_a_constant_number_of_queries(django_assert_num_queries: Any) -> None:
    few = populate(2)
    with django_assert_num_queries(7):
        load_policy_inputs(few, at=AT)
    many = populate(6)
    with django_assert_num_queries(7):
        inputs = load_policy_inputs(many, at=AT)
    assert len(inputs) == 6


def test_chunks_of_customers(django_assert_num_queries: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("recaudo.policy.context.CHUNK", 2)
    ids = populate(3)
    with django_assert_num_queries(14):
        assert len(load_policy_inputs(ids, at=AT)) == 3


def test_the_request_for_a_queued_message_leaves_the_message_itself_out() -> None:
    customer = make_customer()
    point = make_contact_point(customer)
    consent(point, "sms", True, days_ago=5)
    account = make_account(customer)
    queued = make_message(customer, account=account, contact_point=point, status="sending")
    Message.objects.filter(pk=queued.pk).update(status="sent")  # e.g. a retried send
    queued.refresh_from_db()
    request = contact_request_for_message(queued, at=AT)
    assert request.history == ()
    assert request.debt_id == account.external_id
    assert decide(request).allowed
    make_message(customer, account=account, contact_point=point)
    assert decide(contact_request_for_message(queued, at=AT)).rule == "CO.one_per_day"


def test_the_opt_out_confirmation_is_a_transactional_answer() -> None:
    customer = make_customer()
    point = make_contact_point(customer)
    consent(point, "sms", False, days_ago=0)
    confirmation = make_message(
        customer,
        contact_point=point,
        status="queued",
        sent_at=None,
        initiated_by_customer=True,
        payload={"purpose": "transactional"},
    )
    request = contact_request_for_message(confirmation, at=AT)
    assert request.purpose == "transactional"
    assert decide(request).allowed
    dunning = make_message(customer, contact_point=point, status="queued", sent_at=None)
    assert decide(contact_request_for_message(dunning, at=AT)).rule == "CO.opt_out"


def test_a_whole_batch_in_seven_queries(django_assert_num_queries: Any) -> None:
    customers = [make_customer() for _ in range(3)]
    messages = [make_message(customer, status="queued", sent_at=None) for customer in customers] + [
        make_message(customers[0], status="queued", sent_at=None, channel="email")
    ]
    with django_assert_num_queries(7):
        requests = contact_requests_for_messages(messages, at=AT)
    assert set(requests) == {message.pk for message in messages}
    assert requests[messages[-1].pk].channel == "email"
