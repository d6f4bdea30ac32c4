"""Payments: once per Idempotency-Key, once per payment reference."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from recaudo.api.keys import NewApiKey
from recaudo.api.models import IdempotencyKey
from recaudo.debts.models import Account, Creditor, Payment
from tests.factories import make_account, make_creditor, make_customer, make_instalment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(creditor: Creditor) -> Account:
    account = make_account(make_customer(creditor), external_id="A-1")
    make_instalment(account, amount_due=Decimal("100000"))
    return account


def payment(reference: str = "PSE-1", amount: str = "40000.50", **fields: str) -> dict[str, str]:
    return {
        "payment_reference": reference,
        "account_id": "A-1",
        "amount": amount,
        "paid_at": "2026-01-20",
        "method": "bank_transfer",
    } | fields


def post(
    api: Client, items: list[dict[str, str]], key: str | None = "key-1", **headers: Any
) -> Any:
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.post(
        "/api/v1/payments", {"items": items}, content_type="application/json", **headers
    )


def test_a_payment_is_recorded(api: Client, account: Account) -> None:
    response = post(api, [payment()])

    assert response.status_code == 200, response.json()
    recorded = Payment.objects.get()
    assert (recorded.account, recorded.amount, recorded.method) == (
        account,
        Decimal("40000.50"),
        "bank_transfer",
    )
    assert response.json()["rows_read"] == 1


def test_the_same_key_twice_records_once_and_answers_the_same(
    api: Client, account: Account
) -> None:
    first = post(api, [payment()])
    second = post(api, [payment()])

    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api: Client, account: Account) -> None:
    post(api, [payment()])

    response = post(api, [payment(amount="1")])

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["row"], error["field"], error["value"]) == (None, "Idempotency-Key", "key-1")
    assert "Idempotency-Key" in error["message"]
    assert Payment.objects.get().amount == Decimal("40000.50")


def test_a_repeated_reference_never_counts_twice(api: Client, account: Account) -> None:
    post(api, [payment()], key="key-1")

    response = post(api, [payment()], key="key-2")

    assert response.status_code == 200
    assert Payment.objects.count() == 1


def test_a_rejected_request_can_be_corrected_with_the_same_key(
    api: Client, account: Account
) -> None:
    rejected = post(api, [payment(reference="P-1"), payment(reference="P-2", amount="-5")])
    corrected = post(api, [payment(reference="P-1"), payment(reference="P-2", amount="5")])

    assert rejected.status_code == 422
    assert [(error["row"], error["field"]) for error in rejected.json()["errors"]] == [
        (2, "amount")
    ]
    assert corrected.status_code == 200
    assert Payment.objects.count() == 2


def test_another_creditors_account_is_unknown(api: Client, account: Account) -> None:
    make_account(make_customer(make_creditor()), external_id="B-1")

    response = post(api, [payment(account_id="B-1")])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account_id"
    assert not Payment.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_retries_record_once(account: Account, new_key: NewApiKey) -> None:
    barrier = threading.Barrier(2)

    def send() -> Any:
        barrier.wait()
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {new_key.clear_key}")
            return post(client, [payment()], key="same")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda _: send(), range(2)))

    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert Payment.objects.count() == 1
