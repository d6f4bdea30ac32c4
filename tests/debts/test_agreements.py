"""Promises, plans, reported payments, disputes and the refresh's broken agreements."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from pypdf import PdfReader

from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.customers.models import Channel, Consent, Customer
from recaudo.debts.actions import (
    AgreementRefused,
    agree_plan,
    make_promise,
    open_dispute,
    record_cannot_pay,
    record_payment,
    report_payment,
    settle_agreements,
)
from recaudo.debts.models import (
    Account,
    AccountStatus,
    EventKind,
    Hold,
    HoldKind,
    Plan,
    PlanPolicy,
    PlanStatus,
    PromiseStatus,
)
from recaudo.debts.promises import promise_terms
from recaudo.debts.queries import options_for, plan_policy_for
from recaudo.policy.context import contact_request_for_message
from recaudo.policy.decide import decide
from recaudo.staff.models import Task, TaskKind
from recaudo.strategies.actions import install_default_templates
from tests.factories import (
    make_account,
    make_contact_point,
    make_creditor,
    make_customer,
    make_instalment,
)

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # 10:00 in Bogotá


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def overdue_account(**fields: object) -> Account:
    """An account with 300 000 overdue (three instalments of 100 000) and 1 000 000 owed."""
    account = make_account(
        balance=Decimal("1000000"),
        overdue_amount=Decimal("300000"),
        days_past_due=45,
        balance_as_of=dt.date(2026, 9, 1),
        **fields,
    )
    for number, due in enumerate(
        [dt.date(2026, 10, 15), dt.date(2026, 11, 15), dt.date(2026, 11, 20)], start=1
    ):
        make_instalment(account, number=number, due_date=due, amount_due=Decimal("100000"))
    make_instalment(account, number=4, due_date=dt.date(2026, 12, 15), amount_due=Decimal("700000"))
    return account


def with_phone(customer: Customer, channels: tuple[str, ...] = ("sms", "whatsapp")) -> None:
    point = make_contact_point(customer, value="+573001112233")
    for channel in channels:
        Consent.objects.create(
            contact_point=point, channel=channel, granted=True, source="import", at=NOW
        )


def queued_dunning(account: Account) -> Message:
    return Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        direction=Direction.OUTBOUND,
        channel="sms",
        address="+573001112233",
        status=MessageStatus.QUEUED,
    )


def queued_receipt(account: Account) -> Message:
    return Message.objects.create(
        creditor=account.creditor,
        customer=account.customer,
        account=account,
        direction=Direction.OUTBOUND,
        channel="sms",
        address="+573001112233",
        status=MessageStatus.QUEUED,
        payload={"purpose": "transactional"},
    )


def pay(account: Account, amount: str, reference: str, day: int = 1) -> None:
    record_payment(
        account,
        amount=Decimal(amount),
        paid_at=dt.datetime(2026, 12, day, 14, tzinfo=dt.UTC),
        reference=reference,
        actor="api",
    )


def kinds(account: Account) -> list[str]:
    return list(account.events.order_by("id").values_list("kind", flat=True))


# --- promises ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_promise_terms_follow_the_creditors_limits() -> None:
    account = overdue_account()
    account.creditor.promise_min_percent = Decimal("33.33")
    account.creditor.promise_max_days = 10

    terms = promise_terms(account, today=TODAY)

    # 33.33 % of 300 000 = 99 990 exactly; the suggestion is the overdue amount.
    assert terms.min_amount == Decimal("99990.00")
    assert terms.suggested_amount == Decimal("300000")
    assert terms.latest_date == dt.date(2026, 12, 11)


@pytest.mark.django_db
def test_promise_terms_round_up_and_use_the_balance_when_nothing_is_overdue() -> None:
    creditor = make_creditor(currency="CLP", country="CL", timezone="America/Santiago")
    account = make_account(make_customer(creditor), balance=Decimal("100001"))

    terms = promise_terms(account, today=TODAY)

    assert terms.min_amount == Decimal("50001")  # 50 000.5 rounded up to whole pesos
    assert terms.suggested_amount == Decimal("100001")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "promised_date", "code", "text"),
    [
        (
            "300000",
            dt.date(2026, 12, 17),
            "date_too_late",
            "La fecha debe ser hasta el 16 de diciembre.",
        ),
        ("100000", dt.date(2026, 12, 10), "amount_too_low", "El monto mínimo es $150.000."),
        ("300000", dt.date(2026, 11, 30), "date_in_past", "hasta el 16 de diciembre"),
        ("2000000", dt.date(2026, 12, 10), "amount_too_high", "mayor que su saldo, $1.000.000"),
        ("0", dt.date(2026, 12, 10), "invalid_amount", "mayor que cero, en COP"),
    ],
)
def test_a_promise_out_of_limits_is_refused_with_how_to_fix_it(
    amount: str, promised_date: dt.date, code: str, text: str
) -> None:
    account = overdue_account()
    with pytest.raises(AgreementRefused) as refused:
        make_promise(
            account,
            amount=Decimal(amount),
            promised_date=promised_date,
            today=TODAY,
            actor="customer",
        )
    assert refused.value.code == code
    assert text in refused.value.message
    assert not account.promises.exists()


@pytest.mark.django_db
def test_an_agent_may_agree_outside_the_limits() -> None:
    account = overdue_account()
    promise = make_promise(
        account,
        amount=Decimal("1000"),
        promised_date=dt.date(2027, 1, 30),
        today=TODAY,
        actor="agent",
        enforce_limits=False,
    )
    assert promise.status == PromiseStatus.ACTIVE


@pytest.mark.django_db
def test_the_reminder_goes_the_day_before_at_ten_and_the_promise_does_not_hold_it() -> None:
    account = overdue_account()
    install_default_templates(account.creditor)
    with_phone(account.customer)
    account.customer.preferred_channels = ["sms"]
    account.customer.save()

    promise = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 10),
        today=TODAY,
        actor="customer",
    )

    reminder = Message.objects.get(dedupe_key=f"promise-reminder:{promise.pk}")
    assert reminder.channel == Channel.SMS
    assert reminder.payload["purpose"] == "promise_reminder"
    assert reminder.template is not None and reminder.template.code == "promise-reminder"
    # 9 December, 10:00 in Bogotá (UTC-5).
    assert reminder.send_after == dt.datetime(2026, 12, 9, 15, 0, tzinfo=dt.UTC)
    assert reminder.send_after is not None
    decision = decide(contact_request_for_message(reminder, at=reminder.send_after))
    assert decision.allowed, decision.reasons

    # A dunning message at the same moment is held back by the promise.
    dunning = queued_dunning(account)
    dunning.contact_point = reminder.contact_point
    held = decide(contact_request_for_message(dunning, at=reminder.send_after))
    assert not held.allowed and held.rule == "coherence.promise_pause"


@pytest.mark.django_db
def test_a_new_promise_cancels_the_old_reminder_and_without_templates_there_is_none() -> None:
    account = overdue_account()
    with_phone(account.customer)
    first = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 10),
        today=TODAY,
        actor="customer",
    )
    assert not Message.objects.exists()  # no approved template: no reminder

    install_default_templates(account.creditor)
    second = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 12),
        today=TODAY,
        actor="customer",
    )
    third = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 14),
        today=TODAY,
        actor="customer",
    )
    first.refresh_from_db()
    assert first.status == PromiseStatus.CANCELLED
    old = Message.objects.get(dedupe_key=f"promise-reminder:{second.pk}")
    new = Message.objects.get(dedupe_key=f"promise-reminder:{third.pk}")
    assert old.status == MessageStatus.CANCELLED
    assert new.status == MessageStatus.QUEUED
    assert new.channel == Channel.WHATSAPP  # no preference: WhatsApp first


@pytest.mark.django_db
def test_a_payment_that_covers_the_promise_keeps_it_and_cancels_dunning_not_receipts() -> None:
    account = overdue_account()
    promise = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 10),
        today=TODAY,
        actor="customer",
    )
    dunning = queued_dunning(account)
    receipt = queued_receipt(account)

    pay(account, "200000", "P-1")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.ACTIVE
    dunning.refresh_from_db()
    assert dunning.status == MessageStatus.QUEUED  # 100 000 still overdue

    pay(account, "100000", "P-2")
    pay(account, "100000", "P-2")  # a retry changes nothing

    promise.refresh_from_db()
    account.refresh_from_db()
    dunning.refresh_from_db()
    receipt.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert account.status == AccountStatus.ACTIVE
    assert dunning.status == MessageStatus.CANCELLED
    assert receipt.status == MessageStatus.QUEUED
    assert kinds(account).count(EventKind.PROMISE_KEPT) == 1
    assert kinds(account).count(EventKind.MESSAGES_CANCELLED) == 1


# --- plans -------------------------------------------------------------------------------


def with_policies(account: Account) -> None:
    PlanPolicy.objects.create(
        creditor=account.creditor,
        max_instalments=6,
        min_down_payment_percent=Decimal("10"),
        settlement_discount_percent=Decimal("15"),
    )
    PlanPolicy.objects.create(
        creditor=account.creditor, stage="pre_legal", max_instalments=2, segment=""
    )


@pytest.mark.django_db
def test_the_most_specific_policy_wins() -> None:
    account = overdue_account(stage="pre_legal", segment="tardia")
    with_policies(account)
    specific = PlanPolicy.objects.create(
        creditor=account.creditor, stage="pre_legal", segment="tardia", max_instalments=4
    )
    PlanPolicy.objects.create(creditor=account.creditor, segment="tardia", max_instalments=3)

    assert plan_policy_for(account) == specific
    account.segment = "media"
    assert plan_policy_for(account).max_instalments == 2  # type: ignore[union-attr]
    account.stage = "administrative"
    assert plan_policy_for(account).max_instalments == 6  # type: ignore[union-attr]


@pytest.mark.django_db
def test_agreeing_a_plan_replaces_the_unpaid_schedule_and_sends_the_terms_by_email() -> None:
    account = overdue_account()
    with_policies(account)
    make_contact_point(account.customer, medium="email", value="maria@correo.example")
    pay(account, "50000", "P-0")  # half of the first instalment
    promise = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 10),
        today=TODAY,
        actor="customer",
    )
    dunning = queued_dunning(account)
    assert [option.key for option in options_for(account, today=TODAY)] == [
        "settlement",
        "plan-3",
        "plan-6",
    ]

    plan = agree_plan(account, option_key="plan-3", today=TODAY, channel="web", actor="customer")
    again = agree_plan(account, option_key="plan-3", today=TODAY, channel="web", actor="customer")

    assert again.pk == plan.pk
    account.refresh_from_db()
    promise.refresh_from_db()
    dunning.refresh_from_db()
    assert account.status == AccountStatus.PLAN
    assert promise.status == PromiseStatus.CANCELLED
    assert dunning.status == MessageStatus.CANCELLED
    # Balance 950 000: 95 000 down on 8 December, then 3 x 285 000 monthly.
    assert (plan.total, plan.down_payment, plan.instalment_amount) == (
        Decimal("950000.00"),
        Decimal("95000.00"),
        Decimal("285000.00"),
    )
    rows = list(
        account.instalments.order_by("number").values_list(
            "number", "due_date", "amount_due", "amount_paid", "plan_id", "superseded_by_id"
        )
    )
    # The plan's instalments are numbered apart from the creditor's (10001 on), so a later
    # import of the creditor's next instalment cannot overwrite one (it used to be 5, 6, ...).
    assert rows == [
        (1, dt.date(2026, 10, 15), Decimal("50000"), Decimal("50000"), None, plan.pk),
        (2, dt.date(2026, 11, 15), Decimal("0"), Decimal("0"), None, plan.pk),
        (3, dt.date(2026, 11, 20), Decimal("0"), Decimal("0"), None, plan.pk),
        (4, dt.date(2026, 12, 15), Decimal("0"), Decimal("0"), None, plan.pk),
        (10001, dt.date(2026, 12, 8), Decimal("95000"), Decimal("0"), plan.pk, None),
        (10002, dt.date(2027, 1, 8), Decimal("285000"), Decimal("0"), plan.pk, None),
        (10003, dt.date(2027, 2, 8), Decimal("285000"), Decimal("0"), plan.pk, None),
        (10004, dt.date(2027, 3, 8), Decimal("285000"), Decimal("0"), plan.pk, None),
    ]
    assert kinds(account).count(EventKind.PLAN_AGREED) == 1
    terms = Message.objects.get(dedupe_key=f"plan-terms:{plan.pk}")
    assert terms.channel == Channel.EMAIL
    assert terms.address == "maria@correo.example"
    assert terms.payload["purpose"] == "transactional"
    assert "95.000" in terms.body and "8 de marzo" in terms.body
    [attachment] = terms.payload["attachments"]
    assert attachment["filename"] == f"plan-de-pagos-{account.external_id}.pdf"
    pdf = PdfReader(io.BytesIO(base64.b64decode(attachment["content_base64"])))
    assert "285.000" in pdf.pages[0].extract_text()


@pytest.mark.django_db
def test_plan_terms_go_by_sms_without_an_email_and_a_settlement_writes_off_the_discount() -> None:
    account = overdue_account()
    with_policies(account)
    with_phone(account.customer)

    plan = agree_plan(account, option_key="settlement", today=TODAY, actor="customer")

    terms = Message.objects.get(dedupe_key=f"plan-terms:{plan.pk}")
    assert terms.channel == Channel.SMS
    assert "850.000" in terms.body
    pay(account, "850000", "P-S", day=2)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert account.balance == 0
    assert account.status == AccountStatus.PAID
    completed = account.events.get(kind=EventKind.PLAN_COMPLETED)
    assert completed.data["written_off"] == "150000.00"


@pytest.mark.django_db
def test_paying_every_plan_instalment_completes_the_plan() -> None:
    account = overdue_account()
    with_policies(account)
    plan = agree_plan(account, option_key="plan-3", today=TODAY, actor="customer")

    pay(account, "100000", "P-1")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    pay(account, "900000", "P-2")

    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert account.status == AccountStatus.PAID
    assert kinds(account).count(EventKind.PLAN_COMPLETED) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "key", "code"),
    [
        (AccountStatus.DISPUTE, "plan-3", "status"),
        (AccountStatus.LEGAL, "plan-3", "status"),
        (AccountStatus.PAID, "plan-3", "status"),
        (AccountStatus.ACTIVE, "plan-12", "not_offered"),
    ],
)
def test_a_plan_is_refused_out_of_policy_or_status(status: str, key: str, code: str) -> None:
    account = overdue_account(status=status)
    with_policies(account)
    with pytest.raises(AgreementRefused) as refused:
        agree_plan(account, option_key=key, today=TODAY, actor="customer")
    assert refused.value.code == code
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_without_a_policy_no_plan_is_offered() -> None:
    account = overdue_account()
    with pytest.raises(AgreementRefused) as refused:
        agree_plan(account, option_key="plan-3", today=TODAY, actor="customer")
    assert refused.value.code == "no_options"


# --- what the customer reports -----------------------------------------------------------


@pytest.mark.django_db
def test_a_reported_payment_matches_by_amount_and_date_or_reference() -> None:
    account = overdue_account()
    record_payment(
        account,
        amount=Decimal("120000"),
        paid_at=dt.datetime(2026, 11, 28, 16, tzinfo=dt.UTC),
        reference="sandbox:abc123",
        actor="api",
    )
    payment = account.payments.get()

    by_amount = report_payment(
        account,
        paid_on=dt.date(2026, 11, 30),
        amount=Decimal("120000"),
        channel="whatsapp",
        actor="customer",
    )
    by_reference = report_payment(
        account, paid_on=None, amount=None, reference="ABC123", channel="web", actor="customer"
    )

    assert by_amount == payment and by_reference == payment
    assert kinds(account).count(EventKind.PAYMENT_REPORTED) == 2
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_an_unmatched_report_opens_one_check_task_a_day() -> None:
    account = overdue_account()
    for _ in range(2):
        found = report_payment(
            account,
            paid_on=dt.date(2026, 11, 20),
            amount=Decimal("120000"),
            reference="X-9",
            channel="sms",
            actor="customer",
        )
        assert found is None
    task = Task.objects.get()
    assert task.kind == TaskKind.CHECK_PAYMENT and task.account == account
    assert "X-9" in task.reason


@pytest.mark.django_db
def test_a_dispute_holds_collection_and_hands_off_once() -> None:
    account = overdue_account()
    dunning = queued_dunning(account)

    hold = open_dispute(account, reason="No reconozco esta deuda", channel="web", actor="customer")
    again = open_dispute(account, reason="otra vez", channel="web", actor="customer")

    assert again == hold
    assert hold.kind == HoldKind.DISPUTE and hold.account == account
    account.refresh_from_db()
    dunning.refresh_from_db()
    assert account.status == AccountStatus.DISPUTE
    assert dunning.status == MessageStatus.CANCELLED
    assert Hold.objects.count() == 1
    assert kinds(account).count(EventKind.DISPUTE_OPENED) == 1
    task = Task.objects.get()
    assert task.kind == TaskKind.HANDOFF and task.account == account


@pytest.mark.django_db
def test_cannot_pay_records_the_reason() -> None:
    account = overdue_account()
    record_cannot_pay(account, reason="lost_job", channel="whatsapp", actor="customer")
    record_cannot_pay(account, reason="aliens", channel="whatsapp", actor="customer")
    values = list(
        account.events.filter(kind=EventKind.CANNOT_PAY)
        .order_by("id")
        .values_list("to_value", flat=True)
    )
    assert values == ["lost_job", "other"]


# --- broken agreements -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_refresh_marks_broken_promises_and_plans() -> None:
    account = overdue_account()
    broken = make_promise(
        account,
        amount=Decimal("300000"),
        promised_date=dt.date(2026, 12, 5),
        today=TODAY,
        actor="customer",
    )
    kept_account = overdue_account(customer=account.customer)
    kept = make_promise(
        kept_account,
        amount=Decimal("150000"),
        promised_date=dt.date(2026, 12, 5),
        today=TODAY,
        actor="customer",
    )
    pay(kept_account, "150000", "K-1", day=4)
    # Recorded as kept already by record_payment; a late plan below.
    planned = overdue_account(customer=account.customer)
    with_policies(planned)
    plan = agree_plan(planned, option_key="plan-3", today=TODAY, actor="customer")

    settled = settle_agreements(account.creditor, as_of=dt.date(2026, 12, 5))
    assert (settled.broken_promises, settled.broken_plans) == (0, 0)
    with time_machine.travel(dt.datetime(2027, 1, 8, 15, tzinfo=dt.UTC), tick=False):
        call_command("refresh", as_of="2027-01-08", creditor=account.creditor.slug)

    broken.refresh_from_db()
    kept.refresh_from_db()
    plan.refresh_from_db()
    account.refresh_from_db()
    planned.refresh_from_db()
    assert broken.status == PromiseStatus.BROKEN
    assert kept.status == PromiseStatus.KEPT
    assert account.status == AccountStatus.ACTIVE
    event = account.events.get(kind=EventKind.PROMISE_BROKEN)
    assert event.as_of == dt.date(2027, 1, 8)
    # The down payment was due on 8 December: 31 days late on 8 January.
    assert plan.status == PlanStatus.BROKEN
    assert planned.status == AccountStatus.ACTIVE
    assert planned.events.filter(kind=EventKind.PLAN_BROKEN).count() == 1
    # Already broken: a second refresh marks nothing.
    settled = settle_agreements(account.creditor, as_of=dt.date(2027, 1, 9))
    assert (settled.broken_promises, settled.broken_plans) == (0, 0)


@pytest.mark.django_db
def test_the_demo_creditors_get_a_plan_policy_and_a_stricter_one_in_pre_legal() -> None:
    from recaudo.portfolio.management.commands.demo import ensure_plan_policies

    account = overdue_account(stage="pre_legal")
    ensure_plan_policies(account.creditor)
    ensure_plan_policies(account.creditor)

    assert account.creditor.plan_policies.count() == 2
    assert [option.key for option in options_for(account, today=TODAY)] == [
        "settlement",
        "plan-3",
    ]
    account.stage = "administrative"
    assert [option.key for option in options_for(account, today=TODAY)] == [
        "settlement",
        "plan-3",
        "plan-6",
    ]
