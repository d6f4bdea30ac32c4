"""Malformed requests are answered in the same error shape as invalid rows."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_missing_field_names_the_item_and_field(api: Client) -> None:
    items = [
        {"account_id": "A-1", "instalment_number": 1, "due_date": "2026-01-15", "amount_due": "5"},
        {"account_id": "A-1", "instalment_number": 2, "due_date": "2026-02-15"},
    ]

    response = api.post(
        "/api/v1/instalments:batch", {"items": items}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "row": 2,
                "field": "amount_due",
                "value": None,
                "message": "Este campo es obligatorio.",
            }
        ]
    }


def test_errors_follow_accept_language(api: Client) -> None:
    response = api.post(
        "/api/v1/instalments:batch",
        {"items": [{"account_id": "A-1", "due_date": "2026-01-01", "amount_due": "5"}]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.json()["errors"][0]["message"] == "This field is required."


def test_a_float_amount_is_refused(api: Client) -> None:
    item = {
        "account_id": "A-1",
        "instalment_number": 1,
        "due_date": "2026-01-01",
        "amount_due": 0.1,
    }

    response = api.post(
        "/api/v1/instalments:batch", {"items": [item]}, content_type="application/json"
    )

    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"amount_due"}


@pytest.mark.parametrize("count", [0, 1001])
def test_batch_size_is_bounded(api: Client, count: int) -> None:
    items = [{"customer_id": f"C-{n}", "medium": "email", "value": "a@b.co"} for n in range(count)]

    response = api.post(
        "/api/v1/contact-points:batch", {"items": items}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items"
    assert response.json()["errors"][0]["message"] == "Envíe entre 1 y 1.000 elementos."


def test_payments_need_an_idempotency_key(api: Client) -> None:
    item = {
        "payment_reference": "P-1",
        "account_id": "A-1",
        "amount": "10",
        "paid_at": "2026-01-01",
    }

    response = api.post("/api/v1/payments", {"items": [item]}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "row": None,
            "field": "Idempotency-Key",
            "value": None,
            "message": "Este campo es obligatorio.",
        }
    ]


def test_a_body_that_is_not_json_is_422(api: Client) -> None:
    response = api.post("/api/v1/customers:batch", "{nope", content_type="application/json")

    assert response.status_code in {400, 422}
