import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from recaudo.api.keys import create_api_key
from recaudo.debts.models import AccountEvent, Creditor
from tests.factories import (
    make_account,
    make_creditor,
    make_customer,
    make_instalment,
    make_payment,
)

pytestmark = pytest.mark.django_db


def test_account_state_with_money_as_decimal_strings(
    api: Client,
    creditor: Creditor,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    account = make_account(
        make_customer(creditor, external_id="C-9"),
        external_id="A-9",
        balance=Decimal("850000.5"),
        days_past_due=12,
        overdue_amount=Decimal("100000"),
        next_due_date=dt.date(2026, 2, 15),
        bucket="1-30",
        stage="administrative",
        segment="temprana",
        score=0.42,
        computed_as_of=dt.date(2026, 1, 27),
    )
    make_instalment(account, number=1, amount_due=Decimal("100000"), amount_paid=Decimal("20000"))
    make_payment(account, external_reference="PSE-1", amount=Decimal("20000"), method="card")

    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/accounts/A-9")

    assert response.status_code == 200
    body = response.json()
    assert body | {"instalments": [], "payments": []} == {
        "account_id": "A-9",
        "customer_id": "C-9",
        "product_type": "personal_loan",
        "currency": "COP",
        "original_amount": "1000000.00",
        "balance": "850000.50",
        "balance_as_of": "2026-01-01",
        "status": "active",
        "days_past_due": 12,
        "overdue_amount": "100000.00",
        "next_due_date": "2026-02-15",
        "bucket": "1-30",
        "stage": "administrative",
        "segment": "temprana",
        "score": 0.42,
        "computed_as_of": "2026-01-27",
        "instalments": [],
        "payments": [],
    }
    assert body["instalments"] == [
        {
            "number": 1,
            "due_date": "2026-01-15",
            "amount_due": "100000.00",
            "amount_paid": "20000.00",
        }
    ]
    assert body["payments"][0] | {"paid_at": None} == {
        "payment_reference": "PSE-1",
        "amount": "20000.00",
        "paid_at": None,
        "method": "card",
        "channel": "",
    }


def test_a_currency_without_minor_unit_has_no_decimals(client: Client) -> None:
    chile = make_creditor(country="CL", currency="CLP", timezone="America/Santiago")
    make_account(make_customer(chile), external_id="CL-1", balance=Decimal("15990"))
    key = create_api_key(chile, name="erp").clear_key

    response = client.get("/api/v1/accounts/CL-1", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.json()["balance"] == "15990"


def test_unknown_account_is_404(api: Client) -> None:
    assert api.get("/api/v1/accounts/NO-EXISTE").status_code == 404


def test_timeline_newest_first_and_paginated(
    api: Client,
    creditor: Creditor,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    account = make_account(make_customer(creditor), external_id="A-T")
    start = timezone.make_aware(dt.datetime(2026, 1, 1, 9, 0))
    AccountEvent.objects.bulk_create(
        AccountEvent(
            account=account,
            kind="bucket_changed",
            at=start + dt.timedelta(days=day),
            as_of=(start + dt.timedelta(days=day)).date(),
            actor="system",
            from_value=f"b{day}",
            to_value=f"b{day + 1}",
        )
        for day in range(5)
    )

    with django_assert_max_num_queries(5):
        first = api.get("/api/v1/accounts/A-T/timeline?limit=2").json()
    second = api.get("/api/v1/accounts/A-T/timeline?limit=2&offset=2").json()

    assert first["count"] == 5
    assert [event["to_value"] for event in first["items"]] == ["b5", "b4"]
    assert [event["to_value"] for event in second["items"]] == ["b3", "b2"]
    assert first["items"][0] == {
        "kind": "bucket_changed",
        "at": "2026-01-05T14:00:00Z",
        "as_of": "2026-01-05",
        "actor": "system",
        "actor_name": "",
        "from_value": "b4",
        "to_value": "b5",
        "data": {},
    }
