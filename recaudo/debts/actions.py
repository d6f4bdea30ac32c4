"""Writes that matter on the ledger, for the console, the API and the assistant.

Every action takes the account (or customer) first and the rest keyword-only, runs in one
transaction, writes the account's timeline and queues its messages and tasks in the same
transaction (the outbox and the task queue are tables: nothing leaves before the commit).
Agreements (promises, plans) refuse with ``AgreementRefused`` (a ``ValueError``) whose
``message`` tells the customer how to fix the request; docs/agreements.md has the rules.
"""

import datetime as dt
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from recaudo.channels.actions import cancel_queued_messages, queue_message
from recaudo.channels.models import Message, MessageStatus
from recaudo.customers.models import Channel, Customer

# The contact-point reads live in customers.queries (shared by debts, payments, the
# self-service page and the assistant).
from recaudo.customers.queries import email_on_file, reachable_contact_point
from recaudo.debts.documents import plan_terms_attachment, plan_terms_text
from recaudo.debts.models import (
    Account,
    AccountEvent,
    AccountStatus,
    Actor,
    EventKind,
    HardshipReason,
    Hold,
    HoldKind,
    Instalment,
    Payment,
    PaymentMethod,
    Plan,
    PlanKind,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recaudo.debts.plans import PlanOption
from recaudo.debts.plans import option_key as key_for
from recaudo.debts.promises import (
    AgreementRefused,
    check_promise,
    customer_language,
    money_for,
)
from recaudo.debts.queries import STATUSES_WITHOUT_AGREEMENTS, options_for
from recaudo.lib.money import has_valid_precision, minor_unit, quantize, to_minor_units
from recaudo.portfolio.io.imports import Counts, Writer, write_payments
from recaudo.portfolio.io.refresh import refresh_account_delinquency

__all__ = [
    "AgreementRefused",
    "agree_plan",
    "make_promise",
    "make_promise_once",
    "open_dispute",
    "place_hold",
    "record_cannot_pay",
    "record_payment",
    "release_hold",
    "report_payment",
    "settle_agreements",
]

# Policy purposes of queued messages (recaudo.policy.rules): what a payment cancels.
DUNNING = "dunning"
PROMISE_REMINDER = "promise_reminder"
TRANSACTIONAL = "transactional"
PROMISE_REMINDER_TEMPLATE = "promise-reminder"
# The promise reminder goes the day before the promised date at this hour, customer's time.
PROMISE_REMINDER_HOUR = time(10, 0)
# A plan instalment unpaid this many days past its due date breaks the plan.
PLAN_BROKEN_AFTER_DAYS = 30
# A reported payment matches a recorded one of the same amount paid this close to its date.
REPORTED_PAYMENT_DAYS = 3
# A plan's instalments are numbered after this (and after every number already used), apart
# from the creditor's own numbers, which a later import keeps sending.
PLAN_INSTALMENT_NUMBERS_AFTER = 10_000


def record_payment(
    account: Account,
    *,
    amount: Decimal,
    paid_at: datetime,
    reference: str,
    method: str = PaymentMethod.OTHER,
    channel: str = "",
    actor: str,
    actor_name: str = "",
) -> tuple[Payment, bool]:
    """Record one payment, once per (creditor, reference); return it and whether it is new.

    Same rules as the payments import (they share the code): allocated to the oldest unpaid
    instalments first (a plan's after the creditor's), and it reduces the balance when made
    after ``account.balance_as_of``. Then, in the same transaction: the account's days past
    due, overdue amount and next due date are recomputed with the engine's function; the
    agreements are settled as the refresh does (``settle_account_agreements``: a covered
    promise kept, a fully paid plan completed); once nothing is past due any more, the queued
    dunning messages (and promise reminders when the balance is zero) are cancelled (receipts
    and replies still go).
    """
    if amount <= 0 or not has_valid_precision(amount, account.currency):
        raise ValueError(f"invalid amount {amount} for {account.currency}")
    existing = _payment_with_reference(account, reference)
    if existing is not None:
        return existing, False
    row = pl.DataFrame(
        {
            "payment_reference": [reference],
            "account_id": [account.external_id],
            "amount_minor": [to_minor_units(amount, account.currency)],
            "minor_unit": [minor_unit(account.currency)],
            "paid_at": [paid_at],
            "method": [str(method)],
            "channel": [channel],
        },
        schema_overrides={"paid_at": pl.Datetime("us", "UTC")},
    )
    now = timezone.now()
    writer = Writer(account.creditor, actor, actor_name, now)
    try:
        with transaction.atomic():
            # Locked: the agreements below read the payments and instalments just written.
            locked = Account.objects.select_for_update().get(pk=account.pk)
            had_overdue = locked.overdue_amount > 0 or locked.days_past_due > 0
            if not write_payments(row, writer, Counts()).height:
                # Recorded by another process since the check above (it held the lock).
                return Payment.objects.get(
                    creditor=account.creditor, external_reference=reference
                ), False
            locked.refresh_from_db()
            refresh_account_delinquency(locked, _local_today(locked, now))
            _settle(locked, as_of=None, now=now, actor=actor, actor_name=actor_name)
            _cancel_paid_reminders(locked, had_overdue, actor, actor_name)
            account.refresh_from_db(
                fields=["balance", "status", "days_past_due", "overdue_amount", "next_due_date"]
            )
    except IntegrityError:
        # Another process recorded the same reference in the meantime.
        payment = _payment_with_reference(account, reference)
        if payment is None:
            raise
        return payment, False
    return Payment.objects.get(creditor=account.creditor, external_reference=reference), True


def _cancel_paid_reminders(
    account: Account, had_overdue: bool, actor: str, actor_name: str
) -> None:
    if account.balance <= 0:
        # Nothing still queued should remind a customer who has just paid in full.
        cancel_queued_messages(
            account,
            reason="the account was paid in full",
            actor=actor,
            actor_name=actor_name,
            purposes=(DUNNING, PROMISE_REMINDER),
        )
    elif had_overdue and account.days_past_due == 0:
        cancel_queued_messages(
            account,
            reason="the overdue amount was paid",
            actor=actor,
            actor_name=actor_name,
            purposes=(DUNNING,),
        )


@dataclass
class SettledAgreements:
    """What ``settle_agreements`` did (the refresh prints it)."""

    kept_promises: int = 0
    completed_plans: int = 0
    broken_promises: int = 0
    broken_plans: int = 0

    def add(self, other: "SettledAgreements") -> None:
        self.kept_promises += other.kept_promises
        self.completed_plans += other.completed_plans
        self.broken_promises += other.broken_promises
        self.broken_plans += other.broken_plans


def _settle(
    account: Account, *, as_of: date | None, now: datetime, actor: str, actor_name: str
) -> SettledAgreements:
    """Settle the account's active promise and plan; ``account`` is locked by the caller and
    the promise and plan are read here, under that lock.

    Always: a promise covered by the payments made since it was made is kept; a plan whose
    instalments are all paid is completed. With ``as_of`` (the refresh) also: a promise whose
    date is before ``as_of`` and not covered is broken; a plan with an instalment unpaid more
    than ``PLAN_BROKEN_AFTER_DAYS`` days past its due date is broken.
    """
    done = SettledAgreements()
    promise = account.promises.filter(status=PromiseStatus.ACTIVE).order_by("-created_at").first()
    if promise is not None:
        kept = _paid_since(promise, account) >= promise.amount
        expired = as_of is not None and promise.promised_date < as_of
        if kept or expired:
            status = PromiseStatus.KEPT if kept else PromiseStatus.BROKEN
            _close_promise(account, promise, status, now, actor, actor_name)
            data = {
                "promise_id": promise.pk,
                "amount": _money(promise.amount, account.currency),
                "promised_date": promise.promised_date.isoformat(),
            }
            kind = EventKind.PROMISE_KEPT if kept else EventKind.PROMISE_BROKEN
            _event(account, kind, now, actor, actor_name, as_of=as_of, data=data)
            if account.status == AccountStatus.PROMISE:
                _set_status(account, _status_without_promise(account), now, actor, actor_name)
            done.kept_promises += kept
            done.broken_promises += not kept
    plan = account.plans.filter(status=PlanStatus.ACTIVE).order_by("-created_at").first()
    if plan is not None:
        unpaid = plan.instalments.filter(amount_paid__lt=F("amount_due"))
        if not unpaid.exists():
            _complete_plan(account, plan, now, actor, actor_name)
            done.completed_plans += 1
        elif (
            as_of is not None
            and unpaid.filter(due_date__lt=as_of - timedelta(days=PLAN_BROKEN_AFTER_DAYS)).exists()
        ):
            _break_plan(account, plan, as_of, now, actor, actor_name)
            done.broken_plans += 1
    return done


def _complete_plan(
    account: Account, plan: Plan, now: datetime, actor: str, actor_name: str
) -> None:
    plan.status = PlanStatus.COMPLETED
    plan.closed_at = now
    plan.save(update_fields=["status", "closed_at"])
    data: dict[str, Any] = {
        "plan_id": plan.pk,
        "kind": plan.kind,
        "total": _money(plan.total, account.currency),
    }
    if plan.kind == PlanKind.SETTLEMENT and account.balance > 0:
        # The discount agreed for paying in one go: what is left of the balance is written off.
        data["written_off"] = _money(account.balance, account.currency)
        _event(
            account,
            EventKind.BALANCE_CHANGED,
            now,
            actor,
            actor_name,
            from_value=_money(account.balance, account.currency),
            to_value=_money(Decimal(0), account.currency),
            data={"reason": "settlement discount", "plan_id": plan.pk},
        )
        account.balance = Decimal(0)
        account.save(update_fields=["balance", "updated_at"])
    _event(account, EventKind.PLAN_COMPLETED, now, actor, actor_name, data=data)
    if account.status == AccountStatus.PLAN:
        # Only from ``plan``: a dispute, a lawsuit or a newer promise keeps its status.
        status = AccountStatus.PAID if account.balance <= 0 else _status_without_plan(account)
        _set_status(account, status, now, actor, actor_name)


def _break_plan(
    account: Account, plan: Plan, as_of: date, now: datetime, actor: str, actor_name: str
) -> None:
    plan.status = PlanStatus.BROKEN
    plan.closed_at = now
    plan.save(update_fields=["status", "closed_at"])
    _event(
        account,
        EventKind.PLAN_BROKEN,
        now,
        actor,
        actor_name,
        as_of=as_of,
        data={"plan_id": plan.pk, "kind": plan.kind},
    )
    if account.status == AccountStatus.PLAN:
        _set_status(account, _status_without_plan(account), now, actor, actor_name)


def _money(amount: Decimal, currency: str) -> str:
    """Money in event data: the currency's decimals, as text (``"150000.00"``)."""
    return str(quantize(Decimal(amount), currency))


def _status_without_promise(account: Account) -> str:
    if account.plans.filter(status=PlanStatus.ACTIVE).exists():
        return AccountStatus.PLAN
    return AccountStatus.ACTIVE


def _status_without_plan(account: Account) -> str:
    if account.promises.filter(status=PromiseStatus.ACTIVE).exists():
        return AccountStatus.PROMISE
    return AccountStatus.ACTIVE


def _paid_since(promise: Promise, account: Account) -> Decimal:
    """What the account paid since the promise was made: payments made (``paid_at``) on or
    after the day it was made, in the creditor's timezone, whenever they were recorded."""
    zone = ZoneInfo(account.creditor.timezone)
    day = promise.created_at.astimezone(zone).date()
    start = datetime.combine(day, time(), tzinfo=zone)
    total = Payment.objects.filter(account_id=promise.account_id, paid_at__gte=start).aggregate(
        total=Sum("amount")
    )["total"]
    return Decimal(total or 0)


def _local_today(account: Account, now: datetime) -> date:
    return now.astimezone(ZoneInfo(account.creditor.timezone)).date()


def _payment_with_reference(account: Account, reference: str) -> Payment | None:
    return Payment.objects.filter(
        creditor_id=account.creditor_id, external_reference=reference
    ).first()


# The same promise (amount and date) by the same actor this recently is a double submit: the
# first one is kept and nothing new is written.
PROMISE_REPEAT_WINDOW = timedelta(minutes=5)


def make_promise(
    account: Account,
    *,
    amount: Decimal,
    promised_date: date,
    today: date,
    channel: str = "",
    actor: str,
    actor_name: str = "",
    enforce_limits: bool = True,
) -> Promise:
    """Record a promise to pay; it replaces the account's active one and pauses dunning until
    ``promised_date`` (the contact policy reads it). ``make_promise_once`` also says whether
    the promise is new.

    With ``enforce_limits`` (the assistant, the self-service page, the API) the creditor's
    limits apply (``promises.promise_terms``); an agent may pass False. Raises
    ``AgreementRefused`` out of limits, for a date in the past, a non-positive amount or an
    account in dispute, legal or closed.

    Queues the reminder for the day before the promised date at 10:00 in the customer's
    timezone: the newest approved ``promise-reminder`` template on the customer's preferred
    channel, else the first of WhatsApp, SMS and e-mail with an approved template and an
    active debtor contact point that has not withdrawn consent for it (purpose
    ``promise_reminder``: the promise's own pause does not hold it back, the contact policy's
    hours and caps do). No reminder when there is no such template and contact point, or when
    that moment has already passed (a promise for today or tomorrow afternoon). A replaced,
    kept or broken promise's queued reminder is cancelled.

    A double submit writes once: when the account's active promise has the same amount and
    date and was made by the same actor (and actor name) within ``PROMISE_REPEAT_WINDOW``, it
    is returned as it is (no second promise, no second ``promise_made`` event). The check runs
    with the account row locked, so two submits at once also leave one promise.
    """
    return make_promise_once(
        account,
        amount=amount,
        promised_date=promised_date,
        today=today,
        channel=channel,
        actor=actor,
        actor_name=actor_name,
        enforce_limits=enforce_limits,
    )[0]


def make_promise_once(
    account: Account,
    *,
    amount: Decimal,
    promised_date: date,
    today: date,
    channel: str = "",
    actor: str,
    actor_name: str = "",
    enforce_limits: bool = True,
) -> tuple[Promise, bool]:
    """``make_promise``, and whether the promise is new (False: the same promise by the same
    actor within ``PROMISE_REPEAT_WINDOW`` was already active and is returned unchanged)."""
    with translation.override(customer_language(account)):
        if amount <= 0 or not has_valid_precision(amount, account.currency):
            raise AgreementRefused(
                "invalid_amount",
                gettext("The amount must be more than zero, in %(currency)s.")
                % {"currency": account.currency},
            )
    now = timezone.now()
    with transaction.atomic():
        # Locked so two promises made at once leave one active.
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.status in STATUSES_WITHOUT_AGREEMENTS:
            # A promise must not lift a dispute or a lawsuit, nor reopen a closed account.
            raise _status_refusal(account)
        repeated = (
            account.promises.filter(
                status=PromiseStatus.ACTIVE,
                amount=amount,
                promised_date=promised_date,
                actor=actor,
                actor_name=actor_name,
                created_at__gte=now - PROMISE_REPEAT_WINDOW,
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if repeated is not None:
            return repeated, False
        if enforce_limits:
            check_promise(account, amount=amount, promised_date=promised_date, today=today)
        elif promised_date < today:
            raise AgreementRefused(
                "date_in_past", f"the promised date {promised_date} is before {today}"
            )
        for previous in account.promises.filter(status=PromiseStatus.ACTIVE):
            _close_promise(account, previous, PromiseStatus.CANCELLED, now, actor, actor_name)
        promise = Promise.objects.create(
            account=account,
            amount=amount,
            promised_date=promised_date,
            channel=channel,
            actor=actor,
            actor_name=actor_name,
        )
        _event(
            account,
            EventKind.PROMISE_MADE,
            now,
            actor,
            actor_name,
            data={
                "amount": _money(amount, account.currency),
                "promised_date": promised_date.isoformat(),
            },
        )
        _set_status(account, AccountStatus.PROMISE, now, actor, actor_name)
        _queue_promise_reminder(account, promise, now)
    return promise, True


def _status_refusal(account: Account) -> AgreementRefused:
    with translation.override(customer_language(account)):
        if account.status == AccountStatus.DISPUTE:
            text = gettext(
                "Your account is under review because of a dispute: an adviser will contact you."
            )
        elif account.status == AccountStatus.LEGAL:
            text = gettext("Your account is handled by our legal team: an adviser will help you.")
        else:
            text = gettext("This account has nothing left to agree: it is closed or paid.")
    return AgreementRefused("status", text)


def _close_promise(
    account: Account, promise: Promise, status: str, now: datetime, actor: str, actor_name: str
) -> None:
    Promise.objects.filter(pk=promise.pk).update(status=status)
    promise.status = status
    Message.objects.filter(dedupe_key=_reminder_key(promise), status=MessageStatus.QUEUED).update(
        status=MessageStatus.CANCELLED, error=f"promise {status}"
    )


def _reminder_key(promise: Promise) -> str:
    return f"promise-reminder:{promise.pk}"


def _queue_promise_reminder(account: Account, promise: Promise, now: datetime) -> Message | None:
    from recaudo.strategies.queries import latest_approved

    customer = account.customer
    zone = ZoneInfo(customer.timezone or account.creditor.timezone)
    moment = datetime.combine(
        promise.promised_date - timedelta(days=1), PROMISE_REMINDER_HOUR, tzinfo=zone
    )
    if moment <= now:
        return None
    preferred = [str(channel) for channel in customer.preferred_channels or []]
    order = list(dict.fromkeys([*preferred, Channel.WHATSAPP, Channel.SMS, Channel.EMAIL]))
    for channel in order:
        template = latest_approved(account.creditor, PROMISE_REMINDER_TEMPLATE, channel)
        if template is None:
            continue
        contact_point = reachable_contact_point(customer, channel)
        if contact_point is None:
            continue
        message, _new = queue_message(
            contact_point,
            channel=channel,
            account=account,
            template_id=template.pk,
            payload={"purpose": PROMISE_REMINDER, "promise_id": promise.pk},
            send_after=moment.astimezone(dt.UTC),
            dedupe_key=_reminder_key(promise),
        )
        return message
    return None


# --- payment plans -------------------------------------------------------------------------


def agree_plan(
    account: Account,
    *,
    option_key: str,
    today: date,
    channel: str = "",
    actor: str,
    actor_name: str = "",
) -> Plan:
    """Agree the plan option ``option_key`` of ``queries.options_for`` (recomputed here: the
    caller never passes amounts).

    Refuses (``AgreementRefused``) in dispute, legal or closed statuses and when the option is
    not offered. Cancels the active promise; closes the unpaid instalments (their amount due
    becomes what was paid, so the refresh no longer sees them past due; ``superseded_by`` the
    plan, so a re-import leaves them alone); stores in ``Plan.paid_before`` what was paid that
    no instalment took; adds the plan's schedule (down payment first) numbered from 10001,
    apart from the creditor's numbers; status ``plan``; a ``plan_agreed``
    event with the terms; cancels queued dunning; sends the terms in writing (the e-mail on
    file, else the customer's SMS or WhatsApp; purpose transactional, once per plan). The same
    option again while that plan is active returns it unchanged; another option replaces it.
    """
    now = timezone.now()
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.status in STATUSES_WITHOUT_AGREEMENTS:
            raise _status_refusal(account)
        active = account.plans.filter(status=PlanStatus.ACTIVE).order_by("-created_at").first()
        if active is not None and plan_key(active) == option_key:
            return active
        options = options_for(account, today=today)
        chosen = next((option for option in options if option.key == option_key), None)
        if chosen is None:
            with translation.override(customer_language(account)):
                if not options:
                    raise AgreementRefused(
                        "no_options",
                        gettext(
                            "There is no payment plan for this account right now: an adviser "
                            "can help you."
                        ),
                    )
                raise AgreementRefused(
                    "not_offered",
                    gettext("That option is not available. Choose one of: %(options)s.")
                    % {"options": ", ".join(option.key for option in options)},
                )
        if active is not None:
            active.status = PlanStatus.CANCELLED
            active.closed_at = now
            active.save(update_fields=["status", "closed_at"])
        for promise in account.promises.filter(status=PromiseStatus.ACTIVE):
            _close_promise(account, promise, PromiseStatus.CANCELLED, now, actor, actor_name)
        plan = Plan.objects.create(
            account=account,
            kind=chosen.kind,
            total=chosen.total,
            discount=chosen.discount,
            down_payment=chosen.down_payment,
            instalment_count=chosen.instalment_count,
            instalment_amount=chosen.instalment_amount,
            first_due_date=chosen.first_due_date,
            channel=channel,
            actor=actor,
            actor_name=actor_name,
        )
        closed = account.instalments.filter(amount_paid__lt=F("amount_due")).update(
            amount_due=F("amount_paid"), superseded_by=plan
        )
        plan.paid_before = _paid_beyond_instalments(account, plan)
        if plan.paid_before:
            plan.save(update_fields=["paid_before"])
        schedule = chosen.schedule()
        last = account.instalments.order_by("-number").values_list("number", flat=True).first()
        first_number = max(last or 0, PLAN_INSTALMENT_NUMBERS_AFTER) + 1
        Instalment.objects.bulk_create(
            Instalment(
                account=account,
                plan=plan,
                number=first_number + index,
                due_date=day,
                amount_due=amount,
            )
            for index, (day, amount) in enumerate(schedule)
        )
        _event(
            account,
            EventKind.PLAN_AGREED,
            now,
            actor,
            actor_name,
            to_value=chosen.key,
            data={
                "plan_id": plan.pk,
                "key": chosen.key,
                "kind": chosen.kind,
                "total": _money(chosen.total, account.currency),
                "discount": _money(chosen.discount, account.currency),
                "down_payment": _money(chosen.down_payment, account.currency),
                "instalment_count": chosen.instalment_count,
                "instalment_amount": _money(chosen.instalment_amount, account.currency),
                "first_due_date": chosen.first_due_date.isoformat(),
                "schedule": [
                    [day.isoformat(), _money(amount, account.currency)] for day, amount in schedule
                ],
                "instalments_closed": closed,
            },
        )
        _set_status(account, AccountStatus.PLAN, now, actor, actor_name)
        cancel_queued_messages(
            account,
            reason="a payment plan was agreed",
            actor=actor,
            actor_name=actor_name,
            purposes=(DUNNING, PROMISE_REMINDER),
        )
        _send_plan_terms(account, plan, chosen, channel)
    return plan


def _paid_beyond_instalments(account: Account, plan: Plan) -> Decimal:
    """What the account paid that no instalment (now all closed) nor an earlier plan's set-aside
    took: already out of the balance ``plan`` was agreed on, so it must not pay the plan."""
    paid = account.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    due = account.instalments.aggregate(total=Sum("amount_due"))["total"] or Decimal(0)
    earlier = account.plans.exclude(pk=plan.pk).aggregate(total=Sum("paid_before"))[
        "total"
    ] or Decimal(0)
    return max(Decimal(paid) - Decimal(due) - Decimal(earlier), Decimal(0))


def plan_key(plan: Plan) -> str:
    return key_for(plan.kind, plan.instalment_count)


def _send_plan_terms(
    account: Account, plan: Plan, option: PlanOption, channel: str
) -> Message | None:
    customer = account.customer
    subject, text = plan_terms_text(account, option)
    email = email_on_file(customer)
    key = f"plan-terms:{plan.pk}"
    payload: dict[str, Any] = {"purpose": TRANSACTIONAL, "plan_id": plan.pk}
    if email is not None:
        message, _new = queue_message(
            email,
            channel=Channel.EMAIL,
            subject=subject,
            body=text,
            account=account,
            payload=payload | {"attachments": [plan_terms_attachment(account, subject, text)]},
            dedupe_key=key,
            initiated_by_customer=True,
        )
        return message
    preferred = [str(item) for item in customer.preferred_channels or []]
    order = [channel] if channel in (Channel.SMS, Channel.WHATSAPP) else []
    order += [item for item in preferred if item in (Channel.SMS, Channel.WHATSAPP)]
    order += [Channel.SMS, Channel.WHATSAPP]
    for candidate in dict.fromkeys(order):
        point = reachable_contact_point(customer, candidate)
        if point is None:
            continue
        message, _new = queue_message(
            point,
            channel=candidate,
            body=text,
            account=account,
            payload=payload,
            dedupe_key=key,
            initiated_by_customer=True,
        )
        return message
    return None


# --- what the customer tells us ---------------------------------------------------------------


def report_payment(
    account: Account,
    *,
    paid_on: date | None,
    amount: Decimal | None,
    reference: str = "",
    channel: str,
    actor: str,
) -> Payment | None:
    """The customer says they paid: return the recorded payment that matches (the reference,
    or the same amount paid within 3 days of ``paid_on``), or None after opening a
    ``check_payment`` task for an agent (once per account and day). Writes a
    ``payment_reported`` event either way."""
    from recaudo.staff.actions import open_task
    from recaudo.staff.models import TaskKind

    now = timezone.now()
    today = _local_today(account, now)
    zone = ZoneInfo(account.creditor.timezone)
    with transaction.atomic():
        match = _matching_payment(account, paid_on, amount, reference, zone, today)
        data: dict[str, Any] = {
            "paid_on": paid_on.isoformat() if paid_on else "",
            "amount": _money(amount, account.currency) if amount is not None else "",
            "reference": reference,
            "channel": channel,
            "payment_id": match.pk if match else None,
        }
        _event(account, EventKind.PAYMENT_REPORTED, now, actor, "", data=data)
        if match is not None:
            return match
        with translation.override(customer_language(account)):
            reason = gettext(
                "The customer reports a payment (date: %(date)s, amount: %(amount)s, "
                "reference: %(reference)s) that is not recorded: check it."
            ) % {
                "date": paid_on.isoformat() if paid_on else "?",
                "amount": money_for(account, amount) if amount is not None else "?",
                "reference": reference or "?",
            }
        open_task(
            account.customer,
            kind=TaskKind.CHECK_PAYMENT,
            reason=reason,
            account=account,
            dedupe_key=f"check-payment:{account.pk}:{today.isoformat()}",
        )
    return None


def _matching_payment(
    account: Account,
    paid_on: date | None,
    amount: Decimal | None,
    reference: str,
    zone: ZoneInfo,
    today: date,
) -> Payment | None:
    payments = Payment.objects.filter(account=account)
    cleaned = reference.strip()
    if cleaned:
        found = (
            payments.filter(
                Q(external_reference__iexact=cleaned)
                | Q(external_reference__iendswith=f":{cleaned}")
            )
            .order_by("-paid_at")
            .first()
        )
        if found is not None:
            return found
    if amount is None:
        return None
    day = paid_on or today
    start = datetime.combine(day - timedelta(days=REPORTED_PAYMENT_DAYS), time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=REPORTED_PAYMENT_DAYS + 1), time(), tzinfo=zone)
    return (
        payments.filter(amount=amount, paid_at__gte=start, paid_at__lt=end)
        .order_by("-paid_at")
        .first()
    )


def open_dispute(
    account: Account,
    *,
    reason: str,
    channel: str,
    actor: str,
    actor_name: str = "",
    conversation: Any = None,
) -> Hold:
    """The customer disputes the debt: a dispute hold on the account (the contact policy stops
    collection contact), status ``dispute``, a ``dispute_opened`` event and a hand-off task for
    an adviser (with the conversation, when there is one). Idempotent: while the hold is open a
    second call returns it and writes nothing."""
    from recaudo.staff.actions import open_task
    from recaudo.staff.models import TaskKind

    now = timezone.now()
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        open_hold = Hold.objects.filter(
            customer_id=account.customer_id,
            account=account,
            kind=HoldKind.DISPUTE,
            released_at__isnull=True,
        ).first()
        if open_hold is not None:
            return open_hold
        hold = place_hold(
            account.customer,
            kind=HoldKind.DISPUTE,
            account=account,
            note=reason,
            actor=actor,
            actor_name=actor_name,
        )
        _event(
            account,
            EventKind.DISPUTE_OPENED,
            now,
            actor,
            actor_name,
            data={"reason": reason[:500], "channel": channel, "hold_id": hold.pk},
        )
        if account.status not in STATUSES_WITHOUT_AGREEMENTS:
            # A lawsuit keeps its status (the hold stops contact all the same); the status
            # the dispute replaces comes back when its hold is released.
            hold.status_before = account.status
            hold.save(update_fields=["status_before"])
            _set_status(account, AccountStatus.DISPUTE, now, actor, actor_name)
        cancel_queued_messages(
            account,
            reason="the debt is disputed",
            actor=actor,
            actor_name=actor_name,
            purposes=(DUNNING, PROMISE_REMINDER),
        )
        with translation.override(customer_language(account)):
            task_reason = gettext("The customer disputes the debt: %(reason)s") % {
                "reason": reason or "-"
            }
        open_task(
            account.customer,
            kind=TaskKind.HANDOFF,
            reason=task_reason,
            account=account,
            dedupe_key=f"dispute:{hold.pk}",
            conversation=conversation,
        )
    return hold


def record_cannot_pay(account: Account, *, reason: str, channel: str, actor: str) -> None:
    """The customer says they cannot pay: a ``cannot_pay`` event with the ``HardshipReason``
    (an unknown code is recorded as ``other``)."""
    code = reason if reason in HardshipReason.values else HardshipReason.OTHER
    _event(
        account,
        EventKind.CANNOT_PAY,
        timezone.now(),
        actor,
        "",
        to_value=code,
        data={"reason": code, "channel": channel},
    )


# --- the refresh's step -----------------------------------------------------------------------


def settle_agreements(creditor: Any, *, as_of: date) -> SettledAgreements:
    """The refresh's agreements step for a creditor's accounts with an active promise or plan.

    The same rules as after ``record_payment`` (so a payment that arrived by the file import
    or the API settles its agreements too): a promise covered by the payments made since it
    was made is kept; a plan whose instalments are all paid is completed (a settlement writes
    off its discount). Then the expired ones are broken: a promise whose date is before
    ``as_of`` (``promise_broken`` dated ``as_of``, the anchor of the strategy's kind
    follow-up), a plan with an instalment unpaid more than ``PLAN_BROKEN_AFTER_DAYS`` (30)
    days past its due date (``plan_broken``); the status goes back to active (or plan).

    One short transaction per account, with the account locked and its promise and plan read
    under the lock: a payment recorded at the same moment either comes before (and counts) or
    waits. The refresh runs this before the engine, so stages are computed on the new status.
    """
    now = timezone.now()
    done = SettledAgreements()
    candidates = (
        Account.objects.filter(creditor=creditor)
        .filter(Q(promises__status=PromiseStatus.ACTIVE) | Q(plans__status=PlanStatus.ACTIVE))
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    for account_pk in list(candidates):
        with transaction.atomic():
            account = (
                Account.objects.select_for_update(of=("self",))
                .select_related("creditor")
                .get(pk=account_pk)
            )
            done.add(_settle(account, as_of=as_of, now=now, actor=Actor.SYSTEM, actor_name=""))
    return done


def place_hold(
    customer: Customer,
    *,
    kind: str,
    account: Account | None = None,
    note: str = "",
    actor: str,
    actor_name: str = "",
) -> Hold:
    """Stop collection contact with the customer (or about one account) until released.

    Placing the same open hold twice returns the open one (a double click changes nothing).
    """
    now = timezone.now()
    with transaction.atomic():
        # Locked so a double click places one hold.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        open_hold = Hold.objects.filter(
            customer=customer, account=account, kind=kind, released_at__isnull=True
        ).first()
        if open_hold is not None:
            return open_hold
        hold = Hold.objects.create(
            customer=customer,
            account=account,
            kind=kind,
            note=note,
            started_at=now,
            actor=actor,
            actor_name=actor_name,
        )
        for held in _accounts_of(hold):
            _event(held, EventKind.HOLD_PLACED, now, actor, actor_name, to_value=kind)
    return hold


def release_hold(hold: Hold, *, actor: str, actor_name: str = "") -> Hold:
    """Lift a hold (twice changes nothing). Releasing an account's last open dispute hold puts
    back the status the dispute replaced (``Hold.status_before``; a promise or plan ended
    meanwhile gives active)."""
    now = timezone.now()
    with transaction.atomic():
        released = Hold.objects.filter(pk=hold.pk, released_at__isnull=True).update(released_at=now)
        if released:
            for held in _accounts_of(hold):
                _event(held, EventKind.HOLD_RELEASED, now, actor, actor_name, from_value=hold.kind)
            if hold.kind == HoldKind.DISPUTE and hold.account_id is not None:
                _end_dispute(hold, now, actor, actor_name)
    hold.refresh_from_db()
    return hold


def _end_dispute(hold: Hold, now: datetime, actor: str, actor_name: str) -> None:
    assert hold.account_id is not None
    account = Account.objects.select_for_update().get(pk=hold.account_id)
    still_open = Hold.objects.filter(
        account=account, kind=HoldKind.DISPUTE, released_at__isnull=True
    ).exists()
    if still_open or account.status != AccountStatus.DISPUTE:
        return
    before = Hold.objects.values_list("status_before", flat=True).get(pk=hold.pk)
    if before in ("", AccountStatus.ACTIVE, AccountStatus.PROMISE, AccountStatus.PLAN):
        # What the agreements say now (a promise or plan may have ended meanwhile).
        before = AccountStatus.PAID if account.balance <= 0 else _status_from_agreements(account)
    _set_status(account, before, now, actor, actor_name)


def _status_from_agreements(account: Account) -> str:
    if account.promises.filter(status=PromiseStatus.ACTIVE).exists():
        return AccountStatus.PROMISE
    return _status_without_promise(account)


def _accounts_of(hold: Hold) -> list[Account]:
    if hold.account is not None:
        return [hold.account]
    return list(hold.customer.accounts.all())


def _set_status(account: Account, status: str, now: datetime, actor: str, actor_name: str) -> None:
    if account.status == status:
        return
    _event(
        account,
        EventKind.STATUS_CHANGED,
        now,
        actor,
        actor_name,
        from_value=account.status,
        to_value=status,
    )
    account.status = status
    account.save(update_fields=["status", "updated_at"])


def _event(
    account: Account,
    kind: str,
    now: datetime,
    actor: str,
    actor_name: str,
    *,
    from_value: str = "",
    to_value: str = "",
    data: dict[str, Any] | None = None,
    as_of: date | None = None,
) -> None:
    AccountEvent.objects.create(
        account=account,
        kind=kind,
        at=now,
        as_of=as_of,
        actor=actor,
        actor_name=actor_name,
        from_value=from_value,
        to_value=to_value,
        data=data or {},
    )


# --- the console's notes and payment links ----------------------------------------------------

# A note with the same text by the same person on the same account this recently is the same
# note (a double click): it is written once.
NOTE_REPEAT_WINDOW = timedelta(minutes=2)
PAYMENT_LINK_TEMPLATE = "payment-link"
PAYMENT_LINK_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.EMAIL)


def add_note(account: Account, *, text: str, actor: str, actor_name: str = "") -> AccountEvent:
    """Write a free-text note on the account's timeline (an ``AccountEvent`` of kind ``note``).

    The same text by the same actor within ``NOTE_REPEAT_WINDOW`` returns the note already
    written (a double click writes one)."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("a note needs some text")
    now = timezone.now()
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        repeated = (
            AccountEvent.objects.filter(
                account=account,
                kind=EventKind.NOTE,
                actor=actor,
                actor_name=actor_name,
                at__gte=now - NOTE_REPEAT_WINDOW,
                data__text=cleaned,
            )
            .order_by("-at", "-id")
            .first()
        )
        if repeated is not None:
            return repeated
        return AccountEvent.objects.create(
            account=account,
            kind=EventKind.NOTE,
            at=now,
            actor=actor,
            actor_name=actor_name,
            data={"text": cleaned},
        )


class ContactRefused(ValueError):
    """A message a person asked for that cannot be queued: ``code`` for programs
    ("channel", "status", "no_template", "no_contact_point", "policy"), ``message`` for the
    person, saying why and what to do."""

    def __init__(self, code: str, message: str, *, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reasons = reasons


def send_payment_link(
    account: Account, *, channel: str, actor_name: str, actor: str = Actor.AGENT
) -> tuple[Message, bool]:
    """Queue the account's signed payment link (``strategies.links.payment_link``, rendered by
    the creditor's newest approved ``payment-link`` template on ``channel``) to the customer's
    first reachable contact point on that channel; return the message and whether it is new.

    The contact policy is asked now, as the worker will ask it again right before sending
    (purpose ``dunning``: the person chose to send it, so hours, caps, holds and consent all
    apply): a refusal for the time of day queues it for the policy's next allowed time; any
    other refusal raises ``ContactRefused`` with the policy's reasons and queues nothing. Once
    per account, day and channel (dedupe key ``payment-link:<account>:<day>:<channel>``): the
    same request again returns the first message. A new message writes a ``payment_link_sent``
    event on the account's timeline.
    """
    from recaudo.channels.models import Direction
    from recaudo.debts.models import TERMINAL_STATUSES
    from recaudo.policy.context import contact_request_for_message
    from recaudo.policy.decide import decide
    from recaudo.strategies.queries import latest_approved

    if channel not in PAYMENT_LINK_CHANNELS:
        raise ContactRefused(
            "channel",
            gettext("A payment link goes by SMS, WhatsApp or e-mail: choose one of them."),
        )
    now = timezone.now()
    today = _local_today(account, now)
    key = f"payment-link:{account.pk}:{today.isoformat()}:{channel}"
    existing = Message.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    if account.status in TERMINAL_STATUSES or account.balance <= 0:
        raise ContactRefused(
            "status", gettext("This account has nothing to pay: it is paid or closed.")
        )
    template = latest_approved(account.creditor_id, PAYMENT_LINK_TEMPLATE, channel)
    if template is None:
        raise ContactRefused(
            "no_template",
            gettext(
                "There is no approved payment-link template for %(channel)s: approve one in "
                "Strategy > Templates, or choose another channel."
            )
            % {"channel": Channel(channel).label},
        )
    customer = account.customer
    point = reachable_contact_point(customer, channel)
    if point is None:
        raise ContactRefused(
            "no_contact_point",
            gettext(
                "The customer has no active contact point for %(channel)s that accepts it: "
                "choose another channel."
            )
            % {"channel": Channel(channel).label},
        )
    payload: dict[str, Any] = {"purpose": DUNNING, "sent_by": actor_name}
    probe = Message(
        creditor_id=account.creditor_id,
        customer=customer,
        account=account,
        contact_point=point,
        channel=channel,
        address=point.value,
        recipient_role=point.role,
        payload=payload,
        direction=Direction.OUTBOUND,
    )
    decision = decide(contact_request_for_message(probe, at=now))
    send_after: datetime | None = None
    if not decision.allowed:
        later = decision.next_allowed_at
        if later is None or later > now + timedelta(days=3):
            raise ContactRefused(
                "policy",
                gettext("The contact policy does not allow this message: %(reasons)s")
                % {"reasons": "; ".join(decision.reasons) or decision.rule},
                reasons=tuple(decision.reasons),
            )
        send_after = later
    with transaction.atomic():
        message, new = queue_message(
            point,
            channel=channel,
            account=account,
            template_id=template.pk,
            payload=payload,
            send_after=send_after,
            dedupe_key=key,
        )
        if new:
            _event(
                account,
                EventKind.PAYMENT_LINK_SENT,
                now,
                actor,
                actor_name,
                to_value=channel,
                data={
                    "message_id": message.pk,
                    "channel": channel,
                    "send_after": send_after.isoformat() if send_after else "",
                },
            )
    return message, new
