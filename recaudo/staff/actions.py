"""Writes on the agents' queue."""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from recaudo.customers.models import Customer
from recaudo.debts.models import Account
from recaudo.lib.money import to_minor_units
from recaudo.staff.models import Task, TaskKind, TaskStatus
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


def close_task(task: Task, *, status: str = TaskStatus.DONE, agent_name: str = "") -> bool:
    """Close an open (or assigned) task as done or cancelled; False when it was already closed.

    Closing a hand-off task gives its conversation back to the assistant
    (``conversations.actions.return_to_assistant``), which answers the customer's next message.
    """
    from django.utils import timezone

    from recaudo.conversations.actions import return_to_assistant

    if status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise ValueError(f"a task closes as done or cancelled, not {status}")
    with transaction.atomic():
        closed = Task.objects.filter(
            pk=task.pk, status__in=(TaskStatus.OPEN, TaskStatus.ASSIGNED)
        ).update(status=status, closed_at=timezone.now())
        if not closed:
            return False
        task.refresh_from_db(fields=["status", "closed_at"])
        if task.kind == TaskKind.HANDOFF and task.conversation is not None:
            return_to_assistant(task.conversation, agent_name=agent_name)
    return True
