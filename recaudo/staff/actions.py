"""Writes on the agents' queue, the access audit log and the login locks."""

import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.db import IntegrityError, transaction

from recaudo.customers.models import Customer
from recaudo.debts.models import Account
from recaudo.lib.masking import mask_tail
from recaudo.lib.money import to_minor_units
from recaudo.staff.models import AuditEntry, LoginLock, Task, TaskKind, TaskStatus
from recaudo.staff.priority import task_priority

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
    from django.http import HttpRequest

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


def record_audit(
    user: "AbstractBaseUser | AnonymousUser | None",
    action: str,
    *,
    username: str = "",
    request: "HttpRequest | None" = None,
    customer: Customer | None = None,
    account: Account | None = None,
    creditor_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one line to the access audit log (``AuditEntry``)."""
    known = user if user is not None and user.is_authenticated else None
    if creditor_id is None:
        holder = account or customer
        creditor_id = holder.creditor_id if holder is not None else None
    return AuditEntry.objects.create(
        user=cast("User | None", known),
        username=username or (known.get_username() if known is not None else ""),
        action=action,
        creditor_id=creditor_id,
        customer=customer if customer is not None else (account.customer if account else None),
        account=account,
        path=_masked_path(request.get_full_path())[:300] if request is not None else "",
        ip=request.META.get("REMOTE_ADDR") if request is not None else None,
        detail=_masked_detail(detail or {}),
    )


# Query parameters that may hold a document number (customer search, consent lookup, the
# audit filter): the audit log keeps only their tail.
SENSITIVE_PARAMETERS = frozenset({"q", "customer", "document"})


def _masked_path(full_path: str) -> str:
    """The request's path with the values of ``SENSITIVE_PARAMETERS`` masked."""
    path, mark, query = full_path.partition("?")
    if not mark:
        return full_path
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in SENSITIVE_PARAMETERS for name, _value in pairs):
        return full_path
    masked = [
        (name, mask_tail(value) if name in SENSITIVE_PARAMETERS and value else value)
        for name, value in pairs
    ]
    return f"{path}?{urlencode(masked)}"


def _masked_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` with the ``SENSITIVE_PARAMETERS`` of ``detail["filters"]`` masked."""
    filters = detail.get("filters")
    if not isinstance(filters, dict):
        return detail
    masked = {
        name: mask_tail(value)
        if name in SENSITIVE_PARAMETERS and isinstance(value, str) and value
        else value
        for name, value in filters.items()
    }
    return {**detail, "filters": masked}


def login_lock_key(username: str) -> str:
    """The key a user name is counted and locked under: NFKC-normalised (as Django's
    ``UsernameField`` does), case-folded and stripped, so look-alike spellings share one lock."""
    return unicodedata.normalize("NFKC", username).casefold().strip()[:150]


def login_locked_until(username: str, *, now: datetime) -> datetime | None:
    """When the user name may try again, or None when it is not locked."""
    lock = LoginLock.objects.filter(username=login_lock_key(username), locked_until__gt=now).first()
    return lock.locked_until if lock is not None else None


def register_failed_login(username: str, *, now: datetime) -> datetime | None:
    """Count a failed login; lock the user name after too many in a row. Returns the lock end.

    The single source of truth for the lock: the count is taken under ``select_for_update``, so
    parallel failures are all counted (the form's early check is only a shortcut; a few parallel
    attempts may pass it before the lock is written)."""
    name = login_lock_key(username)
    limit = settings.RECAUDO_LOGIN_MAX_FAILURES
    with transaction.atomic():
        lock, _created = LoginLock.objects.select_for_update().get_or_create(username=name)
        if lock.locked_until is not None and lock.locked_until <= now:
            lock.failures = 0  # an expired lock starts a new count
            lock.locked_until = None
        lock.failures += 1
        lock.last_failure_at = now
        if lock.failures >= limit:
            lock.locked_until = now + timedelta(minutes=settings.RECAUDO_LOGIN_LOCK_MINUTES)
        lock.save()
    return lock.locked_until


def clear_failed_logins(username: str) -> None:
    LoginLock.objects.filter(username=login_lock_key(username)).delete()


def take_task(task: Task, *, user: "AbstractBaseUser") -> bool:
    """Assign an open task to ``user`` with one conditional UPDATE, so two agents can never
    both take it. True when the task is now the user's (taking it twice is harmless); False
    when another agent took it first or it was closed meanwhile."""
    taken = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.ASSIGNED, assigned_to=user
    )
    task.refresh_from_db(fields=["status", "assigned_to"])
    return bool(taken) or (task.status == TaskStatus.ASSIGNED and task.assigned_to_id == user.pk)
