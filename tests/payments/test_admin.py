"""The admin shows checkouts and webhook events, read-only."""

from decimal import Decimal

import pytest
from django.test import Client

from recaudo.payments.actions import start_checkout
from tests.payments.helpers import owing_account

pytestmark = pytest.mark.django_db


def test_checkouts_are_listed_and_cannot_be_added(admin_client: Client) -> None:
    checkout = start_checkout(owing_account(), amount=Decimal("150000"))

    listing = admin_client.get("/admin/payments/checkout/")
    detail = admin_client.get(f"/admin/payments/checkout/{checkout.pk}/change/")

    assert listing.status_code == 200
    assert checkout.public_id in listing.content.decode()
    assert detail.status_code == 200
    assert admin_client.get("/admin/payments/checkout/add/").status_code == 403
    assert admin_client.get("/admin/payments/paymentwebhookevent/").status_code == 200
