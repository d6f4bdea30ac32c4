"""The one rule for an instalment's state, shared by the console and the self-service page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from recaudo.debts.models import Instalment
from recaudo.debts.queries import InstalmentState, instalment_state, instalment_state_labels

TODAY = dt.date(2026, 3, 10)


def instalment(due: dt.date, owed: str, paid: str, *, superseded: bool = False) -> Instalment:
    row = Instalment(number=1, due_date=due, amount_due=Decimal(owed), amount_paid=Decimal(paid))
    row.superseded_by_id = 7 if superseded else None
    return row


@pytest.mark.parametrize(
    ("due", "owed", "paid", "superseded", "expected"),
    [
        (TODAY - dt.timedelta(days=5), "100", "20", True, InstalmentState.REPLACED),
        (TODAY - dt.timedelta(days=5), "100", "100", False, InstalmentState.PAID),
        (TODAY + dt.timedelta(days=5), "100", "120", False, InstalmentState.PAID),
        (TODAY - dt.timedelta(days=1), "100", "20", False, InstalmentState.OVERDUE),
        (TODAY - dt.timedelta(days=1), "100", "0", False, InstalmentState.OVERDUE),
        (TODAY, "100", "20", False, InstalmentState.PARTIAL),
        (TODAY, "100", "0", False, InstalmentState.PENDING),
        (TODAY + dt.timedelta(days=30), "100", "0", False, InstalmentState.PENDING),
    ],
)
def test_instalment_state(
    due: dt.date, owed: str, paid: str, superseded: bool, expected: InstalmentState
) -> None:
    assert instalment_state(instalment(due, owed, paid, superseded=superseded), TODAY) is expected


def test_every_state_has_a_translated_label() -> None:
    with translation.override("es"):
        labels = instalment_state_labels()
    assert set(labels) == set(InstalmentState)
    assert labels[InstalmentState.REPLACED] == "Reemplazada por un plan"
    assert labels[InstalmentState.PARTIAL] == "Pago parcial"
