"""Reads for the assistant: the customer's accounts, what each owes and when, transcripts."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from recaudo.conversations.models import (
    CannedReply,
    Conversation,
    ConversationChannel,
    Speaker,
    Turn,
)
from recaudo.customers.models import Customer
from recaudo.debts.models import TERMINAL_STATUSES, Account

if TYPE_CHECKING:
    from recaudo.channels.models import Message


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
    """The last turns as text, for an adviser, in the creditor's local time."""
    zone = ZoneInfo(conversation.creditor.timezone)
    return "\n".join(
        f"[{timezone.localtime(turn.at, zone):%Y-%m-%d %H:%M}] {turn.get_speaker_display()}: {turn.text}"
        for turn in last_turns(conversation, count)
        if turn.text
    )


# --- The agents' conversation view (console) -----------------------------------------------

# WhatsApp lets a business write freely for this long after the customer's last message.
WHATSAPP_WINDOW = dt.timedelta(hours=24)
TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's history across channels: a turn of the conversation or a
    message of the outbox/inbox log (``kind`` is ``"turn"`` or ``"message"``)."""

    at: dt.datetime
    kind: str
    speaker: str  # customer, assistant, agent; "" for an outbound message of a strategy
    text: str
    channel: str
    direction: str
    status: str
    status_label: str
    reasons: tuple[str, ...] = ()

    @property
    def channel_label(self) -> str:
        from recaudo.customers.models import Channel

        labels = dict(ConversationChannel.choices) | dict(Channel.choices)
        return str(labels.get(self.channel, self.channel))


def conversation_timeline(
    conversation: Conversation, *, limit: int = TIMELINE_LIMIT
) -> list[TimelineEntry]:
    """The conversation's turns and the customer's messages on every channel, oldest first, in
    one list (2 queries). A message that carried a turn is shown once, as the turn (with the
    message's status); the assistant's replies queued for a turn are its turns already."""
    from recaudo.channels.models import Direction, Message

    turns = list(
        Turn.objects.filter(conversation=conversation)
        .select_related("message")
        .order_by("-at", "-id")[:limit]
    )
    linked = {turn.message_id for turn in turns if turn.message_id is not None}
    entries = [
        TimelineEntry(
            at=turn.at,
            kind="turn",
            speaker=turn.speaker,
            text=turn.text,
            channel=turn.message.channel if turn.message else conversation.channel,
            direction=Direction.INBOUND if turn.speaker == Speaker.CUSTOMER else Direction.OUTBOUND,
            status=turn.message.status if turn.message else "",
            status_label=turn.message.get_status_display() if turn.message else "",
            reasons=_reasons(turn.message) if turn.message else (),
        )
        for turn in reversed(
            turns
        )  # oldest first: the stable sort below keeps same-instant turns in order
        if turn.text
    ]
    if conversation.customer_id is not None:
        messages = Message.objects.filter(customer_id=conversation.customer_id).order_by(
            "-created_at", "-id"
        )[:limit]
        for message in reversed(list(messages.select_related("template"))):
            if message.pk in linked:
                continue
            reply_to = (
                message.payload.get("reply_to") if isinstance(message.payload, dict) else None
            )
            if reply_to in linked:
                continue  # the assistant's reply to a turn: shown as its turn
            text = message.body or (message.template.name if message.template else "")
            entries.append(
                TimelineEntry(
                    at=message.created_at,
                    kind="message",
                    speaker=Speaker.CUSTOMER if message.direction == Direction.INBOUND else "",
                    text=text,
                    channel=message.channel,
                    direction=message.direction,
                    status=message.status,
                    status_label=message.get_status_display(),
                    reasons=_reasons(message),
                )
            )
    entries.sort(key=lambda entry: entry.at)
    return entries[-limit:]


def _reasons(message: "Message") -> tuple[str, ...]:
    """Why a message did not go (blocked by the policy, failed, cancelled)."""
    if message.status not in ("blocked", "failed", "cancelled"):
        return ()
    reasons: Any = message.policy_reasons
    if isinstance(reasons, str):
        reasons = [reasons]
    texts = tuple(str(reason) for reason in reasons or [] if reason)
    return texts or ((message.error,) if message.error else ())


@dataclass(frozen=True)
class ReplyWindow:
    """The 24-hour window since the customer last wrote on the conversation's channel and
    address: while ``open``, a reply counts as initiated by the customer and (WhatsApp) free
    text may go; ``ends`` is None when the customer never wrote from it."""

    ends: dt.datetime | None
    open: bool

    def left(self, now: dt.datetime) -> dt.timedelta:
        return max(self.ends - now, dt.timedelta(0)) if self.ends is not None else dt.timedelta(0)


def reply_window(conversation: Conversation, *, now: dt.datetime) -> ReplyWindow:
    """``WHATSAPP_WINDOW`` after the customer's last inbound message on the conversation's
    channel and address (one query): the only place this window is computed."""
    from recaudo.channels.queries import last_inbound_at

    last = last_inbound_at(channel=conversation.channel, address=conversation.address)
    if last is None:
        return ReplyWindow(ends=None, open=False)
    ends = last + WHATSAPP_WINDOW
    return ReplyWindow(ends=ends, open=now < ends)


def fill_placeholders(
    text: str, *, customer: Customer | None, account: Account | None, agent_name: str = ""
) -> str:
    """A canned reply for one customer: ``{nombre}``, ``{nombre_completo}``, ``{acreedor}``,
    ``{saldo}`` and ``{asesor}`` filled; an unknown placeholder is left as written."""
    from django.utils.translation import get_language, to_locale

    from recaudo.lib.money import format_money

    values: dict[str, str] = {"asesor": agent_name}
    if customer is not None:
        values["nombre"] = customer.first_name or customer.full_name
        values["nombre_completo"] = customer.full_name
        values["acreedor"] = customer.creditor.name
    if account is not None:
        values["saldo"] = format_money(
            Decimal(account.balance), account.currency, to_locale(get_language() or "es")
        )
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def canned_replies(creditor_id: int) -> list[CannedReply]:
    """The active canned replies offered for this creditor (its own and the shared ones)."""
    from django.db.models import Q

    return list(
        CannedReply.objects.filter(
            Q(creditor_id=creditor_id) | Q(creditor__isnull=True), active=True
        )
    )
