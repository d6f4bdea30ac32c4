"""Shared set-up for the self-service tests: a customer who can verify, and a verified client."""

import datetime as dt
import re
from decimal import Decimal

from django.test import Client

from recaudo.channels.models import Message
from recaudo.customers.models import Customer
from recaudo.debts.models import Account
from recaudo.selfservice.links import make_self_service_token
from tests.factories import make_account, make_contact_point, make_customer

DOCUMENT = "1020304056"
BIRTH_DATE = dt.date(1985, 6, 1)


def make_verifiable_customer(**fields: object) -> Customer:
    defaults: dict[str, object] = {"document_number": DOCUMENT, "birth_date": BIRTH_DATE}
    customer = make_customer(**(defaults | fields))  # type: ignore[arg-type]
    make_contact_point(customer, medium="phone", value="+573001234567")
    make_contact_point(customer, medium="email", value="maria@correo.com")
    return customer


def make_overdue_account(customer: Customer, **fields: object) -> Account:
    defaults: dict[str, object] = {
        "external_id": "0012345678",
        "balance": Decimal("1200000"),
        "overdue_amount": Decimal("300000"),
        "days_past_due": 20,
        "next_due_date": dt.date(2026, 2, 15),
        "stage": "administrative",
    }
    return make_account(customer, **(defaults | fields))  # type: ignore[arg-type]


def open_link(client: Client, customer: Customer) -> None:
    response = client.get(f"/s/{make_self_service_token(customer.pk)}")
    assert response.status_code == 302
    assert response["Location"] == "/portal/verify/"


def verify_with_identity(client: Client, customer: Customer, *, year: str = "1985") -> object:
    return client.post(
        "/portal/verify/",
        {"action": "identity", "document_digits": DOCUMENT[-4:], "birth_year": year},
    )


def verified_client(customer: Customer) -> Client:
    client = Client()
    open_link(client, customer)
    response = verify_with_identity(client, customer)
    assert response.status_code == 302, response  # type: ignore[attr-defined]
    return client


def last_code(customer: Customer) -> str:
    message = Message.objects.filter(customer=customer).order_by("-id").first()
    assert message is not None
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found
    return found.group(1)
