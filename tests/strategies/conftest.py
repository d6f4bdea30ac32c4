"""A stand-in contact policy for the planning tests, and a small planned portfolio.

The stand-in keeps to the real policy's interface (``load_policy_inputs`` and ``decide``) with
three rules: opted-out channels are refused for good; contact only 07:00-19:00 local time,
Monday to Saturday, refused with the next allowed time otherwise.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest

from recaudo.customers.models import Customer
from recaudo.debts.models import Account, Creditor
from recaudo.policy.types import ContactRequest, Decision
from recaudo.strategies.models import Template, TemplateStatus
from tests.factories import make_account, make_contact_point, make_creditor, make_customer

AS_OF = dt.date(2026, 3, 10)  # a Tuesday
OPENS = dt.time(7, 0)
CLOSES = dt.time(19, 0)


@dataclass(frozen=True)
class StandInInputs:
    customer: Customer
    opted_out: tuple[str, ...] = ()

    def request(
        self,
        *,
        channel: str,
        at: dt.datetime,
        account: Any = None,
        recipient_role: str = "debtor",
        purpose: str = "dunning",
        initiated_by_customer: bool = False,
        contact_point: Any = None,
    ) -> ContactRequest:
        return ContactRequest(
            jurisdiction="CO",
            timezones=(self.customer.timezone,),
            at=at,
            channel=channel,
            recipient_role=recipient_role,
            debt_id=str(account),
            opted_out_channels=self.opted_out,
            purpose=purpose,
        )


def stand_in_decide(request: ContactRequest) -> Decision:
    if request.channel in request.opted_out_channels:
        return Decision(False, "opted_out", "Ley 2300 de 2023, art. 3", ("opted out",), None)
    zone = zoneinfo.ZoneInfo(request.timezones[0])
    local = request.at.astimezone(zone)
    if local.weekday() < 6 and OPENS <= local.time() < CLOSES:
        return Decision(True, "allowed", "", (), None)
    day = local.date() if local.time() < OPENS else local.date() + dt.timedelta(days=1)
    if day.weekday() == 6:
        day += dt.timedelta(days=1)
    opens = dt.datetime.combine(day, OPENS, tzinfo=zone)
    return Decision(False, "hours", "Ley 2300 de 2023, art. 3", ("outside hours",), opens)


class StandInPolicy:
    """``load_policy_inputs`` stand-in; counts its calls (queries stay per chunk)."""

    def __init__(self, opted_out: dict[int, tuple[str, ...]] | None = None) -> None:
        self.opted_out = opted_out or {}
        self.loads: list[int] = []

    def __call__(self, customer_ids: list[int], *, at: dt.datetime) -> dict[int, StandInInputs]:
        self.loads.append(len(customer_ids))
        customers = Customer.objects.in_bulk(customer_ids)
        return {
            pk: StandInInputs(customer, self.opted_out.get(pk, ()))
            for pk, customer in customers.items()
        }


@pytest.fixture
def stand_in() -> StandInPolicy:
    return StandInPolicy()


def approve_templates(creditor: Creditor) -> None:
    codes = {
        "reminder-before-due": ("sms", "whatsapp", "email", "push"),
        "due-today": ("sms", "whatsapp", "email"),
        "payment-link": ("sms", "whatsapp", "email"),
        "plan-offer": ("sms", "whatsapp", "email"),
        "voice-reminder": ("voice",),
        "pre-legal-notice": ("email", "letter"),
    }
    Template.objects.bulk_create(
        Template(
            creditor=creditor,
            code=code,
            channel=channel,
            name=code,
            body="Hola {{ first_name }}",
            status=TemplateStatus.APPROVED,
        )
        for code, channels in codes.items()
        for channel in channels
    )


def past_due_account(
    creditor: Creditor,
    days: int,
    *,
    customer: Customer | None = None,
    phone: bool = True,
    email: bool = False,
    **fields: Any,
) -> Account:
    """An account refreshed on ``AS_OF`` that is ``days`` past due (0: due today)."""
    if customer is None:
        customer = make_customer(creditor)
        if phone:
            make_contact_point(customer, medium="phone")
        if email:
            make_contact_point(customer, medium="email", value=f"c{customer.pk}@example.com")
    stage = "pre_legal" if days >= 61 else "administrative" if days >= 1 else "preventive"
    defaults: dict[str, Any] = {
        "computed_as_of": AS_OF,
        "days_past_due": days,
        "next_due_date": AS_OF if days == 0 else AS_OF + dt.timedelta(days=20),
        "stage": stage,
        "segment": "general",
        "score": 0.4,
    }
    return make_account(customer, **(defaults | fields))


@pytest.fixture
def creditor(db: None) -> Creditor:
    from recaudo.strategies.default_strategy import install_default_strategy

    creditor = make_creditor()
    approve_templates(creditor)
    install_default_strategy(creditor)
    return creditor
