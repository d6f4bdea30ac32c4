"""Reviewers' findings on the assistant: provider errors, past dates, plan payments, titles,
currencies and timeline dates (findings B, C, D, G, I)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from recaudo.conversations import render
from recaudo.conversations.models import Turn
from recaudo.conversations.replies import Option, Reply
from recaudo.debts.models import AccountEvent, Plan, PlanPolicy, PlanStatus
from recaudo.payments.base import PaymentProviderError
from recaudo.payments.models import Checkout
from tests.conversations.dialogue import NOW, Chat, holder, overdue_account
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def failing_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    from recaudo.payments import actions

    class Failing:
        def create_checkout(self, checkout: Any, **urls: Any) -> Any:
            raise PaymentProviderError("the provider is down")

    monkeypatch.setattr(actions, "get_provider", lambda kind: Failing())


def _policy(creditor: Any) -> None:
    PlanPolicy.objects.create(
        creditor=creditor,
        max_instalments=6,
        min_down_payment_percent=Decimal("10"),
        min_instalment=Decimal("50000"),
        settlement_discount_percent=Decimal("10"),
    )


# --- B: a provider error is a polite message, not a rolled-back turn ------------------------


def test_a_provider_error_on_pay_is_answered_and_the_turn_is_kept(failing_provider: None):
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero pagar")
    chat.verify_web()
    assert "No pude crear el enlace de pago" in chat.text
    assert Turn.objects.filter(conversation=chat.conversation, text="quiero pagar").exists()


def test_a_provider_error_on_another_amount_is_answered(monkeypatch: pytest.MonkeyPatch):
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("quiero pagar")
    chat.verify_web()
    chat.press("pay:other")
    from recaudo.payments import actions

    class Failing:
        def create_checkout(self, checkout: Any, **urls: Any) -> Any:
            raise PaymentProviderError("down")

    monkeypatch.setattr(actions, "get_provider", lambda kind: Failing())
    chat.say("150000")
    assert "No pude crear el enlace de pago" in chat.text


def test_a_provider_error_after_agreeing_a_plan_keeps_the_plan(failing_provider: None):
    customer = holder()
    account = overdue_account(customer)
    _policy(customer.creditor)
    chat = Chat(customer.creditor)
    chat.say("quiero un plan de pagos")
    chat.verify_web()
    chat.press("plan:settlement")
    chat.press("yes")
    assert "su plan quedó acordado" in chat.text
    assert "No pude crear el enlace de pago" in chat.text
    assert Plan.objects.get(account=account).status == PlanStatus.ACTIVE


def test_the_message_is_understood_before_the_conversation_is_locked(monkeypatch):
    from recaudo.conversations import actions
    from recaudo.conversations.assistant import engine

    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    from django.db import connection

    seen: list[int] = []
    original = engine.understand_text
    locked: list[int] = []
    respond = engine.respond

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(len(connection.atomic_blocks))
        return original(*args, **kwargs)

    def spy_respond(*args: Any, **kwargs: Any) -> Any:
        locked.append(len(connection.atomic_blocks))
        return respond(*args, **kwargs)

    monkeypatch.setattr(actions.engine, "understand_text", spy)
    monkeypatch.setattr(actions.engine, "respond", spy_respond)
    chat.say("cuál es mi saldo")
    assert len(seen) == len(locked) == 1
    assert seen[0] < locked[0]  # understood outside the turn's transaction


# --- C: "ya pagué" ... "el 3" is the 3rd of this month ------------------------------------


def test_already_paid_dates_resolve_backwards():
    december = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(december, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=december)
        chat.say("ya pagué")
        chat.verify_web()
        chat.say("el 3")
        assert chat.reload().state["data"]["date"] == "2026-11-03"
        chat.say("100000")
        chat.say("el viernes")  # a reference, not a date: the date is already known
        assert chat.reload().state["data"].get("date", "2026-11-03") == "2026-11-03"


def test_already_paid_date_in_the_first_message_resolves_backwards():
    december = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(december, tick=False):
        customer = holder()
        overdue_account(customer)
        chat = Chat(customer.creditor, now=december)
        chat.say("ya pagué el 3")
        chat.verify_web()
        assert chat.reload().state["data"]["date"] == "2026-11-03"


# --- D: plan payments charge what is left --------------------------------------------------


def test_plan_payment_due_is_what_is_left_of_the_first_unpaid_instalment():
    from recaudo.debts.actions import agree_plan
    from recaudo.debts.queries import options_for, plan_payment_due

    customer = holder()
    account = overdue_account(customer)
    _policy(customer.creditor)
    options = options_for(account, today=NOW.date())
    instalments = next(option for option in options if option.kind != "settlement")
    plan = agree_plan(account, option_key=instalments.key, today=NOW.date(), actor="customer")
    assert plan_payment_due(plan) == plan.down_payment > 0
    first = plan.instalments.order_by("due_date", "number")[0]
    first.amount_paid = Decimal("10000")
    first.save(update_fields=["amount_paid"])
    assert plan_payment_due(plan) == plan.down_payment - Decimal("10000")
    first.amount_paid = first.amount_due
    first.save(update_fields=["amount_paid"])
    second = plan.instalments.order_by("due_date", "number")[1]
    assert plan_payment_due(plan) == second.amount_due
    plan.instalments.update(amount_paid=models_amount_due())
    assert plan_payment_due(plan) == 0


def models_amount_due() -> Any:
    from django.db.models import F

    return F("amount_due")


def test_agreeing_the_same_plan_again_charges_only_what_is_left():
    customer = holder()
    account = overdue_account(customer)
    _policy(customer.creditor)
    chat = Chat(customer.creditor)
    chat.say("quiero un plan de pagos")
    chat.verify_web()
    chat.press("plan:settlement")
    chat.press("yes")
    plan = Plan.objects.get(account=account)
    first = plan.instalments.get()
    first.amount_paid = Decimal("100000")
    first.save(update_fields=["amount_paid"])
    chat.say("quiero un plan de pagos")
    chat.press("plan:settlement")
    chat.press("yes")
    amounts = {checkout.amount for checkout in Checkout.objects.filter(plan=plan)}
    assert amounts == {plan.total, plan.total - Decimal("100000")}


def test_pay_offers_the_settlement_instead_of_the_balance():
    from recaudo.debts.actions import agree_plan

    customer = holder()
    account = overdue_account(customer)
    _policy(customer.creditor)
    plan = agree_plan(account, option_key="settlement", today=NOW.date(), actor="customer")
    chat = Chat(customer.creditor)
    chat.say("quiero pagar")
    chat.verify_web()
    total = next(
        Checkout.objects.filter(account=account, purpose="settlement", plan=plan).iterator()
    )
    assert total.amount == plan.total
    assert not Checkout.objects.filter(account=account, amount=Decimal("400000")).exists()


# --- G: titles are cut only where the channel needs it ------------------------------------

LONG = "Acordar fecha de pago"  # 21 characters


def test_web_chat_keeps_whole_titles_and_whatsapp_cuts_them():
    customer = holder()
    overdue_account(customer)
    chat = Chat(customer.creditor)
    chat.say("hola")
    titles = [option.title for reply in chat.replies for option in reply.options]
    assert titles and not any(title.endswith("…") for title in titles)

    reply = Reply("¿Qué desea hacer?", (Option("a", LONG), Option("b", "Pagar")))
    [(_web_body, web_payload)] = render.for_channel([reply], "web")
    assert web_payload["options"][0]["title"] == LONG
    [(_body, payload)] = render.for_channel([reply], "whatsapp")
    rows = payload["list"]["rows"]
    assert rows[0]["title"] == LONG  # 21 fits a list row (24)
    longer = Reply("x", (Option("a", "Hablar con un asesor humano ya"), Option("b", "Pagar")))
    [(_body, payload)] = render.for_channel([longer], "whatsapp")
    assert payload["list"]["rows"][0]["title"] == "Hablar con un asesor hu…"
    assert len(payload["list"]["rows"][0]["title"]) == 24
    assert render.sms_text(longer).splitlines()[1] == "1. Hablar con un asesor humano ya"


# --- I: amounts in the account's currency; timeline dates in the creditor's zone ----------


def test_pay_speaks_in_the_accounts_currency():
    creditor = make_creditor(currency="COP")
    customer = holder(creditor)
    account = overdue_account(customer, currency="USD", balance=Decimal("400"))
    account.overdue_amount = Decimal("200")
    account.save(update_fields=["overdue_amount"])
    chat = Chat(creditor)
    chat.say("quiero pagar")
    chat.verify_web()
    assert "US$" in chat.text or "USD" in chat.text, chat.text


def test_timeline_events_are_dated_in_the_creditors_zone():
    late = dt.datetime(2026, 3, 11, 3, 0, tzinfo=dt.UTC)  # 22:00 on the 10th in Bogotá
    with time_machine.travel(late, tick=False):
        customer = holder()
        account = overdue_account(customer)
        chat = Chat(customer.creditor, now=late)
        chat.say("cuál es mi saldo")
        chat.verify_web()
        event = AccountEvent.objects.filter(account=account, kind="conversation").last()
        assert event is not None and event.as_of == dt.date(2026, 3, 10)


def test_the_engine_keeps_whole_titles():
    from recaudo.conversations.assistant.engine import Context

    customer = holder()
    chat = Chat(customer.creditor)
    context = Context(conversation=chat.conversation, text="", choice="", now=NOW)
    context.say("¿Qué desea hacer?", [Option("a", LONG)])
    assert context.replies[0].options[0].title == LONG


def test_plan_terms_name_the_address_they_were_queued_to():
    from recaudo.channels.models import Message

    customer = holder()
    customer.contact_points.filter(medium="email").delete()
    account = overdue_account(customer)
    _policy(customer.creditor)
    chat = Chat(customer.creditor)
    chat.say("quiero un plan de pagos")
    chat.verify_web()
    chat.press("plan:settlement")
    chat.press("yes")
    plan = Plan.objects.get(account=account)
    terms = Message.objects.get(dedupe_key=f"plan-terms:{plan.pk}")
    assert terms.channel != "email"
    assert f"*** *** {terms.address[-4:]}" in chat.text
    assert "@" not in chat.text


def test_the_statement_names_the_address_it_was_queued_to():
    from recaudo.channels.models import Message
    from tests.factories import make_contact_point

    customer = holder()
    overdue_account(customer)
    make_contact_point(customer, medium="email", value="zeta@otro.com", verified=True)
    chat = Chat(customer.creditor)
    chat.say("me envían el estado de cuenta?")
    chat.verify_web()
    sent = Message.objects.filter(customer=customer, channel="email").latest("id")
    assert f"{sent.address[0]}***@{sent.address.split('@')[1]}" in chat.text
