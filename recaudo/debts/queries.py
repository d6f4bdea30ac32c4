"""Reads of the ledger used by more than one caller (assistant, self-service page, console)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext, pgettext, to_locale
from django.utils.translation import gettext as _

from recaudo.customers.models import Customer
from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    AccountEvent,
    AccountStatus,
    Actor,
    EventKind,
    HardshipReason,
    HoldKind,
    Instalment,
    Plan,
    PlanKind,
    PlanPolicy,
    PlanStatus,
    Stage,
)
from recaudo.debts.plans import PlanOption, plan_options
from recaudo.lib.money import format_money

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


# --- an instalment's state (the console's and the self-service page's tables) ----------------


class InstalmentState(StrEnum):
    REPLACED = "replaced"  # superseded by a plan's instalments
    PAID = "paid"
    PARTIAL = "partial"  # partly paid, not yet due
    OVERDUE = "overdue"  # due before today and not fully paid (partly paid or not)
    PENDING = "pending"


def instalment_state(instalment: Instalment, today: date) -> InstalmentState:
    """The one rule for an instalment's state as of ``today``: replaced by a plan, else paid,
    else overdue (due before today), else partly paid, else pending."""
    if instalment.superseded_by_id is not None:
        return InstalmentState.REPLACED
    if instalment.amount_paid >= instalment.amount_due:
        return InstalmentState.PAID
    if instalment.due_date < today:
        return InstalmentState.OVERDUE
    if instalment.amount_paid > 0:
        return InstalmentState.PARTIAL
    return InstalmentState.PENDING


def instalment_state_labels() -> dict[InstalmentState, str]:
    """Each state's label in the active language."""
    return {
        InstalmentState.REPLACED: pgettext("instalment state", "Replaced by a plan"),
        InstalmentState.PAID: pgettext("instalment state", "Paid"),
        InstalmentState.PARTIAL: pgettext("instalment state", "Partly paid"),
        InstalmentState.OVERDUE: pgettext("instalment state", "Overdue"),
        InstalmentState.PENDING: pgettext("instalment state", "Pending"),
    }


# --- a customer's timeline (the console's customer view) -------------------------------------

# The outbox's dedupe key of the assistant's replies (``conversations.inbound``): they belong to
# their conversation's entry.
ASSISTANT_REPLY_PREFIX = "assistant:"
# Order of the sources among entries at the same instant (higher first), and in the cursor.
TIMELINE_SOURCES = {"event": 3, "message": 2, "conversation": 1, "task": 0}
# Event data worth a word on the timeline, in this order (ids and schedules are left out).
_EVENT_DATA_KEYS = (
    "text",
    "reason",
    "amount",
    "promised_date",
    "key",
    "total",
    "reference",
    "channel",
    "count",
)


def _event_data_labels() -> dict[str, str]:
    return {
        "reason": _("reason"),
        "amount": _("amount"),
        "promised_date": _("promised date"),
        "key": _("option"),
        "total": _("total"),
        "reference": _("reference"),
        "channel": _("channel"),
        "count": _("count"),
    }


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's timeline: an account event, a channel message, an assistant
    conversation (summarised) or a task for the agents."""

    source: str  # a key of TIMELINE_SOURCES
    id: int
    at: datetime
    kind: str
    label: str
    text: str = ""
    actor: str = ""
    actor_label: str = ""
    actor_name: str = ""
    account_id: int | None = None
    account_external_id: str = ""
    channel: str = ""
    status: str = ""
    direction: str = ""
    conversation_id: int | None = None

    @property
    def channel_label(self) -> str:
        from recaudo.conversations.models import ConversationChannel
        from recaudo.customers.models import Channel

        labels = dict(ConversationChannel.choices) | dict(Channel.choices)
        return str(labels.get(self.channel, self.channel))

    @property
    def cursor(self) -> str:
        """Where the next page starts: everything strictly older than this entry."""
        return f"{self.at.isoformat()}|{TIMELINE_SOURCES[self.source]}|{self.id}"


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    # The cursor for ``customer_timeline(before=...)``; None when nothing older is left.
    next_cursor: str | None


def parse_timeline_cursor(text: str) -> tuple[datetime, int, int]:
    """``TimelineEntry.cursor`` back into (instant, source rank, id); ValueError when invalid."""
    at_text, rank_text, id_text = text.split("|")
    at = datetime.fromisoformat(at_text)
    if at.tzinfo is None:
        raise ValueError("the cursor's instant has no timezone")
    return at, int(rank_text), int(id_text)


def _older_than(field: str, source: str, cursor: tuple[datetime, int, int] | None) -> Q:
    if cursor is None:
        return Q()
    at, rank, row_id = cursor
    condition = Q(**{f"{field}__lt": at})
    own = TIMELINE_SOURCES[source]
    if own < rank:
        condition |= Q(**{field: at})
    elif own == rank:
        condition |= Q(**{field: at, "id__lt": row_id})
    return condition


# Event data holding an amount in the account's currency, and a day (ISO text).
_MONEY_KEYS = frozenset({"amount", "total"})
_DATE_KEYS = frozenset({"promised_date"})
# Events whose ``from_value``/``to_value`` are amounts (as ``_money`` writes them).
_MONEY_TRANSITIONS = frozenset({EventKind.BALANCE_CHANGED})


def _value_labels(kind: str) -> dict[str, str]:
    """The labels of the codes an event of ``kind`` keeps in ``from_value``/``to_value``."""
    from recaudo.customers.models import Channel

    choices: dict[str, Any] = {
        EventKind.STATUS_CHANGED: AccountStatus.choices,
        EventKind.STAGE_CHANGED: Stage.choices,
        # Buckets are ranges of days ("1-30"), except the first, named like the stage.
        EventKind.BUCKET_CHANGED: [(Stage.CURRENT.value, Stage.CURRENT.label)],
        EventKind.HOLD_PLACED: HoldKind.choices,
        EventKind.HOLD_RELEASED: HoldKind.choices,
        EventKind.CANNOT_PAY: HardshipReason.choices,
        EventKind.PAYMENT_LINK_SENT: Channel.choices,
    }
    return {value: str(label) for value, label in choices.get(kind, [])}


def _money_text(value: Any, currency: str) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return format_money(amount, currency, to_locale(get_language() or "es"))


def _date_text(value: Any) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_format(day, "SHORT_DATE_FORMAT")


def _event_text(
    kind: str, from_value: str, to_value: str, data: dict[str, Any], currency: str
) -> str:
    """An event's words for a person: codes by their labels, amounts in the account's currency
    and the active language, days in its date format."""
    from recaudo.customers.models import Channel

    labels_of = _value_labels(kind)

    def shown(value: str) -> str:
        if kind in _MONEY_TRANSITIONS:
            return _money_text(value, currency)
        return labels_of.get(value, value)

    parts = []
    if from_value and to_value:
        parts.append(f"{shown(from_value)} → {shown(to_value)}")
    elif from_value or to_value:
        parts.append(shown(from_value or to_value))
    labels = _event_data_labels()
    channels = {value: str(label) for value, label in Channel.choices}
    reasons = {value: str(label) for value, label in HardshipReason.choices}
    for key in _EVENT_DATA_KEYS:
        value = data.get(key) if isinstance(data, dict) else None
        if value in (None, ""):
            continue
        if key == "text":
            parts.append(str(value))
            continue
        if key in _MONEY_KEYS:
            text = _money_text(value, currency)
        elif key in _DATE_KEYS:
            text = _date_text(value)
        elif key == "channel":
            text = channels.get(str(value), str(value))
        elif key == "reason" and kind == EventKind.CANNOT_PAY:
            if str(value) == to_value:
                continue  # already said by the transition
            text = reasons.get(str(value), str(value))
        else:
            text = str(value)
        parts.append(f"{labels[key]}: {text}")
    return " · ".join(parts)


def customer_timeline(customer: Customer, *, limit: int, before: str | None = None) -> Timeline:
    """The newest ``limit`` entries of everything that happened with the customer, newest
    first: the ``AccountEvent``s of all their accounts, their channel messages, their
    conversations (one entry each, at its last turn: the messages that carried its turns, the
    assistant's replies and its ``conversation`` events are summarised there, not repeated) and
    their tasks. Texts are for a person, in the active language: codes by their labels,
    amounts in the account's currency, days in the date format.

    ``before`` is the ``next_cursor`` of the previous page. Four queries, whatever the number
    of accounts and rows.
    """
    from recaudo.channels.models import Direction, Message, MessageStatus
    from recaudo.conversations.models import Conversation, ConversationStatus, Turn
    from recaudo.staff.models import Task, TaskKind, TaskStatus

    cursor = parse_timeline_cursor(before) if before else None
    take = limit + 1
    event_labels = dict(EventKind.choices)
    actors = dict(Actor.choices)
    entries: list[TimelineEntry] = []

    # An assistant conversation is one entry (below): its exchanges' events are not repeated.
    events = (
        AccountEvent.objects.filter(account__customer=customer)
        .exclude(kind=EventKind.CONVERSATION)
        .filter(_older_than("at", "event", cursor))
        .order_by("-at", "-id")
        .values_list(
            "id",
            "at",
            "kind",
            "actor",
            "actor_name",
            "from_value",
            "to_value",
            "data",
            "account_id",
            "account__external_id",
            "account__currency",
        )[:take]
    )
    for (
        row_id,
        at,
        kind,
        actor,
        actor_name,
        from_value,
        to_value,
        data,
        account_id,
        external,
        currency,
    ) in events:
        entries.append(
            TimelineEntry(
                source="event",
                id=row_id,
                at=at,
                kind=kind,
                label=str(event_labels.get(kind, kind)),
                text=_event_text(kind, from_value, to_value, data, currency),
                actor=actor,
                actor_label=str(actors.get(actor, actor)),
                actor_name=actor_name,
                account_id=account_id,
                account_external_id=external or "",
            )
        )

    turn_messages = Turn.objects.filter(
        conversation__customer=customer, message__isnull=False
    ).values("message_id")
    messages = (
        Message.objects.filter(customer=customer)
        .exclude(pk__in=turn_messages)
        .exclude(dedupe_key__startswith=ASSISTANT_REPLY_PREFIX)
        .filter(_older_than("created_at", "message", cursor))
        .order_by("-created_at", "-id")
        .values_list(
            "id",
            "created_at",
            "direction",
            "channel",
            "status",
            "subject",
            "body",
            "template__code",
            "policy_reasons",
            "account_id",
            "account__external_id",
        )[:take]
    )
    statuses = dict(MessageStatus.choices)
    directions = dict(Direction.choices)
    for (
        row_id,
        at,
        direction,
        channel,
        status,
        subject,
        body,
        template,
        reasons,
        account_id,
        external,
    ) in messages:
        text = (
            subject
            or body[:280]
            or (_("template %(code)s") % {"code": template} if template else "")
        )
        if status == MessageStatus.BLOCKED and reasons:
            text = f"{text} · {'; '.join(str(reason) for reason in reasons)}"
        entries.append(
            TimelineEntry(
                source="message",
                id=row_id,
                at=at,
                kind=direction,
                label=str(directions.get(direction, direction)),
                text=text,
                account_id=account_id,
                account_external_id=external or "",
                channel=channel,
                status=str(statuses.get(status, status)),
                direction=direction,
            )
        )

    last_text = (
        Turn.objects.filter(conversation=OuterRef("pk"), speaker="customer")
        .order_by("-at", "-id")
        .values("text")[:1]
    )
    conversations = (
        Conversation.objects.filter(customer=customer)
        .filter(_older_than("last_turn_at", "conversation", cursor))
        .annotate(turn_count=Count("turns"), last_customer_text=Subquery(last_text))
        .order_by("-last_turn_at", "-id")
        .values_list(
            "id",
            "last_turn_at",
            "channel",
            "status",
            "turn_count",
            "last_customer_text",
            "account_id",
            "account__external_id",
            "handed_off_at",
        )[:take]
    )
    conversation_statuses = dict(ConversationStatus.choices)
    for (
        row_id,
        at,
        channel,
        status,
        turn_count,
        text,
        account_id,
        external,
        handed_off_at,
    ) in conversations:
        summary = ngettext("%(count)d turn", "%(count)d turns", turn_count) % {"count": turn_count}
        if handed_off_at is not None:
            summary += " · " + str(_("handed to an adviser"))
        if text:
            summary += f" · «{text[:200]}»"
        entries.append(
            TimelineEntry(
                source="conversation",
                id=row_id,
                at=at,
                kind="conversation",
                label=str(_("assistant conversation")),
                text=summary,
                account_id=account_id,
                account_external_id=external or "",
                channel=channel,
                status=str(conversation_statuses.get(status, status)),
                conversation_id=row_id,
            )
        )

    tasks = (
        Task.objects.filter(customer=customer)
        .filter(_older_than("created_at", "task", cursor))
        .order_by("-created_at", "-id")
        .values_list(
            "id",
            "created_at",
            "kind",
            "status",
            "reason",
            "account_id",
            "account__external_id",
            "conversation_id",
        )[:take]
    )
    task_kinds = dict(TaskKind.choices)
    task_statuses = dict(TaskStatus.choices)
    for row_id, at, kind, status, reason, account_id, external, conversation_id in tasks:
        entries.append(
            TimelineEntry(
                source="task",
                id=row_id,
                at=at,
                kind=kind,
                label=str(_("task: %(kind)s") % {"kind": task_kinds.get(kind, kind)}),
                text=reason,
                account_id=account_id,
                account_external_id=external or "",
                status=str(task_statuses.get(status, status)),
                conversation_id=conversation_id,
            )
        )

    entries.sort(
        key=lambda entry: (entry.at, TIMELINE_SOURCES[entry.source], entry.id), reverse=True
    )
    page = entries[:limit]
    more = len(entries) > limit
    return Timeline(entries=page, next_cursor=page[-1].cursor if more and page else None)
