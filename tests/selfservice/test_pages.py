import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recaudo.debts.models import AccountStatus, Plan, PlanPolicy, PlanStatus, Promise
from recaudo.payments.models import Checkout
from recaudo.strategies.templating import money_text
from tests.factories import make_account, make_creditor, make_instalment, make_payment
from tests.selfservice.helpers import (
    make_overdue_account,
    make_verifiable_customer,
    verified_client,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 2, 1, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def cop(amount: str) -> str:
    return money_text(Decimal(amount), "COP", "es_CO")


def test_every_page_needs_verification() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = Client()
    pages = [
        "/portal/",
        f"/portal/accounts/{account.pk}/",
        f"/portal/accounts/{account.pk}/pay/",
        f"/portal/accounts/{account.pk}/plan/",
        f"/portal/accounts/{account.pk}/plan/pay/",
        "/portal/statement/",
        "/portal/statement.pdf",
        "/portal/preferences/",
    ]
    for page in pages:
        for method in (client.get, client.post):
            response = method(page)
            assert response.status_code == 302, page
            assert response["Location"] == "/portal/verify/", page
    assert not Checkout.objects.exists()


def test_home_shows_each_account_with_its_numbers() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer, status=AccountStatus.PROMISE)
    Promise.objects.create(
        account=account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 2, 10),
        actor="customer",
    )
    clp_creditor_account = make_account(
        customer,
        external_id="CL-99887766",
        currency="CLP",
        balance=Decimal("250000"),
        overdue_amount=Decimal("0"),
    )
    client = verified_client(customer)
    text = client.get("/portal/").content.decode()
    assert cop("1200000") in text
    assert cop("300000") in text
    assert money_text(Decimal("250000"), "CLP", "es_CO") in text
    assert "•••• 5678" in text and "0012345678" not in text
    assert "•••• 7766" in text
    assert "15 de febrero de 2026" in text
    # The document is masked; the promise is shown.
    assert "CC •••• 4056" in text and "1020304056" not in text
    assert "10 de febrero de 2026" in text
    assert clp_creditor_account.pk


def test_home_queries_do_not_grow_with_the_accounts(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/portal/").status_code == 200
    for number in range(5):
        account = make_account(customer, overdue_amount=Decimal(number * 1000))
        Promise.objects.create(
            account=account,
            amount=Decimal("1000"),
            promised_date=dt.date(2026, 2, 10),
            actor="customer",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get("/portal/").status_code == 200


def test_account_detail_shows_instalments_and_payments() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    make_instalment(
        account,
        due_date=dt.date(2025, 12, 15),
        amount_due=Decimal("100000"),
        amount_paid=Decimal("100000"),
    )
    make_instalment(account, due_date=dt.date(2026, 1, 15), amount_due=Decimal("100000"))
    make_instalment(account, due_date=dt.date(2026, 2, 15), amount_due=Decimal("100000"))
    make_payment(account, amount=Decimal("100000"))
    client = verified_client(customer)
    text = client.get(f"/portal/accounts/{account.pk}/").content.decode()
    assert "pill--paid" in text and "pill--overdue" in text and "pill--pending" in text
    assert "10 de enero de 2026" in text  # the payment
    assert cop("100000") in text


def test_another_customers_account_is_not_found() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    stranger = make_overdue_account(
        make_verifiable_customer(creditor=customer.creditor, document_number="77778888"),
        external_id="X-1",
    )
    client = verified_client(customer)
    for page in ("", "pay/", "plan/"):
        assert client.get(f"/portal/accounts/{stranger.pk}/{page}").status_code == 404
    response = client.post(
        f"/portal/accounts/{stranger.pk}/pay/", {"key": "k" * 20, "choice": "balance"}
    )
    assert response.status_code == 404
    assert not Checkout.objects.exists()


def test_pay_opens_one_checkout_and_redirects_even_on_double_submit() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = verified_client(customer)
    page = client.get(f"/portal/accounts/{account.pk}/pay/")
    key = page.context["form_key"]
    text = page.content.decode()
    assert cop("300000") in text and cop("1200000") in text
    data = {"key": key, "choice": "overdue"}
    first = client.post(f"/portal/accounts/{account.pk}/pay/", data)
    second = client.post(f"/portal/accounts/{account.pk}/pay/", data)
    checkout = Checkout.objects.get()
    assert checkout.amount == Decimal("300000")
    assert checkout.account_id == account.pk
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == checkout.url


def test_pay_other_amount_is_validated_in_spanish() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = verified_client(customer)
    url = f"/portal/accounts/{account.pk}/pay/"
    too_much = client.post(url, {"key": "a" * 24, "choice": "other", "other_amount": "2.000.000"})
    assert too_much.status_code == 200
    assert "como máximo" in too_much.content.decode()
    nonsense = client.post(url, {"key": "b" * 24, "choice": "other", "other_amount": "mucho"})
    assert "Escriba" in nonsense.content.decode()
    assert not Checkout.objects.exists()
    good = client.post(url, {"key": "c" * 24, "choice": "other", "other_amount": "150.000"})
    assert good.status_code == 302
    assert Checkout.objects.get().amount == Decimal("150000")


def test_choose_a_plan() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    make_instalment(account, due_date=dt.date(2026, 1, 15), amount_due=Decimal("1200000"))
    PlanPolicy.objects.create(
        creditor=customer.creditor,
        max_instalments=6,
        min_down_payment_percent=10,
        settlement_discount_percent=10,
    )
    client = verified_client(customer)
    page = client.get(f"/portal/accounts/{account.pk}/plan/")
    options = page.context["options"]
    assert 2 <= len(options) <= 3
    key = options[-1]["key"]
    confirm = client.get(f"/portal/accounts/{account.pk}/plan/", {"option": key})
    assert confirm.context["chosen"]["key"] == key
    form_key = confirm.context["form_key"]
    data = {"key": form_key, "option": key}
    first = client.post(f"/portal/accounts/{account.pk}/plan/", data)
    second = client.post(f"/portal/accounts/{account.pk}/plan/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/portal/accounts/{account.pk}/"
    plan = Plan.objects.get(account=account)
    assert plan.status == PlanStatus.ACTIVE
    detail = client.get(first["Location"]).content.decode()
    assert money_text(plan.instalment_amount, "COP", "es_CO") in detail
    # The plan page now offers its down payment (or settlement) in one click.
    plan_page = client.get(f"/portal/accounts/{account.pk}/plan/")
    assert plan_page.context["plan_payment"] is not None
    paid = client.post(f"/portal/accounts/{account.pk}/plan/pay/")
    again = client.post(f"/portal/accounts/{account.pk}/plan/pay/")
    checkout = Checkout.objects.get()
    assert checkout.plan_id == plan.pk
    assert checkout.purpose in {"plan_down_payment", "settlement"}
    expected = plan.total if plan.kind == "settlement" else plan.down_payment
    assert expected > 0 and checkout.amount == expected
    assert paid["Location"] == again["Location"] == checkout.url


def _agreed_plan(customer, account, *, kind):  # type: ignore[no-untyped-def]
    from recaudo.debts.actions import agree_plan
    from recaudo.debts.queries import options_for

    make_instalment(account, due_date=dt.date(2026, 1, 15), amount_due=Decimal("1200000"))
    PlanPolicy.objects.create(
        creditor=customer.creditor,
        max_instalments=6,
        min_down_payment_percent=10,
        settlement_discount_percent=10,
    )
    option = next(o for o in options_for(account, today=NOW.date()) if o.kind == kind)
    return agree_plan(account, option_key=option.key, today=NOW.date(), actor="customer")


def test_plan_pay_charges_only_what_is_left_of_a_partly_paid_down_payment() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    plan = _agreed_plan(customer, account, kind="instalments")
    assert plan.down_payment > 0
    first = plan.instalments.order_by("due_date", "number").first()
    first.amount_paid = Decimal("50000")
    first.save(update_fields=["amount_paid"])
    client = verified_client(customer)
    client.post(f"/portal/accounts/{account.pk}/plan/pay/")
    assert Checkout.objects.get().amount == plan.down_payment - Decimal("50000")


def test_pay_page_offers_the_settlement_instead_of_the_balance() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    plan = _agreed_plan(customer, account, kind="settlement")
    account.refresh_from_db()
    assert plan.total < account.balance
    client = verified_client(customer)
    page = client.get(f"/portal/accounts/{account.pk}/pay/")
    text = page.content.decode()
    assert cop(str(plan.total)) in text
    response = client.post(
        f"/portal/accounts/{account.pk}/pay/",
        {"key": page.context["form_key"], "choice": "balance"},
    )
    assert response.status_code == 302
    checkout = Checkout.objects.get()
    assert (checkout.amount, checkout.purpose, checkout.plan_id) == (
        plan.total,
        "settlement",
        plan.pk,
    )


def test_plan_refused_shows_the_reason() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(customer)
    client = verified_client(customer)
    PlanPolicy.objects.create(creditor=customer.creditor, max_instalments=6)
    response = client.post(
        f"/portal/accounts/{account.pk}/plan/", {"key": "z" * 24, "option": "plan-99"}, follow=True
    )
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any(text.startswith("Esa opción no está disponible") for text in shown), shown
    assert "Esa opción no está disponible" in response.content.decode()
    assert not Plan.objects.exists()


def test_statement_download_is_a_pdf() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    response = client.get("/portal/statement.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_statement_by_email() -> None:
    from recaudo.channels.models import Message

    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    before = Message.objects.filter(channel="email").count()
    response = client.post("/portal/statement/", follow=True)
    assert "m***@correo.com" in response.content.decode()
    assert Message.objects.filter(channel="email").count() == before + 1


def test_preferences_are_recorded_as_consent() -> None:
    from recaudo.customers.models import Consent

    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    page = client.get("/portal/preferences/")
    assert page.status_code == 200
    data = {
        "channels": ["whatsapp", "email"],
        "preferred": "email",
        "hours_start": "09:00",
        "hours_end": "12:00",
    }
    response = client.post("/portal/preferences/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.preferred_channels[0] == "email"
    assert customer.preferred_hours_start == dt.time(9, 0)
    # E-mail was accepted and still is: no consent row; SMS was accepted and is now refused.
    assert not Consent.objects.filter(
        contact_point__customer=customer, source="self-service", channel="email"
    ).exists()
    assert Consent.objects.filter(
        contact_point__customer=customer, source="self-service", channel="sms", granted=False
    ).exists()
    rows = Consent.objects.count()
    client.post("/portal/preferences/", data)  # the same again: nothing new to record
    assert Consent.objects.count() == rows


def test_preferences_validation() -> None:
    customer = make_verifiable_customer()
    client = verified_client(customer)
    response = client.post(
        "/portal/preferences/",
        {"channels": ["sms"], "preferred": "email", "hours_start": "12:00", "hours_end": "09:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_log_out() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    assert client.post("/portal/logout/").status_code == 200
    assert client.get("/portal/").status_code == 302


def test_language_switch_to_english() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    client = verified_client(customer)
    response = client.post("/portal/language/", {"language": "en", "next": "/portal/"})
    assert response["Location"] == "/portal/"
    assert "My accounts" in client.get("/portal/").content.decode()
    evil = client.post("/portal/language/", {"language": "es", "next": "https://evil.example/"})
    assert evil["Location"] == "/portal/verify/"


def test_clp_account_without_cents() -> None:
    creditor = make_creditor(country="CL", currency="CLP", timezone="America/Santiago")
    customer = make_verifiable_customer(creditor=creditor)
    account = make_overdue_account(
        customer, currency="CLP", balance=Decimal("450000"), overdue_amount=Decimal("90000")
    )
    client = verified_client(customer)
    text = client.get("/portal/").content.decode()
    assert money_text(Decimal("450000"), "CLP", "es_CL") in text
    bad = client.post(
        f"/portal/accounts/{account.pk}/pay/",
        {"key": "d" * 24, "choice": "other", "other_amount": "1000,5"},
    )
    assert bad.status_code == 200
    assert not Checkout.objects.exists()


def test_statement_without_an_email_on_file() -> None:
    customer = make_verifiable_customer()
    make_overdue_account(customer)
    customer.contact_points.filter(medium="email").delete()
    client = verified_client(customer)
    response = client.post("/portal/statement/", follow=True)
    assert "No tenemos un correo" in response.content.decode()


def test_nothing_to_pay_on_a_paid_account() -> None:
    customer = make_verifiable_customer()
    account = make_overdue_account(
        customer, status=AccountStatus.PAID, balance=Decimal(0), overdue_amount=Decimal(0)
    )
    client = verified_client(customer)
    page = client.get(f"/portal/accounts/{account.pk}/pay/")
    assert page.context["form"] is None
    client.post(f"/portal/accounts/{account.pk}/pay/", {"key": "e" * 24, "choice": "balance"})
    assert not Checkout.objects.exists()


def test_changing_only_the_hours_keeps_an_sms_opt_out_and_hours_can_be_cleared() -> None:
    from recaudo.customers.actions import opt_out
    from recaudo.customers.models import Consent, ContactPoint
    from recaudo.customers.queries import consent_in_force

    customer = make_verifiable_customer()
    make_overdue_account(customer)
    phones = list(ContactPoint.objects.filter(customer=customer, medium="phone"))
    opted_out = phones[0]
    opt_out(customer, channel="sms", source="sms-stop")
    from tests.factories import make_contact_point

    make_contact_point(customer, medium="phone", value="+573009999999")  # a new phone
    client = verified_client(customer)
    page = client.get("/portal/preferences/")
    initial = page.context["form"].initial
    assert "sms" in initial["channels"]  # the new phone has not opted out
    data = {"channels": initial["channels"], "hours_start": "14:00", "hours_end": "18:00"}
    client.post("/portal/preferences/", data)
    assert consent_in_force(opted_out, "sms") is False
    assert not Consent.objects.filter(source="self-service").exists()
    customer.refresh_from_db()
    assert customer.preferred_hours_start == dt.time(14)
    client.post("/portal/preferences/", {"channels": initial["channels"]})
    customer.refresh_from_db()
    assert customer.preferred_hours_start is None and customer.preferred_hours_end is None
