"""Shared test helpers for payments: an account that owes, with the customer's contact points."""

from decimal import Decimal
from typing import Any

from recaudo.customers.models import ContactPoint
from recaudo.debts.models import Account
from tests.factories import make_account, make_contact_point, make_creditor, make_customer


def owing_account(
    *, currency: str = "COP", balance: str = "500000", email: bool = True, **creditor: Any
) -> Account:
    """An account owing ``balance`` whose customer has a phone and (by default) an e-mail."""
    country = {"COP": "CO", "CLP": "CL", "MXN": "MX", "PEN": "PE", "ARS": "AR"}.get(currency, "CO")
    creditor_row = make_creditor(currency=currency, country=country, **creditor)
    customer = make_customer(creditor_row, first_name="Camila")
    make_contact_point(customer)
    if email:
        make_contact_point(customer, medium="email", value=f"camila{customer.id}@correo.co")
    return make_account(
        customer, currency=currency, balance=Decimal(balance), original_amount=Decimal(balance)
    )


def email_of(account: Account) -> ContactPoint:
    return account.customer.contact_points.get(medium="email")
