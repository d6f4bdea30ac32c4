"""How agreements end: plans paid through the allocation (a plan's instalments after the
creditor's), completion and kept promises whatever the payment's way in (record_payment, the
file import), the refresh's agreements step, re-imports over a plan, disputes and their end,
and the delinquency fields right after a payment."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from recaudo.debts import actions as debts_actions
from recaudo.debts.actions import (
    agree_plan,
    make_promise,
    open_dispute,
    record_payment,
    release_hold,
    settle_agreements,
)
from recaudo.debts.models import (
    Account,
    AccountStatus,
    EventKind,
    Hold,
    PlanPolicy,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recaudo.policy.context import STATUS_HOLDS
from recaudo.portfolio.importing import import_accounts, import_payments
from recaudo.portfolio.io.files import table_source
from tests.factories import (
    make_account,
    make_creditor,
    make_customer,
    make_instalment,
    make_payment,
)

pytestmark = pytest.mark.django_db

AGREED_AT = dt.datetime(2026, 1, 20, 15, 0, tzinfo=dt.UTC)  # 10:00 in Bogotá
AGREED_ON = dt.date(2026, 1, 20)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(AGREED_AT, tick=False) as traveller:
        yield traveller


def paid(account: Account, amount: str, reference: str, when: dt.datetime) -> None:
    record_payment(account, amount=Decimal(amount), paid_at=when, reference=reference, actor="api")


def instalments(account: Account) -> list[tuple[int, Decimal, Decimal]]:
    return [
        (number, due, paid_amount)
        for number, due, paid_amount in account.instalments.order_by("number").values_list(
            "number", "amount_due", "amount_paid"
        )
    ]


def partly_paid_account() -> Account:
    """The reviewer's scenario: #1 500 000 due 15 Jan, #2 500 000 due 15 Mar; 600 000 paid
    on 10 January (balance 400 000, #2 has 100 000 paid); a 10 % settlement on offer."""
    account = make_account(balance=Decimal("1000000"), balance_as_of=dt.date(2026, 1, 1))
    make_instalment(account, number=1, due_date=dt.date(2026, 1, 15), amount_due=Decimal("500000"))
    make_instalment(account, number=2, due_date=dt.date(2026, 3, 15), amount_due=Decimal("500000"))
    PlanPolicy.objects.create(
        creditor=account.creditor,
        max_instalments=6,
        min_down_payment_percent=Decimal("10"),
        settlement_discount_percent=Decimal("10"),
    )
    paid(account, "600000", "P-600", dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC))
    account.refresh_from_db()
    assert account.balance == Decimal("400000")
    return account


# --- finding 1: a plan is paid only by what is paid beyond the creditor's schedule ---------


def test_a_settlement_is_not_completed_by_money_paid_before_it() -> None:
    account = partly_paid_account()
    plan = agree_plan(account, option_key="settlement", today=AGREED_ON, actor="customer")
    assert (plan.total, plan.first_due_date) == (Decimal("360000.00"), dt.date(2026, 1, 27))

    paid(account, "260000", "P-260", dt.datetime(2026, 1, 22, 15, tzinfo=dt.UTC))

    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert account.status == AccountStatus.PLAN
    assert account.balance == Decimal("140000")
    assert not account.events.filter(kind=EventKind.PLAN_COMPLETED).exists()
    # #2 keeps the 100 000 it had; the plan's instalment has the 260 000 paid since.
    assert instalments(account) == [
        (1, Decimal("500000"), Decimal("500000")),
        (2, Decimal("100000"), Decimal("100000")),
        (10001, Decimal("360000"), Decimal("260000")),
    ]
    # The nightly engine allocates the same way: 100 000 of the settlement is a day late.
    with time_machine.travel(dt.datetime(2026, 1, 28, 15, tzinfo=dt.UTC), tick=False):
        call_command("refresh", as_of="2026-01-28", creditor=account.creditor.slug)
    account.refresh_from_db()
    assert (account.overdue_amount, account.days_past_due) == (Decimal("100000"), 1)

    paid(account, "100000", "P-100", dt.datetime(2026, 1, 29, 15, tzinfo=dt.UTC))

    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert (account.balance, account.status) == (Decimal("0"), AccountStatus.PAID)
    completed = account.events.get(kind=EventKind.PLAN_COMPLETED)
    assert completed.data["written_off"] == "40000.00"


def test_without_instalments_money_paid_before_the_plan_does_not_pay_it() -> None:
    # A credit card: no instalments, so no closed instalment keeps the 600 000 paid before;
    # the plan sets it aside (Plan.paid_before) instead of counting it as paid.
    account = make_account(balance=Decimal("1000000"), balance_as_of=dt.date(2026, 1, 1))
    PlanPolicy.objects.create(
        creditor=account.creditor, max_instalments=6, settlement_discount_percent=Decimal("10")
    )
    paid(account, "600000", "P-600", dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC))
    plan = agree_plan(account, option_key="settlement", today=AGREED_ON, actor="customer")
    assert plan.paid_before == Decimal("600000")

    paid(account, "100000", "P-100", dt.datetime(2026, 1, 21, 15, tzinfo=dt.UTC))
    settled = settle_agreements(account.creditor, as_of=dt.date(2026, 1, 22))

    plan.refresh_from_db()
    account.refresh_from_db()
    assert settled.completed_plans == 0 and plan.status == PlanStatus.ACTIVE
    assert account.balance == Decimal("300000")
    assert instalments(account) == [(10001, Decimal("360000"), Decimal("100000"))]
    with time_machine.travel(dt.datetime(2026, 1, 28, 15, tzinfo=dt.UTC), tick=False):
        call_command("refresh", as_of="2026-01-28", creditor=account.creditor.slug)
    account.refresh_from_db()
    assert (account.overdue_amount, account.days_past_due) == (Decimal("260000"), 1)


# --- finding 3: a re-import leaves the plan alone -----------------------------------------


def test_reimporting_the_creditors_schedule_does_not_undo_a_plan(tmp_path: Path) -> None:
    creditor = make_creditor()
    (tmp_path / "accounts.csv").write_text(
        "customer_id,first_name,last_name,document_type,document_number,account_id,"
        "product_type,currency,original_amount,opened_at,balance,balance_as_of\n"
        "C1,María,Gómez,CC,1020304050,A1,personal_loan,COP,900000,2025-01-10,900000,2026-01-01\n"
    )
    (tmp_path / "instalments.csv").write_text(
        "account_id,instalment_number,due_date,amount_due\n"
        "A1,1,2026-01-15,300000\nA1,2,2026-02-15,300000\nA1,3,2026-03-15,300000\n"
    )
    files = [table_source(tmp_path / "instalments.csv"), table_source(tmp_path / "accounts.csv")]
    import_accounts(files, creditor=creditor, today=AGREED_ON)
    account = Account.objects.get(creditor=creditor, external_id="A1")
    PlanPolicy.objects.create(creditor=creditor, max_instalments=4, min_down_payment_percent=0)
    plan = agree_plan(account, option_key="plan-4", today=AGREED_ON, actor="customer")
    before = instalments(account)

    # The creditor sends its old schedule again, and a new instalment 4.
    with (tmp_path / "instalments.csv").open("a") as file:
        file.write("A1,4,2026-04-15,300000\n")
    files = [table_source(tmp_path / "instalments.csv"), table_source(tmp_path / "accounts.csv")]
    report = import_accounts(files, creditor=creditor, today=AGREED_ON)

    assert report.skipped == {"instalments": 3}
    after = instalments(account)
    assert after[:3] == before[:3]  # still closed at what was paid (nothing)
    assert [row for row in after if row[0] > 10_000] == [row for row in before if row[0] > 10_000]
    assert (4, Decimal("300000"), Decimal("0")) in after
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert account.instalments.filter(plan=plan).count() == 4
    assert not account.events.filter(kind=EventKind.INSTALMENT_CHANGED).exists()


# --- finding 2: payments from the import settle agreements in the refresh -----------------


def payments_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "payments.csv"
    path.write_text("payment_reference,account_id,amount,paid_at\n" + "".join(rows))
    return path


def test_the_refresh_completes_a_plan_and_keeps_a_promise_paid_through_the_import(
    tmp_path: Path,
) -> None:
    account = partly_paid_account()
    plan = agree_plan(account, option_key="settlement", today=AGREED_ON, actor="customer")
    promised = make_account(
        make_customer(account.creditor), balance=Decimal("300000"), overdue_amount=Decimal("0")
    )
    promise = make_promise(
        promised,
        amount=Decimal("200000"),
        promised_date=dt.date(2026, 1, 30),
        today=AGREED_ON,
        actor="customer",
    )
    path = payments_file(
        tmp_path,
        f"I-1,{account.external_id},360000,2026-01-21 09:00\n",
        f"I-2,{promised.external_id},200000,2026-01-21 09:00\n",
    )
    import_payments(table_source(path), creditor=account.creditor)
    plan.refresh_from_db()
    promise.refresh_from_db()
    assert (plan.status, promise.status) == (PlanStatus.ACTIVE, PromiseStatus.ACTIVE)

    settled = settle_agreements(account.creditor, as_of=dt.date(2026, 1, 22))

    assert (settled.kept_promises, settled.completed_plans) == (1, 1)
    assert (settled.broken_promises, settled.broken_plans) == (0, 0)
    plan.refresh_from_db()
    promise.refresh_from_db()
    account.refresh_from_db()
    promised.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert (account.balance, account.status) == (Decimal("0"), AccountStatus.PAID)
    assert account.events.get(kind=EventKind.PLAN_COMPLETED).data["written_off"] == "40000.00"
    assert promise.status == PromiseStatus.KEPT
    assert promised.status == AccountStatus.ACTIVE
    # Settled once: the next refresh finds nothing to do.
    assert settle_agreements(account.creditor, as_of=dt.date(2026, 1, 23)).completed_plans == 0


# --- finding 12: what counts as paid since a promise ---------------------------------------


def test_a_payment_made_before_the_promise_does_not_keep_it_but_one_the_same_day_does() -> None:
    account = make_account(balance=Decimal("200000"), balance_as_of=dt.date(2026, 1, 1))
    promise = make_promise(
        account,
        amount=Decimal("100000"),
        promised_date=dt.date(2026, 1, 25),
        today=AGREED_ON,
        actor="customer",
    )
    # Paid on 2 January, recorded only now (a late file): it was not paid for this promise.
    paid(account, "100000", "OLD", dt.datetime(2026, 1, 2, 15, tzinfo=dt.UTC))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.ACTIVE
    # Paid this morning at 08:00 in Bogotá, before the promise was made at 10:00: same day.
    paid(account, "100000", "TODAY", dt.datetime(2026, 1, 20, 13, tzinfo=dt.UTC))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT


def test_the_refresh_keeps_a_promise_whose_payment_was_recorded_late() -> None:
    account = make_account(balance=Decimal("200000"), balance_as_of=dt.date(2026, 1, 1))
    promise = make_promise(
        account,
        amount=Decimal("100000"),
        promised_date=dt.date(2026, 1, 25),
        today=AGREED_ON,
        actor="customer",
    )
    # Paid on the promised date, written after it without the action's settling.
    make_payment(
        account, amount=Decimal("100000"), paid_at=dt.datetime(2026, 1, 25, 15, tzinfo=dt.UTC)
    )

    settled = settle_agreements(account.creditor, as_of=dt.date(2026, 1, 27))

    promise.refresh_from_db()
    account.refresh_from_db()
    assert settled.kept_promises == 1 and settled.broken_promises == 0
    assert promise.status == PromiseStatus.KEPT
    assert account.status == AccountStatus.ACTIVE
    kept = account.events.get(kind=EventKind.PROMISE_KEPT)
    assert kept.as_of == dt.date(2026, 1, 27)


# --- finding 8: the refresh re-reads each agreement under the account's lock --------------


def test_an_agreement_settled_by_a_live_payment_meanwhile_is_not_settled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = make_account(balance=Decimal("200000"), balance_as_of=dt.date(2026, 1, 1))
    promise = make_promise(
        account,
        amount=Decimal("100000"),
        promised_date=dt.date(2026, 1, 21),
        today=AGREED_ON,
        actor="customer",
    )
    real_settle = debts_actions._settle

    def payment_arrives_first(locked: Account, **kwargs: Any) -> Any:
        # A payment recorded between the refresh's listing and its lock on the account.
        paid(account, "100000", "LIVE", dt.datetime(2026, 1, 22, 14, tzinfo=dt.UTC))
        return real_settle(locked, **kwargs)

    monkeypatch.setattr(debts_actions, "_settle", payment_arrives_first)
    settled = settle_agreements(account.creditor, as_of=dt.date(2026, 1, 23))

    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert (settled.kept_promises, settled.broken_promises) == (0, 0)
    assert account.events.filter(kind=EventKind.PROMISE_KEPT).count() == 1
    assert not account.events.filter(kind=EventKind.PROMISE_BROKEN).exists()
    assert Promise.objects.filter(status=PromiseStatus.ACTIVE).count() == 0


# --- findings 5 and 14: the delinquency fields right after a payment ----------------------


def test_a_payment_updates_the_overdue_amount_at_once_per_instalment_tolerance() -> None:
    creditor = make_creditor(past_due_tolerance=Decimal("1000"))
    account = make_account(
        make_customer(creditor),
        balance=Decimal("1000000"),
        balance_as_of=dt.date(2026, 1, 1),
        overdue_amount=Decimal("200000"),
        days_past_due=36,
    )
    make_instalment(account, number=1, due_date=dt.date(2025, 12, 15), amount_due=Decimal("100000"))
    make_instalment(account, number=2, due_date=dt.date(2026, 1, 15), amount_due=Decimal("100000"))
    make_instalment(account, number=3, due_date=dt.date(2026, 2, 15), amount_due=Decimal("800000"))

    # 199 200 paid: 800 left on #2, within the tolerance; nothing past due any more.
    paid(account, "199200", "P-1", dt.datetime(2026, 1, 20, 14, tzinfo=dt.UTC))

    account.refresh_from_db()
    assert account.overdue_amount == Decimal("800")
    assert account.days_past_due == 0
    assert account.next_due_date == dt.date(2026, 2, 15)


# --- finding 6: a dispute ends, and never wipes a lawsuit ---------------------------------


def test_a_dispute_over_a_legal_account_keeps_the_legal_status() -> None:
    account = make_account(status=AccountStatus.LEGAL)

    hold = open_dispute(account, reason="No es mía", channel="web", actor="customer")

    account.refresh_from_db()
    assert account.status == AccountStatus.LEGAL
    release_hold(hold, actor="agent")
    account.refresh_from_db()
    assert account.status == AccountStatus.LEGAL


def test_releasing_the_last_dispute_hold_restores_the_status_before_it() -> None:
    account = partly_paid_account()
    plan = agree_plan(account, option_key="settlement", today=AGREED_ON, actor="customer")
    hold = open_dispute(account, reason="Revisen el cobro", channel="web", actor="customer")
    account.refresh_from_db()
    assert account.status == AccountStatus.DISPUTE
    assert STATUS_HOLDS[AccountStatus.DISPUTE]  # the policy treats the status as a hold

    # Paid meanwhile: the plan completes, but the dispute's status stays until released.
    paid(account, "360000", "P-D", dt.datetime(2026, 1, 21, 15, tzinfo=dt.UTC))
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert account.status == AccountStatus.DISPUTE

    release_hold(hold, actor="agent")

    account.refresh_from_db()
    hold.refresh_from_db()
    # It was in a plan, which was paid meanwhile: paid, not back to a plan that is gone.
    assert hold.status_before == AccountStatus.PLAN
    assert account.status == AccountStatus.PAID
    assert Hold.objects.filter(released_at__isnull=True).count() == 0


def test_a_released_dispute_gives_back_an_active_plan() -> None:
    account = partly_paid_account()
    agree_plan(account, option_key="settlement", today=AGREED_ON, actor="customer")
    hold = open_dispute(account, reason="Revisen", channel="web", actor="customer")

    release_hold(hold, actor="agent")

    account.refresh_from_db()
    assert account.status == AccountStatus.PLAN
