"""What the self-service page shows, read in a fixed number of queries and formatted for the
customer (amounts with babel in each account's currency, dates in words)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.text import capfirst

from recaudo.customers.models import (
    CHANNELS_BY_MEDIUM,
    Channel,
    ContactPoint,
    ContactPointStatus,
    ContactRole,
    Customer,
    Medium,
)
from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    Instalment,
    Payment,
    Plan,
    PlanKind,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recaudo.debts.queries import instalment_state, instalment_state_labels
from recaudo.lib.masking import mask_tail
from recaudo.strategies.templating import babel_locale, date_text, money_text

# Channels a customer may choose on the preferences page, in this order.
PREFERENCE_CHANNELS: tuple[str, ...] = (
    Channel.WHATSAPP,
    Channel.SMS,
    Channel.EMAIL,
    Channel.VOICE,
)
RECENT_PAYMENTS = 24


def locale_for(customer: Customer) -> str:
    country = customer.country or customer.creditor.country
    return babel_locale(translation.get_language() or customer.language, country)


@dataclass(frozen=True)
class PromiseView:
    amount: str
    date: str


@dataclass(frozen=True)
class PlanView:
    kind: str
    instalment_count: int
    instalment_amount: str
    down_payment: str
    total: str
    discount: str
    has_discount: bool
    first_due_date: str


@dataclass(frozen=True)
class AccountView:
    id: int
    product: str
    number: str
    currency: str
    balance: str
    overdue: str
    is_overdue: bool
    days_past_due: int
    next_due_date: str
    status: str
    status_code: str
    can_pay: bool
    promise: PromiseView | None
    plan: PlanView | None


@dataclass(frozen=True)
class InstalmentView:
    number: int
    due_date: str
    amount_due: str
    amount_paid: str
    state: str  # paid, partial, overdue, pending
    state_label: str


@dataclass(frozen=True)
class PaymentView:
    paid_on: str
    amount: str
    method: str


@dataclass(frozen=True)
class AccountDetail:
    account: AccountView
    instalments: list[InstalmentView] = field(default_factory=list)
    payments: list[PaymentView] = field(default_factory=list)


def _promise_view(promise: Promise | None, currency: str, locale: str) -> PromiseView | None:
    if promise is None:
        return None
    return PromiseView(
        amount=money_text(promise.amount, currency, locale),
        date=date_text(promise.promised_date, locale),
    )


def plan_view(plan: Plan, currency: str, locale: str) -> PlanView:
    return PlanView(
        kind=capfirst(plan.get_kind_display()),
        instalment_count=plan.instalment_count,
        instalment_amount=money_text(plan.instalment_amount, currency, locale),
        down_payment=money_text(plan.down_payment, currency, locale),
        total=money_text(plan.total, currency, locale),
        discount=money_text(plan.discount, currency, locale),
        has_discount=plan.discount > 0,
        first_due_date=date_text(plan.first_due_date, locale),
    )


def _account_view(account: Account, locale: str) -> AccountView:
    currency = account.currency
    promises: list[Promise] = getattr(account, "active_promises", [])
    plans: list[Plan] = getattr(account, "active_plans", [])
    overdue = Decimal(account.overdue_amount or 0)
    balance = Decimal(account.balance or 0)
    return AccountView(
        id=account.pk,
        product=capfirst(account.get_product_type_display()),
        number=mask_tail(account.external_id),
        currency=currency,
        balance=money_text(balance, currency, locale),
        overdue=money_text(overdue, currency, locale),
        is_overdue=overdue > 0,
        days_past_due=max(account.days_past_due, 0),
        next_due_date=date_text(account.next_due_date, locale),
        status=capfirst(account.get_status_display()),
        status_code=account.status,
        can_pay=balance > 0 and account.status not in TERMINAL_STATUSES,
        promise=_promise_view(promises[0] if promises else None, currency, locale),
        plan=plan_view(plans[0], currency, locale) if plans else None,
    )


def _accounts(customer: Customer) -> QuerySet[Account]:
    return (
        Account.objects.filter(customer=customer)
        .order_by("-overdue_amount", "external_id")
        .prefetch_related(
            Prefetch(
                "promises",
                queryset=Promise.objects.filter(status=PromiseStatus.ACTIVE).order_by(
                    "-created_at"
                ),
                to_attr="active_promises",
            ),
            Prefetch(
                "plans",
                queryset=Plan.objects.filter(status=PlanStatus.ACTIVE).order_by("-created_at"),
                to_attr="active_plans",
            ),
        )
    )


def accounts_overview(customer: Customer) -> list[AccountView]:
    """Every account of the customer, the most overdue first (3 queries, whatever their number)."""
    locale = locale_for(customer)
    return [_account_view(account, locale) for account in _accounts(customer)]


def customer_account(customer: Customer, account_id: int) -> Account | None:
    """The customer's account with that id (None for anyone else's)."""
    return _accounts(customer).filter(pk=account_id).first()


def account_view(account: Account, customer: Customer) -> AccountView:
    return _account_view(account, locale_for(customer))


def account_detail(account: Account, customer: Customer, *, today: dt.date) -> AccountDetail:
    locale = locale_for(customer)
    currency = account.currency
    labels = instalment_state_labels()
    instalments = []
    for instalment in Instalment.objects.filter(account=account).order_by("due_date", "number"):
        state = instalment_state(instalment, today)
        instalments.append(
            InstalmentView(
                number=instalment.number,
                due_date=date_text(instalment.due_date, locale),
                amount_due=money_text(instalment.amount_due, currency, locale),
                amount_paid=money_text(instalment.amount_paid, currency, locale),
                state=state,
                state_label=labels[state],
            )
        )
    payments = [
        PaymentView(
            paid_on=date_text(payment.paid_at.date(), locale),
            amount=money_text(payment.amount, currency, locale),
            method=capfirst(payment.get_method_display()),
        )
        for payment in Payment.objects.filter(account=account).order_by("-paid_at")[
            :RECENT_PAYMENTS
        ]
    ]
    return AccountDetail(
        account=_account_view(account, locale), instalments=instalments, payments=payments
    )


def masked_document(customer: Customer) -> str:
    return f"{customer.document_type} {mask_tail(customer.document_number)}".strip()


# --- contact preferences -------------------------------------------------------------------


def _debtor_contact_points(customer: Customer) -> list[ContactPoint]:
    return list(
        ContactPoint.objects.filter(
            customer=customer,
            role=ContactRole.DEBTOR,
            status=ContactPointStatus.ACTIVE,
            medium__in=[Medium.PHONE, Medium.EMAIL],
        )
    )


def available_channels(customer: Customer) -> list[str]:
    """The channels the customer can choose: those a contact point of theirs carries."""
    media = {point.medium for point in _debtor_contact_points(customer)}
    carried = {channel for medium in media for channel in CHANNELS_BY_MEDIUM.get(medium, ())}
    return [channel for channel in PREFERENCE_CHANNELS if channel in carried]


def accepted_channels(customer: Customer) -> list[str]:
    """Of the available channels, those not withdrawn for collections on every contact point
    that carries them (the newest consent row per contact point and channel is in force)."""
    from recaudo.customers.queries import accepted_channels as accepted

    return accepted(customer, available_channels(customer))


# --- payment plans -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPayment:
    """What opens a plan: its down payment, or the whole settlement in one go."""

    plan: Plan
    purpose: str  # a payments.models.CheckoutPurpose value
    amount: Decimal


def active_plan(account: Account) -> Plan | None:
    plans: list[Plan] | None = getattr(account, "active_plans", None)
    if plans is not None:
        return plans[0] if plans else None
    return account.plans.filter(status=PlanStatus.ACTIVE).order_by("-created_at").first()


def plan_payment_due(account: Account) -> PlanPayment | None:
    """The down payment (or settlement) of the active plan while its first instalment is
    unpaid; None otherwise."""
    plan = active_plan(account)
    if plan is None:
        return None
    from recaudo.debts.queries import plan_payment_due as left_to_pay

    first = plan.instalments.order_by("due_date", "number").first()
    if first is None or first.amount_paid >= first.amount_due:
        return None
    amount = left_to_pay(plan)  # what is left of it, not the plan's full amount
    if amount <= 0:
        return None
    if plan.kind == PlanKind.SETTLEMENT:
        return PlanPayment(plan=plan, purpose="settlement", amount=amount)
    if plan.down_payment > 0:
        return PlanPayment(plan=plan, purpose="plan_down_payment", amount=amount)
    return None
