"""Plain factory functions with sensible defaults; pass only what a test is about."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from recaudo.customers.models import ContactPoint, Customer
from recaudo.debts.models import Account, Creditor, Instalment, Payment

_sequence = itertools.count(1)


def make_creditor(**fields: Any) -> Creditor:
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "name": f"Banco Prueba {number}",
        "slug": f"banco-{number}",
        "country": "CO",
        "currency": "COP",
        "timezone": "America/Bogota",
    }
    return Creditor.objects.create(**(defaults | fields))


def make_customer(creditor: Creditor | None = None, **fields: Any) -> Customer:
    creditor = creditor or make_creditor()
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "external_id": f"C{number}",
        "first_name": "María",
        "last_name": "Gómez",
        "document_type": "CC",
        "document_number": str(10_000_000 + number),
        "country": creditor.country,
        "timezone": creditor.timezone,
        "customer_since": dt.date(2020, 1, 1),
    }
    return Customer.objects.create(creditor=creditor, **(defaults | fields))


def make_contact_point(customer: Customer, **fields: Any) -> ContactPoint:
    number = next(_sequence)
    defaults: dict[str, Any] = {"medium": "phone", "value": f"+5730012{number:05d}"}
    return ContactPoint.objects.create(customer=customer, **(defaults | fields))


def make_account(customer: Customer | None = None, **fields: Any) -> Account:
    customer = customer or make_customer()
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "external_id": f"A{number}",
        "product_type": "personal_loan",
        "currency": customer.creditor.currency,
        "original_amount": Decimal("1000000"),
        "balance": Decimal("1000000"),
        "balance_as_of": dt.date(2026, 1, 1),
        "opened_at": dt.date(2025, 1, 1),
    }
    return Account.objects.create(
        creditor=customer.creditor, customer=customer, **(defaults | fields)
    )


def make_instalment(account: Account, **fields: Any) -> Instalment:
    number = fields.pop("number", account.instalments.count() + 1)
    defaults: dict[str, Any] = {"due_date": dt.date(2026, 1, 15), "amount_due": Decimal("100000")}
    return Instalment.objects.create(account=account, number=number, **(defaults | fields))


def make_payment(account: Account, **fields: Any) -> Payment:
    number = next(_sequence)
    defaults: dict[str, Any] = {
        "amount": Decimal("100000"),
        "paid_at": timezone.make_aware(dt.datetime(2026, 1, 10, 12, 0)),
        "external_reference": f"P{number}",
    }
    return Payment.objects.create(creditor=account.creditor, account=account, **(defaults | fields))


def make_user(*roles: str, username: str | None = None, password: str = "secreto-123") -> Any:
    """A console user with these roles (recaudo.staff.roles.Role values)."""
    from django.contrib.auth import get_user_model

    from recaudo.staff.roles import Role, assign_roles

    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}",
        password=password,
        is_superuser=Role.ADMIN in roles,
        is_staff=Role.ADMIN in roles,
    )
    assign_roles(user, roles)
    return user
