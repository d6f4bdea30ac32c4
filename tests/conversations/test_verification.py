import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from recaudo.channels.models import Message
from recaudo.conversations import verification
from recaudo.conversations.models import Verification, VerificationAttempt
from recaudo.conversations.verification import CodeRefusal, Outcome
from recaudo.customers.models import Consent
from tests.conversations.dialogue import DOCUMENT, NOW, holder
from tests.factories import make_contact_point, make_creditor, make_customer
from tests.selfservice.helpers import make_verifiable_customer, open_link

pytestmark = pytest.mark.django_db


def test_document_suffix_and_birth_year_verify():
    customer = holder()
    result = verification.check_identity(
        customer, document_digits="8912", birth_year="1985", now=NOW
    )
    assert result == verification.VerificationResult(Outcome.VERIFIED, 3)
    full = verification.check_identity(
        customer, document_digits="1.045.678.912", birth_year="1985", now=NOW
    )
    assert full.outcome == Outcome.VERIFIED


def test_three_wrong_answers_lock_for_thirty_minutes_then_reset():
    customer = holder()
    first = verification.check_identity(
        customer, document_digits="8912", birth_year="1990", now=NOW
    )
    second = verification.check_identity(
        customer, document_digits="1111", birth_year="1985", now=NOW
    )
    assert (first.outcome, first.attempts_left) == (Outcome.WRONG, 2)
    assert (second.outcome, second.attempts_left) == (Outcome.WRONG, 1)
    third = verification.check_identity(customer, document_digits="891", birth_year="1985", now=NOW)
    assert third.outcome == Outcome.LOCKED
    assert third.locked_until == NOW + dt.timedelta(minutes=30)
    # Even the right answer is refused while locked, on every channel.
    locked = verification.check_identity(
        customer, document_digits="8912", birth_year="1985", now=NOW + dt.timedelta(minutes=29)
    )
    assert locked.outcome == Outcome.LOCKED
    later = verification.check_identity(
        customer, document_digits="8912", birth_year="1985", now=NOW + dt.timedelta(minutes=31)
    )
    assert later.outcome == Outcome.VERIFIED


def test_verified_resets_the_failures():
    customer = holder()
    verification.check_identity(customer, document_digits="0000", birth_year="1985", now=NOW)
    verification.check_identity(customer, document_digits="8912", birth_year="1985", now=NOW)
    assert Verification.objects.get(customer=customer).failures == 0


def test_no_birth_date_is_a_wrong_answer_like_any_other():
    # Finding 1d: UNAVAILABLE told the asker that the document was a customer's.
    customer = holder(birth_date=None)
    result = verification.check_identity(
        customer, document_digits="8912", birth_year="1985", now=NOW
    )
    assert (result.outcome, result.attempts_left) == (Outcome.WRONG, 2)
    assert Verification.objects.get(customer=customer).failures == 1


def test_find_customer_by_document_is_exact_and_per_creditor():
    customer = holder()
    assert verification.find_customer_by_document(customer.creditor, "1.045.678.912") == customer
    assert verification.find_customer_by_document(customer.creditor, "045678912") is None
    assert verification.find_customer_by_document(make_creditor(), "1045678912") is None


def test_code_destinations_and_masks():
    customer = holder()
    make_contact_point(customer, medium="phone", value="+5716012345", role="debtor")  # landline
    make_contact_point(customer, medium="phone", value="+573001119999", role="reference")
    make_contact_point(customer, medium="email", value="old@correo.com", status="invalid")
    destinations = verification.code_destinations(customer)
    assert [point.medium for point in destinations] == ["email", "phone"]
    email, phone = destinations
    assert verification.mask(email) == "m***@correo.com"
    assert verification.mask(phone) == f"+57 *** *** {phone.value[-4:]}"


def _code_sent(customer) -> str:  # type: ignore[no-untyped-def]
    message = Message.objects.filter(customer=customer).latest("id")
    # A reply to the customer: the policy's hours and opt-outs apply, caps do not.
    assert message.payload == {"purpose": "reply"}
    assert message.initiated_by_customer
    return re.search(r"\b\d{6}\b", message.body).group()  # type: ignore[union-attr]


def test_code_is_sent_hashed_and_expires():
    customer = holder()
    phone = customer.contact_points.get(medium="phone")
    assert verification.send_code(customer, contact_point=phone, now=NOW)
    code = _code_sent(customer)
    assert len(code) == 6
    stored = Verification.objects.get(customer=customer)
    assert code not in stored.code_hash and stored.code_contact_point == phone
    message = Message.objects.get(customer=customer)
    assert message.channel == "sms" and "10 minutos" in message.body
    later = NOW + dt.timedelta(minutes=11)
    late = verification.check_code(customer, code=code, now=later)
    assert late.outcome == Outcome.UNAVAILABLE
    assert verification.send_code(customer, contact_point=phone, now=later)
    code = _code_sent(customer)
    assert verification.check_code(customer, code=code, now=later).outcome == Outcome.VERIFIED
    # Used once.
    assert verification.check_code(customer, code=code, now=later).outcome == Outcome.UNAVAILABLE


def test_wrong_codes_count_towards_the_lock():
    customer = holder()
    email = customer.contact_points.get(medium="email")
    assert verification.send_code(customer, contact_point=email, now=NOW)
    assert Message.objects.get(customer=customer).channel == "email"
    verification.check_identity(customer, document_digits="0000", birth_year="1985", now=NOW)
    verification.check_code(customer, code="000000", now=NOW)
    result = verification.check_code(customer, code="000001", now=NOW)
    assert result.outcome == Outcome.LOCKED
    assert not verification.send_code(customer, contact_point=email, now=NOW)


def test_code_only_to_the_customers_own_contact_points():
    customer = holder()
    other = make_contact_point(make_customer(customer.creditor), medium="phone")
    assert not verification.send_code(customer, contact_point=other, now=NOW)
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_answers_all_count():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    customer = holder()
    barrier = threading.Barrier(3)
    results = []

    def attempt() -> None:
        try:
            barrier.wait()
            results.append(
                verification.check_identity(
                    customer, document_digits="0000", birth_year="1900", now=NOW
                ).outcome
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [Outcome.LOCKED, Outcome.WRONG, Outcome.WRONG]
    assert Verification.objects.get(customer=customer).locked_until is not None


# --- unknown documents (finding 1) ------------------------------------------------------------


def test_unknown_document_is_counted_and_locked_like_a_known_one():
    customer = holder()
    creditor = customer.creditor
    known = [
        verification.check_document(creditor, document=DOCUMENT, birth_year="1970", now=NOW)
        for _attempt in range(4)
    ]
    unknown = [
        verification.check_document(creditor, document="99.999.999", birth_year="1970", now=NOW)
        for _attempt in range(4)
    ]
    assert [result for _who, result in known] == [result for _who, result in unknown]
    assert [result.outcome for _who, result in unknown] == [
        Outcome.WRONG,
        Outcome.WRONG,
        Outcome.LOCKED,
        Outcome.LOCKED,
    ]
    assert known[0][0] == customer and unknown[0][0] is None
    # Never the number itself: an HMAC per creditor.
    attempt = VerificationAttempt.objects.get()
    assert "99999999" not in attempt.key_hash and attempt.locked_until is not None
    assert attempt.key_hash == verification.document_key(creditor, "99999999")
    assert attempt.key_hash != verification.document_key(make_creditor(), "99999999")


def test_failures_are_forgotten_after_thirty_minutes():
    customer = holder()
    creditor = customer.creditor
    for document in (DOCUMENT, "99999999"):
        first = verification.check_document(
            creditor, document=document, birth_year="1970", now=NOW
        )[1]
        second = verification.check_document(
            creditor, document=document, birth_year="1970", now=NOW + dt.timedelta(minutes=5)
        )[1]
        fresh = verification.check_document(
            creditor, document=document, birth_year="1970", now=NOW + dt.timedelta(minutes=36)
        )[1]
        assert [first.attempts_left, second.attempts_left, fresh.attempts_left] == [2, 1, 2]


def test_a_missing_code_can_count_as_a_wrong_one():
    customer = holder()
    result = verification.check_code(customer, code="123456", now=NOW, missing_is_wrong=True)
    assert (result.outcome, result.attempts_left) == (Outcome.WRONG, 2)


# --- codes: limits and the contact policy (finding 2) --------------------------------------


def test_codes_are_limited_to_one_a_minute_and_five_an_hour_per_customer():
    customer = holder()
    phone = customer.contact_points.get(medium="phone")
    assert verification.send_code(customer, contact_point=phone, now=NOW)
    again = verification.send_code(
        customer, contact_point=phone, now=NOW + dt.timedelta(seconds=30)
    )
    assert not again and again.refusal == CodeRefusal.TOO_SOON
    assert again.expires_at == NOW + dt.timedelta(minutes=10)
    assert again.retry_at == NOW + dt.timedelta(minutes=1)
    for minute in range(1, 5):
        assert verification.send_code_to_preferred(
            customer, now=NOW + dt.timedelta(minutes=2 * minute)
        )
    sixth = verification.send_code(
        customer, contact_point=phone, now=NOW + dt.timedelta(minutes=20)
    )
    assert not sixth and sixth.refusal == CodeRefusal.TOO_MANY
    assert sixth.retry_at == NOW + dt.timedelta(hours=1)
    assert Message.objects.filter(customer=customer).count() == 5
    assert verification.send_code(customer, contact_point=phone, now=NOW + dt.timedelta(hours=1))


def test_code_respects_an_opt_out_and_goes_to_a_channel_still_allowed():
    customer = holder()
    phone = customer.contact_points.get(medium="phone")
    Consent.objects.create(
        contact_point=phone,
        channel="sms",
        granted=False,
        source="test",
        at=NOW - dt.timedelta(days=1),
    )
    refused = verification.send_code(customer, contact_point=phone, now=NOW)
    assert not refused and refused.refusal == CodeRefusal.POLICY
    assert not Message.objects.exists()
    sent = verification.send_code_to_preferred(customer, now=NOW)
    assert sent and sent.contact_point is not None and sent.contact_point.medium == "email"
    assert Message.objects.get().channel == "email"


def test_code_follows_the_policys_days_and_hours():
    customer = holder()
    phone = customer.contact_points.get(medium="phone")
    sunday = dt.datetime(2026, 3, 8, 15, 0, tzinfo=dt.UTC)
    night = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)  # 23:00 in Bogotá
    for moment in (sunday, night):
        refused = verification.send_code(customer, contact_point=phone, now=moment)
        assert not refused and refused.refusal == CodeRefusal.POLICY
    assert not Message.objects.exists()
    # Refusals are not counted against the customer's limits.
    assert verification.send_code(customer, contact_point=phone, now=NOW)


def test_self_service_page_codes_are_limited_per_customer_not_per_session():
    with time_machine.travel(NOW, tick=False):
        customer = make_verifiable_customer()
        phone = customer.contact_points.get(medium="phone")
        for _session in range(3):
            client = Client()
            open_link(client, customer)
            client.post("/portal/verify/", {"action": "send_code", "destination": phone.pk})
    assert Message.objects.filter(customer=customer).count() == 1
