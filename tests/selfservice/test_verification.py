import datetime as dt

import pytest
import time_machine
from django.test import Client

from recaudo.channels.models import Message
from recaudo.debts.models import Account
from recaudo.selfservice.links import make_self_service_token
from recaudo.strategies.links import make_payment_token
from tests.factories import make_creditor
from tests.selfservice.helpers import (
    DOCUMENT,
    last_code,
    make_overdue_account,
    make_verifiable_customer,
    open_link,
    verified_client,
    verify_with_identity,
)

pytestmark = pytest.mark.django_db

# A Tuesday, 10:00 in Bogotá: codes follow the contact policy (no Sunday contact in Colombia).
NOW = dt.datetime(2026, 2, 3, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_link_then_identity_shows_the_accounts() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = Client()
    open_link(client, customer)
    page = client.get("/portal/verify/")
    assert page.status_code == 200
    # Nothing about the debt, nor the customer's name or document, before verification.
    text = page.content.decode()
    assert "1.200.000" not in text and "María" not in text and DOCUMENT not in text
    assert "+57 *** *** 4567" in text and "m***@correo.com" in text
    response = verify_with_identity(client, customer)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "1.200.000" in home.content.decode()


def test_three_wrong_answers_lock_for_thirty_minutes() -> None:
    customer = make_verifiable_customer()
    client = Client()
    open_link(client, customer)
    first = verify_with_identity(client, customer, year="1990")
    assert first.status_code == 200
    assert "2 intentos" in first.content.decode()
    verify_with_identity(client, customer, year="1991")
    locked = verify_with_identity(client, customer, year="1992")
    assert locked.status_code == 429
    # 15:00 UTC + 30 minutes, shown in the customer's time (Bogotá, UTC-5).
    assert "10:30" in locked.content.decode()
    # Even the right answer is refused while locked, and the page keeps saying so.
    still = verify_with_identity(client, customer)
    assert still.status_code == 429
    assert client.get("/portal/").status_code == 302
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        assert verify_with_identity(client, customer).status_code == 302


def test_code_path() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = Client()
    open_link(client, customer)
    phone = customer.contact_points.get(medium="phone")
    sent = client.post("/portal/verify/", {"action": "send_code", "destination": phone.pk})
    assert sent.status_code == 302
    page = client.get("/portal/verify/")
    assert "+57 *** *** 4567" in page.content.decode()
    assert 'name="code"' in page.content.decode()
    code = last_code(customer)
    wrong = client.post(
        "/portal/verify/", {"action": "code", "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    response = client.post("/portal/verify/", {"action": "code", "code": code})
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_code_to_someone_elses_contact_point_is_refused() -> None:
    customer = make_verifiable_customer()
    other = make_verifiable_customer(creditor=customer.creditor)
    client = Client()
    open_link(client, customer)
    foreign = other.contact_points.get(medium="phone")
    client.post("/portal/verify/", {"action": "send_code", "destination": foreign.pk})
    assert not Message.objects.filter(contact_point=foreign).exists()


def test_payment_link_goes_to_the_pay_page_after_verification() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = Client()
    response = client.get(f"/p/{make_payment_token(account.pk)}")
    assert response["Location"] == "/portal/verify/"
    response = verify_with_identity(client, customer)
    assert response["Location"] == f"/portal/accounts/{account.pk}/pay/"


def test_another_customers_link_needs_its_own_verification() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    other = make_verifiable_customer(creditor=customer.creditor, document_number="55556666")
    client = verified_client(customer)
    assert client.get("/portal/").status_code == 200
    client.get(f"/s/{make_self_service_token(other.pk)}")
    assert client.get("/portal/").status_code == 302
    # The first customer's verification is gone too.
    account = Account.objects.get(customer=customer)
    assert client.get(f"/portal/accounts/{account.pk}/").status_code == 302


def test_verification_lapses_after_thirty_idle_minutes_and_renews_on_use() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        assert client.get("/portal/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=45), tick=False):
        assert client.get("/portal/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=80), tick=False):
        assert client.get("/portal/").status_code == 302


def test_expired_and_tampered_links_get_a_friendly_page() -> None:
    customer = make_verifiable_customer()
    with time_machine.travel(NOW - dt.timedelta(days=31), tick=False):
        token = make_self_service_token(customer.pk)
    expired = Client().get(f"/s/{token}")
    assert expired.status_code == 410
    text = expired.content.decode()
    assert f"/chat/{customer.creditor.slug}/" in text
    assert "nuevo enlace" in text
    tampered = Client().get(f"/s/{token[:-2]}xx")
    assert tampered.status_code == 404
    assert "nuevo enlace" in tampered.content.decode()
    assert Client().get("/p/garbage").status_code == 404


def test_unknown_customer_or_account_looks_like_a_bad_link() -> None:
    assert Client().get(f"/s/{make_self_service_token(999999)}").status_code == 404
    assert Client().get(f"/p/{make_payment_token(999999)}").status_code == 404


def test_verify_without_a_link_asks_to_open_it() -> None:
    response = Client().get("/portal/verify/")
    assert response.status_code == 403


def test_other_creditor_same_document_is_not_reachable() -> None:
    customer = make_verifiable_customer()
    make_verifiable_customer(creditor=make_creditor())
    client = verified_client(customer)
    assert client.get("/portal/").status_code == 200


def test_expired_payment_link_says_whose_creditor_to_write_to() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    with time_machine.travel(NOW - dt.timedelta(days=31), tick=False):
        token = make_payment_token(account.pk)
    response = Client().get(f"/p/{token}")
    assert response.status_code == 410
    assert f"/chat/{customer.creditor.slug}/" in response.content.decode()


def test_a_verified_customer_following_their_own_link_goes_straight_in() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = verified_client(customer)
    response = client.get(f"/p/{make_payment_token(account.pk)}", follow=True)
    assert response.redirect_chain[-1][0] == f"/portal/accounts/{account.pk}/pay/"
    assert response.status_code == 200


def test_wrong_code_three_times_locks() -> None:
    customer = make_verifiable_customer()
    client = Client()
    open_link(client, customer)
    email = customer.contact_points.get(medium="email")
    client.post("/portal/verify/", {"action": "send_code", "destination": email.pk})
    code = last_code(customer)
    wrong = "123456" if code != "123456" else "654321"
    statuses = [
        client.post("/portal/verify/", {"action": "code", "code": wrong}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.post("/portal/verify/", {"action": "code", "code": code}).status_code == 429
