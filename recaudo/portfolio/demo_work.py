"""Work for the demo's agents: hand-offs from the assistant and tasks in "Mi bandeja".

Hand-offs go through the real assistant (a web chat that asks for an adviser and verifies the
identity), so the inbox shows what production shows. Safe to run again: a customer who already
has a demo task is skipped.
"""

from django.db.models import QuerySet

from recaudo.conversations.actions import open_conversation, take_turn
from recaudo.debts.models import Account, Creditor
from recaudo.staff.actions import open_task
from recaudo.staff.models import Task, TaskKind

HANDOFFS = 3
CALLS = 3
PAYMENT_CHECKS = 2


def seed_agent_work(creditor: Creditor) -> int:
    """Create the demo's hand-offs and tasks for one creditor; return how many are new."""
    accounts = _overdue_accounts(creditor)
    # The chat reads a document of digits only (a Mexican CURP has letters): such customers
    # are handed off; the others get tasks.
    handoffs = list(accounts.filter(customer__document_number__regex=r"^[0-9]+$")[:HANDOFFS])
    rest = list(
        accounts.exclude(pk__in=[account.pk for account in handoffs])[: CALLS + PAYMENT_CHECKS]
    )
    created = sum(_hand_off(account) for account in handoffs)
    for index, account in enumerate(rest):
        kind = TaskKind.CALL if index < CALLS else TaskKind.CHECK_PAYMENT
        reason = (
            "Llamar: sin respuesta por canales digitales en los últimos 7 días."
            if kind == TaskKind.CALL
            else "El cliente reporta un pago por transferencia que no aparece en el archivo."
        )
        _task, new = open_task(
            account.customer,
            kind=kind,
            reason=reason,
            account=account,
            dedupe_key=f"demo:{kind}:{account.pk}",
        )
        created += new
    return created


def _overdue_accounts(creditor: Creditor) -> QuerySet[Account]:
    return (
        Account.objects.filter(
            creditor=creditor, overdue_amount__gt=0, customer__birth_date__isnull=False
        )
        .select_related("customer")
        .order_by("-days_past_due", "id")
    )


def _hand_off(account: Account) -> bool:
    customer = account.customer
    if Task.objects.filter(customer=customer, kind=TaskKind.HANDOFF).exists():
        return False
    assert customer.birth_date is not None
    conversation = open_conversation(
        account.creditor, channel="web", address=f"demo-{customer.pk}", customer=customer
    )
    for text in (
        "hola, quiero hablar con un asesor por favor",
        customer.document_number,
        str(customer.birth_date.year),
    ):
        take_turn(conversation, text)
    return Task.objects.filter(customer=customer, kind=TaskKind.HANDOFF).exists()
