from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from recaudo.debts.models import Payment
from tests.factories import make_account, make_creditor, make_payment


@pytest.mark.django_db
def test_a_payment_reference_is_unique_per_creditor() -> None:
    account = make_account()
    make_payment(account, external_reference="REF-1")
    with pytest.raises(IntegrityError):
        make_payment(account, external_reference="REF-1", amount=Decimal("5"))


@pytest.mark.django_db
def test_the_same_reference_may_exist_at_two_creditors() -> None:
    make_payment(make_account(), external_reference="REF-1")
    make_payment(make_account(), external_reference="REF-1")
    assert Payment.objects.filter(external_reference="REF-1").count() == 2


@pytest.mark.django_db
def test_a_creditors_own_contact_limits_are_checked_when_edited() -> None:
    creditor = make_creditor(contact_limits={"max_per_day": "one"})
    with pytest.raises(ValidationError) as raised:
        creditor.full_clean()
    assert "contact_limits" in raised.value.message_dict

    creditor.contact_limits = {"max_per_day": 1, "hours_start": "08:00", "hours_end": "18:00"}
    creditor.full_clean()
