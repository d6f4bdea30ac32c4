"""Writes on the agents' queue."""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from recaudo.customers.models import Customer
from recaudo.debts.models import Account
from recaudo.lib.money import to_minor_units
from recaudo.staff.models import Task
from recaudo.staff.priority import task_priority

if TYPE_CHECKING:
    from recaudo.conversations.models import Conversation


def open_task(
    customer: Customer,
    *,
    kind: str,
    reason: str,
    account: Account | None = None,
    dedupe_key: str | None = None,
    conversation: "Conversation | None" = None,
) -> tuple[Task, bool]:
    """Put a task in the agents' queue; return it and whether it is new.

    A ``dedupe_key`` already used returns that task (a provider retry, a double click).
    """
    if dedupe_key is not None:
        existing = Task.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    priority = (
        task_priority(
            account.stage, to_minor_units(account.balance, account.currency), account.score
        )
        if account is not None
        else 0
    )
    try:
        with transaction.atomic():
            task = Task.objects.create(
                creditor_id=customer.creditor_id,
                customer=customer,
                account=account,
                kind=kind,
                reason=reason,
                priority=priority,
                dedupe_key=dedupe_key,
                conversation=conversation,
            )
    except IntegrityError:
        existing = Task.objects.filter(dedupe_key=dedupe_key).first()
        if dedupe_key is None or existing is None:
            raise
        return existing, False
    return task, True
