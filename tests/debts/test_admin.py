import pytest
from django.contrib.auth.models import User
from django.test import Client

from recaudo.debts.models import Hold
from tests.factories import make_account, make_instalment, make_payment


@pytest.fixture
def staff_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "x"))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/debts/creditor/",
        "/admin/debts/account/",
        "/admin/debts/instalment/",
        "/admin/debts/payment/",
        "/admin/debts/accountevent/",
        "/admin/customers/customer/",
        "/admin/customers/contactpoint/",
        "/admin/customers/consent/",
        "/admin/portfolio/segmentrule/",
        "/admin/debts/promise/",
        "/admin/debts/hold/",
        "/admin/debts/hold/add/",
        "/admin/debts/plan/",
        "/admin/debts/creditor/add/",
        "/admin/staff/task/",
    ],
)
def test_every_admin_page_opens_in_spanish(staff_client: Client, path: str) -> None:
    account = make_account()
    make_instalment(account)
    make_payment(account)
    response = staff_client.get(path, headers={"accept-language": "es"})
    assert response.status_code == 200
    assert "Administración de Recaudo" in response.content.decode()


def test_an_account_page_shows_its_instalments_and_payments(staff_client: Client) -> None:
    account = make_account()
    make_instalment(account)
    make_payment(account, external_reference="PAGO-77")
    response = staff_client.get(f"/admin/debts/account/{account.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "PAGO-77" in body
    assert "Cuotas" in body


def test_a_hold_added_in_the_admin_goes_through_the_action(staff_client: Client) -> None:
    account = make_account()
    form = {"customer": account.customer.pk, "kind": "dispute", "note": "no reconoce la deuda"}

    response = staff_client.post("/admin/debts/hold/add/", form)
    staff_client.post("/admin/debts/hold/add/", form)

    assert response.status_code == 302
    hold = Hold.objects.get()
    assert (hold.actor, hold.actor_name) == ("agent", "admin")
    assert account.events.get().kind == "hold_placed"


def test_a_plan_page_shows_its_instalments_read_only(staff_client: Client) -> None:
    import datetime as dt
    from decimal import Decimal

    from recaudo.debts.actions import agree_plan
    from recaudo.debts.models import PlanPolicy

    account = make_account(balance=Decimal("600000"))
    PlanPolicy.objects.create(creditor=account.creditor, max_instalments=6)
    plan = agree_plan(account, option_key="plan-6", today=dt.date(2026, 12, 1), actor="customer")

    response = staff_client.get(f"/admin/debts/plan/{plan.pk}/change/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "90.000" in body or "90000" in body  # (600 000 - 60 000) / 6
    assert 'name="_save"' not in body
