"""Reads for the assistant: the customer's accounts, what each owes and when, transcripts."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from recaudo.conversations.models import Conversation, Turn
from recaudo.customers.models import Customer
from recaudo.debts.models import TERMINAL_STATUSES, Account


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    balance: Decimal
    overdue: Decimal
    # (due date, unpaid part) of the next instalments not yet due, soonest first.
    upcoming: tuple[tuple[dt.date, Decimal], ...]
    oldest_overdue_date: dt.date | None

    @property
    def amount_to_pay(self) -> Decimal:
        """The overdue amount, or the balance when nothing is overdue."""
        return self.overdue if self.overdue > 0 else self.balance


def open_accounts(customer: Customer) -> list[Account]:
    """The customer's accounts still in collection, oldest first."""
    return list(
        Account.objects.filter(customer=customer)
        .exclude(status__in=TERMINAL_STATUSES)
        .order_by("opened_at", "id")
    )


def account_of(customer: Customer, account_id: int | str) -> Account | None:
    """The customer's open account with this id (never another customer's)."""
    try:
        number = int(account_id)
    except (TypeError, ValueError):
        return None
    return next((account for account in open_accounts(customer) if account.pk == number), None)


def summary(account: Account, *, today: dt.date, upcoming: int = 3) -> AccountSummary:
    """Balance, overdue amount and next due dates as of ``today``, from the instalments.

    Without instalments the refresh's figures on the account are used.
    """
    rows = list(
        account.instalments.order_by("due_date", "number").values_list(
            "due_date", "amount_due", "amount_paid"
        )
    )
    balance = Decimal(account.balance)
    if not rows:
        next_due = account.next_due_date
        return AccountSummary(
            account=account,
            balance=balance,
            overdue=min(Decimal(account.overdue_amount), balance),
            upcoming=((next_due, balance),) if next_due and next_due >= today else (),
            oldest_overdue_date=None,
        )
    unpaid = [(due, owed - paid) for due, owed, paid in rows if paid < owed]
    overdue = sum((rest for due, rest in unpaid if due < today), Decimal(0))
    return AccountSummary(
        account=account,
        balance=balance,
        overdue=max(min(overdue, balance), Decimal(0)),
        upcoming=tuple((due, rest) for due, rest in unpaid if due >= today)[:upcoming],
        oldest_overdue_date=next((due for due, _rest in unpaid if due < today), None),
    )


def last_turns(conversation: Conversation, count: int = 12) -> list[Turn]:
    turns = list(conversation.turns.order_by("-at", "-id")[:count])
    turns.reverse()
    return turns


def transcript(conversation: Conversation, count: int = 12) -> str:
    """The last turns as text, for an adviser."""
    return "\n".join(
        f"[{turn.at:%Y-%m-%d %H:%M}] {turn.get_speaker_display()}: {turn.text}"
        for turn in last_turns(conversation, count)
        if turn.text
    )
