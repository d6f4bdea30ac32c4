"""Text no database can store (the NUL character) is refused with 422, never a server error."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

INSTALMENT = {
    "account_id": "A\x00",
    "instalment_number": 1,
    "due_date": "2026-01-01",
    "amount_due": "1",
}


def test_in_an_item(api: Client) -> None:
    response = api.post(
        "/api/v1/instalments:batch", {"items": [INSTALMENT]}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 1
    assert response.json()["errors"][0]["field"] == "account_id"


def test_in_a_path(api: Client) -> None:
    assert api.get("/api/v1/accounts/A%00").status_code == 422
    assert api.get("/api/v1/accounts/A%00/timeline").status_code == 422


def test_in_the_idempotency_key(api: Client) -> None:
    item = {"payment_reference": "P", "account_id": "A", "amount": "1", "paid_at": "2026-01-01"}

    response = api.post(
        "/api/v1/payments",
        {"items": [item]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k\x00",
    )

    assert response.status_code == 422


def test_in_the_api_key(client: Client) -> None:
    response = client.get("/api/v1/accounts/A", HTTP_AUTHORIZATION="Bearer rk_\x00.secret")

    assert response.status_code == 401
