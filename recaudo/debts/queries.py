"""Reads of the ledger used by more than one caller (assistant, self-service page, console)."""

from datetime import date
from decimal import Decimal

from django.db.models import F, Q

from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    AccountStatus,
    Plan,
    PlanKind,
    PlanPolicy,
    PlanStatus,
)
from recaudo.debts.plans import PlanOption, plan_options

# Accounts in these statuses are offered no plan (and take no promise).
STATUSES_WITHOUT_AGREEMENTS = TERMINAL_STATUSES | {AccountStatus.DISPUTE, AccountStatus.LEGAL}


def plan_policy_for(account: Account) -> PlanPolicy | None:
    """The creditor's most specific plan policy for the account: its stage and segment, then
    its stage (any segment), then its segment (any stage), then the creditor-wide one."""
    candidates = PlanPolicy.objects.filter(
        Q(stage=account.stage) | Q(stage=""),
        Q(segment=account.segment) | Q(segment=""),
        creditor_id=account.creditor_id,
    )

    def rank(policy: PlanPolicy) -> int:
        return (0 if policy.stage else 2) + (0 if policy.segment else 1)

    ranked = sorted(candidates, key=lambda policy: (rank(policy), policy.pk))
    return ranked[0] if ranked else None


def options_for(account: Account, *, today: date) -> list[PlanOption]:
    """The plan options for the account today ([] when its status takes no agreement)."""
    if account.status in STATUSES_WITHOUT_AGREEMENTS:
        return []
    return plan_options(account, plan_policy_for(account), today=today)


def plan_payment_due(plan: Plan) -> Decimal:
    """What is left to pay of the plan's first unpaid instalment (its down payment, or the
    first instalment, minus what was already paid on it); for a settlement, what is left of
    its discounted total. Zero when the plan is paid."""
    unpaid = list(
        plan.instalments.filter(amount_paid__lt=F("amount_due"))
        .order_by("due_date", "number")
        .values_list("amount_due", "amount_paid")
    )
    if not unpaid:
        return Decimal(0)
    if plan.kind == PlanKind.SETTLEMENT:
        return sum((due - paid for due, paid in unpaid), Decimal(0))
    due, paid = unpaid[0]
    return due - paid


def active_settlement(account: Account) -> Plan | None:
    """The account's active settlement plan (pay its discounted total, not the balance)."""
    return (
        account.plans.filter(status=PlanStatus.ACTIVE, kind=PlanKind.SETTLEMENT)
        .order_by("-created_at")
        .first()
    )
