"""Upserts go through the file import: same writes, same validation, same messages."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from recaudo.customers.models import Consent, ContactPoint, Customer
from recaudo.debts.models import Account, AccountEvent, Creditor, Instalment
from recaudo.portfolio.importing import import_accounts
from recaudo.portfolio.io.files import table_source

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = {
    "customer_id": "C-1",
    "first_name": "María",
    "last_name": "Gómez",
    "document_type": "CC",
    "document_number": "1020304050",
    "phone": "3001234567",
}
ACCOUNT = CUSTOMER | {
    "account_id": "A-1",
    "product_type": "personal_loan",
    "original_amount": "1500000.00",
    "balance": "1250000.00",
    "balance_as_of": "2026-01-31",
}
INSTALMENT = {
    "account_id": "A-1",
    "instalment_number": 1,
    "due_date": "2026-02-15",
    "amount_due": "125000",
}


def post(api: Client, path: str, items: list[dict[str, Any]], **headers: str) -> Any:
    return api.post(
        f"/api/v1/{path}:batch", {"items": items}, content_type="application/json", **headers
    )


def test_customers_accounts_instalments_and_contact_points(api: Client, creditor: Creditor) -> None:
    responses = [
        post(api, "customers", [CUSTOMER]),
        post(
            api,
            "contact-points",
            [
                {
                    "customer_id": "C-1",
                    "medium": "email",
                    "value": "Maria@Example.com",
                    "role": "debtor",
                }
            ],
        ),
        post(api, "accounts", [ACCOUNT]),
        post(api, "instalments", [INSTALMENT]),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 200], [
        response.json() for response in responses
    ]
    account = Account.objects.get(creditor=creditor, external_id="A-1")
    assert account.customer.external_id == "C-1"
    assert str(account.balance) == "1250000.0000"
    assert Instalment.objects.get(account=account).due_date.isoformat() == "2026-02-15"
    assert set(ContactPoint.objects.values_list("value", flat=True)) == {
        "+573001234567",
        "maria@example.com",
    }
    assert AccountEvent.objects.filter(
        account=account, actor="api", actor_name="core-bancario"
    ).exists()
    assert responses[0].json()["rows_read"] == 1


def test_sending_a_batch_again_changes_nothing(api: Client) -> None:
    post(api, "customers", [CUSTOMER])
    post(api, "accounts", [ACCOUNT])
    events = AccountEvent.objects.count()

    again = post(api, "accounts", [ACCOUNT])

    assert again.status_code == 200
    assert sum(again.json()["created"].values()) == 0
    assert sum(again.json()["updated"].values()) == 0
    assert AccountEvent.objects.count() == events


def test_an_invalid_item_writes_nothing_and_names_its_position(api: Client) -> None:
    good = CUSTOMER | {"customer_id": "C-2"}
    bad = CUSTOMER | {"customer_id": "C-3", "document_type": "NIT", "document_number": "9003731154"}

    response = post(api, "customers", [good, bad])

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(error["row"], error["field"], error["value"]) for error in errors] == [
        (2, "document_number", "9003731154")
    ]
    assert errors[0]["message"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("language", ["es", "en"])
def test_api_messages_are_the_file_imports(
    api: Client, creditor: Creditor, tmp_path: Path, language: str
) -> None:
    """The same bad values, once in a CSV through the import and once through the API."""
    bad = ACCOUNT | {"product_type": "hipotecaria", "balance": "-5", "opened_at": "31/02/2026"}
    csv = tmp_path / "cuentas.csv"
    csv.write_text(",".join(bad) + "\n" + ",".join(bad.values()) + "\n", encoding="utf-8")

    with translation.override(language):
        file_errors = import_accounts([table_source(csv)], creditor=creditor).errors
    api_errors = post(api, "accounts", [bad], HTTP_ACCEPT_LANGUAGE=language).json()["errors"]

    assert len(file_errors) == 3
    assert [(error["field"], error["message"]) for error in api_errors] == [
        (error.column, error.message) for error in file_errors
    ]
    assert {error["row"] for error in api_errors} == {1}
    assert {error.row for error in file_errors} == {2}


def test_a_contact_point_of_an_unknown_customer_is_a_row_error(api: Client) -> None:
    """Found by the schema fuzz run: it was a server error."""
    item = {"customer_id": "NO-EXISTE", "medium": "phone", "value": "3001234567"}

    response = post(api, "contact-points", [item])

    assert response.status_code == 422
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [
        (1, "customer_id")
    ]


def test_authorised_channels_and_region_arrive_as_consents_and_the_customers_region(
    api: Client,
) -> None:
    customers = post(api, "customers", [CUSTOMER | {"region": "dc"}])
    response = post(
        api,
        "contact-points",
        [
            {
                "customer_id": "C-1",
                "medium": "phone",
                "value": "3001234567",
                "authorised_channels": ["whatsapp", "sms"],
            }
        ],
    )

    assert (customers.status_code, response.status_code) == (200, 200), response.json()
    assert Customer.objects.get().region == "DC"
    assert set(Consent.objects.filter(granted=True).values_list("channel", flat=True)) == {
        "whatsapp",
        "sms",
    }
