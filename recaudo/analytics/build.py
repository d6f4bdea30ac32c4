"""The writer of the daily aggregates (``DailyMetric``) the supervisors' dashboards read.

``build_day(creditor, day)`` computes every metric of recaudo/analytics/catalogue.py for one
creditor and one local day (``Creditor.timezone``) with a handful of grouped SQL queries (one
per family of facts, grouped by segment and every breakdown at once; totals and breakdowns are
then summed from those few rows) and replaces that day's rows in one transaction, so running it
again gives the same rows.

Snapshot metrics (``portfolio``, ``portfolio_overdue``, ``plans_active``) read the accounts'
and plans' current state: they are right only for the refresh's as-of day, so ``build_day`` writes them when ``day`` is
the creditor's latest ``Account.computed_as_of`` (or when asked), and leaves the snapshot rows
of other days alone. A backfill (``build_range``) rebuilds the flow metrics of past days from
their timestamps and events. ``build_after_refresh`` is what the nightly refresh calls: the
as-of day with its snapshot, and the ``REBUILD_DAYS`` before it again, whose messages may have
been delivered, read or replied to (within 72 h), and whose conversations handed off, since.
A range reads once which families of facts it can hold (``History``): quiet families are not
queried day after day.

How each metric is computed (the catalogue's docstring lists where it departs from the contract):

- messages: outbound messages whose ``sent_at`` falls in the day (``LOOKBACK`` bounds their
  ``created_at`` so the creditor's log index is used); delivered, read: ``delivered_at`` and
  ``read_at`` set; connected: ``connected`` and delivered; replied: an inbound message of the
  creditor on the same channel and address within ``REPLY_WINDOW`` after ``sent_at``;
  right party: to the debtor, and a conversation or replied; blocked: status ``blocked``,
  created that day; channel cost: attempts times the creditor's ``ChannelCost`` of the channel.
- promises and plans made: ``Promise``/``Plan`` created that day; kept and broken: their
  ``promise_kept``/``promise_broken``/``plan_broken`` events of that day (``as_of``, or ``at``
  when the event has no as-of), with the promise's or plan's own amount and actor.
- payments: ``paid_at`` in the day; strategy and variant of the last outbound message with a
  strategy sent to the account in the 30 days before the payment; source from the actor of
  the payment's ``payment_recorded`` event.
- transitions: ``bucket_changed`` events with ``as_of`` the day; amount is the account's
  balance now (the balance at the transition is not stored).
- conversations: started that day; handed off: of those, ``handed_off_at`` set; assistant's
  first response: its first turn minus ``started_at``; agent's first response: hand-off
  task created → the agent's first turn in its conversation after it, dated by that turn;
  satisfaction: rated conversations closed that day.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from recaudo.analytics.catalogue import (
    BREAKDOWNS,
    FLOW,
    NONE_KEY,
    SNAPSHOT,
    TRANSITION_SEPARATOR,
    Dimension,
    Metric,
    Source,
)
from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.channels.models import Direction, Message, MessageStatus, RecipientRole
from recaudo.conversations.models import Conversation, Speaker, Turn
from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    AccountEvent,
    Actor,
    Creditor,
    EventKind,
    Instalment,
    Payment,
    Plan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recaudo.staff.models import Task, TaskKind

# An inbound message this soon after an outbound one on the same channel and address replies to it.
REPLY_WINDOW = dt.timedelta(hours=72)
# A payment is attributed to the last strategy message sent this long before it.
ATTRIBUTION_WINDOW = dt.timedelta(days=30)
# A message is sent at most this long after it was created (planned up to 3 days ahead, retried).
LOOKBACK = dt.timedelta(days=14)
# A hand-off is answered (or given back to the assistant) well within this.
HANDOFF_LOOKBACK = dt.timedelta(days=30)
# Days before the as-of day the nightly run builds again (late deliveries, reads, replies).
REBUILD_DAYS = 3
KEY_LENGTH = DailyMetric._meta.get_field("key").max_length or 120
SOURCES: dict[str, str] = {Actor.AGENT: Source.AGENT, Actor.CUSTOMER: Source.SELF_SERVICE}
ZERO = Decimal(0)


@dataclass(frozen=True)
class History:
    """What the creditor's facts around a range of days hold, read once per range.

    ``last_segment_change`` and ``last_bucket_change``: the portfolio date of the latest
    segment and bucket change (an account's value at a day before it may differ from its
    current one). The booleans say whether a family of facts can have any row in the range:
    a family without one is not queried day after day (a backfill over quiet days is cheap).
    """

    last_segment_change: dt.date | None
    last_bucket_change: dt.date | None
    messages: bool = True
    agreements: bool = True
    conversations: bool = True

    @classmethod
    def of(cls, creditor: Creditor, start: dt.date, end: dt.date) -> "History":
        def last(kind: str) -> dt.date | None:
            value: dt.date | None = AccountEvent.objects.filter(
                kind=kind, account__creditor=creditor
            ).aggregate(last=Max("as_of"))["last"]
            return value

        first = Period.bounds(creditor, start)[0]
        after = Period.bounds(creditor, end)[1]
        return cls(
            last_segment_change=last(EventKind.SEGMENT_CHANGED),
            last_bucket_change=last(EventKind.BUCKET_CHANGED),
            messages=Message.objects.filter(
                creditor=creditor, created_at__gte=first - LOOKBACK, created_at__lt=after
            ).exists(),
            # Kept and broken events name promises and plans made any time before.
            agreements=Promise.objects.filter(account__creditor=creditor).exists()
            or Plan.objects.filter(account__creditor=creditor).exists(),
            conversations=Conversation.objects.filter(
                creditor=creditor, last_turn_at__gte=first - HANDOFF_LOOKBACK
            ).exists()
            or Task.objects.filter(
                creditor=creditor, kind=TaskKind.HANDOFF, created_at__gte=first - HANDOFF_LOOKBACK
            ).exists(),
        )


@dataclass(frozen=True)
class Period:
    """One local day of a creditor, as UTC instants: ``start <= t < end``."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    history: History

    @staticmethod
    def bounds(creditor: Creditor, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        zone = zoneinfo.ZoneInfo(creditor.timezone)

        def midnight(date: dt.date) -> dt.datetime:
            return dt.datetime.combine(date, dt.time(), tzinfo=zone).astimezone(dt.UTC)

        return midnight(day), midnight(day + dt.timedelta(days=1))

    @classmethod
    def of(cls, creditor: Creditor, day: dt.date, history: History | None = None) -> "Period":
        start, end = cls.bounds(creditor, day)
        return cls(day=day, start=start, end=end, history=history or History.of(creditor, day, day))


class Rows:
    """Daily metric rows being built: each fact is added to its total and breakdown rows."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str, str], list[Any]] = defaultdict(
            lambda: [0, ZERO, 0.0]
        )

    def add(
        self,
        metric: str,
        segment: str | None,
        keys: Mapping[Any, Any],
        count: int,
        amount: Decimal | None = None,
        total: float | None = None,
    ) -> None:
        """Add to ``metric``'s total row and to one row per breakdown (``keys[dimension]``)."""
        if not count and not amount and not total:
            return
        segment = segment or ""
        targets = [(Dimension.TOTAL, "")] + [
            (dimension, (keys[dimension] or NONE_KEY)[:KEY_LENGTH])
            for dimension in BREAKDOWNS[metric]
        ]
        for dimension, key in targets:
            row = self.values[(metric, segment, str(dimension), key)]
            row[0] += count or 0
            row[1] += amount or ZERO
            row[2] += total or 0.0

    def models(self, creditor: Creditor, day: dt.date) -> list[DailyMetric]:
        return [
            DailyMetric(
                creditor=creditor,
                day=day,
                metric=metric,
                segment=segment,
                dimension=dimension,
                key=key,
                count=count,
                amount=amount,
                total=total,
            )
            for (metric, segment, dimension, key), (count, amount, total) in sorted(
                self.values.items()
            )
        ]


def latest_as_of(creditor: Creditor) -> dt.date | None:
    """The portfolio date of the creditor's last refresh."""
    value: dt.date | None = Account.objects.filter(creditor=creditor).aggregate(
        latest=Max("computed_as_of")
    )["latest"]
    return value


def build_day(
    creditor: Creditor,
    day: dt.date,
    *,
    snapshot: bool | None = None,
    history: History | None = None,
) -> int:
    """Replace ``creditor``'s daily metrics of ``day``; return the number of rows written.

    ``snapshot`` None: the snapshot metrics too when ``day`` is the latest refresh's as-of day.
    """
    if snapshot is None:
        snapshot = day == latest_as_of(creditor)
    period = Period.of(creditor, day, history)
    rows = Rows()
    history = period.history
    if history.messages:
        _messages(rows, creditor, period)
        _blocked(rows, creditor, period)
    if history.agreements:
        _promises(rows, creditor, period)
        _plans(rows, creditor, period)
    _payments(rows, creditor, period)
    if history.last_bucket_change is not None and history.last_bucket_change >= day:
        _transitions(rows, creditor, period)
    if history.conversations:
        _conversations(rows, creditor, period)
        _agent_responses(rows, creditor, period)
        _satisfaction(rows, creditor, period)
    metrics = set(FLOW)
    if snapshot:
        _portfolio(rows, creditor)
        _plans_active(rows, creditor)
        metrics |= SNAPSHOT
    objects = rows.models(creditor, day)
    with transaction.atomic():
        DailyMetric.objects.filter(creditor=creditor, day=day, metric__in=metrics).delete()
        DailyMetric.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def build_range(creditor: Creditor, start: dt.date, end: dt.date) -> int:
    """Rebuild the flow metrics of every day from ``start`` to ``end`` (both included), and the
    snapshot of the latest as-of day when it is among them; return the rows written."""
    latest = latest_as_of(creditor)
    history = History.of(creditor, start, end)
    written = 0
    day = start
    while day <= end:
        written += build_day(creditor, day, snapshot=day == latest, history=history)
        day += dt.timedelta(days=1)
    return written


def build_after_refresh(creditor: Creditor, as_of: dt.date) -> int:
    """The nightly run, after the refresh as of ``as_of``: that day with its snapshot, and the
    flow metrics of the ``REBUILD_DAYS`` before it again."""
    written = build_range(
        creditor, as_of - dt.timedelta(days=REBUILD_DAYS), as_of - dt.timedelta(1)
    )
    return written + build_day(creditor, as_of, snapshot=True)


# Segments and buckets at a day -------------------------------------------------------------


def _value_at(
    field: str,
    kind: str,
    last_change: dt.date | None,
    day: dt.date,
    account: str,
    *,
    inclusive: bool,
) -> Any:
    """The account's ``field`` before its first ``kind`` event after ``day`` (on or after it
    when ``inclusive``), else its current value; ``account`` is the path to the account id.
    ``last_change`` is the creditor's latest such event: none since ``day``, no subquery."""
    current = F(f"{account}__{field}")
    if last_change is None or last_change < day or (last_change == day and not inclusive):
        return Coalesce(current, Value(""))
    after = Q(as_of__gte=day) if inclusive else Q(as_of__gt=day)
    earlier = (
        AccountEvent.objects.filter(after, account_id=OuterRef(account), kind=kind)
        .order_by("as_of", "id")
        .values("from_value")[:1]
    )
    return Coalesce(Subquery(earlier), current, Value(""))


def _segment(creditor: Creditor, period: Period, account: str = "account") -> Any:
    """The account's segment at the end of the day ("" without an account)."""
    return _value_at(
        "segment",
        EventKind.SEGMENT_CHANGED,
        period.history.last_segment_change,
        period.day,
        account,
        inclusive=False,
    )


def _source(actor: str | None) -> str:
    return SOURCES.get(actor or "", Source.OTHER)


def _seconds(value: dt.timedelta | float | int | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # a backend that returns the microseconds


def _event_day(period: Period) -> Q:
    """Events of the day: their portfolio date, or their time when they have none."""
    return Q(as_of=period.day) | Q(as_of__isnull=True, at__gte=period.start, at__lt=period.end)


def _ids_in_events(creditor: Creditor, period: Period, kinds: Iterable[str], key: str) -> Any:
    return (
        AccountEvent.objects.filter(_event_day(period), kind__in=list(kinds))
        .filter(account__creditor=creditor)
        .annotate(object_id=Cast(KeyTextTransform(key, "data"), BigIntegerField()))
        .values("object_id")
    )


# Contacts ----------------------------------------------------------------------------------


def _messages(rows: Rows, creditor: Creditor, period: Period) -> None:
    replies = Message.objects.filter(
        creditor_id=OuterRef("creditor_id"),
        direction=Direction.INBOUND,
        channel=OuterRef("channel"),
        address=OuterRef("address"),
        created_at__gt=OuterRef("sent_at"),
        created_at__lte=ExpressionWrapper(
            OuterRef("sent_at") + REPLY_WINDOW, output_field=DateTimeField()
        ),
    )
    grouped = (
        Message.objects.filter(
            creditor=creditor,
            direction=Direction.OUTBOUND,
            created_at__gte=period.start - LOOKBACK,
            created_at__lt=period.end,
            sent_at__gte=period.start,
            sent_at__lt=period.end,
        )
        .annotate(segment_at=_segment(creditor, period), replied=Exists(replies))
        .values("segment_at", "channel")
        .annotate(
            attempts=Count("id"),
            connected_count=Count("id", filter=Q(connected=True, delivered_at__isnull=False)),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            read=Count("id", filter=Q(read_at__isnull=False)),
            replied_count=Count("id", filter=Q(replied=True)),
            right_party=Count(
                "id",
                filter=Q(recipient_role=RecipientRole.DEBTOR)
                & (Q(conversation=True) | Q(replied=True)),
            ),
        )
        .order_by()
    )
    costs = dict(ChannelCost.objects.filter(creditor=creditor).values_list("channel", "unit_cost"))
    for row in grouped:
        segment, keys = row["segment_at"], {Dimension.CHANNEL: row["channel"]}
        for metric, count in (
            (Metric.CONTACT_ATTEMPTS, row["attempts"]),
            (Metric.CONTACTS_CONNECTED, row["connected_count"]),
            (Metric.CONTACTS_RIGHT_PARTY, row["right_party"]),
            (Metric.MESSAGES_DELIVERED, row["delivered"]),
            (Metric.MESSAGES_READ, row["read"]),
            (Metric.MESSAGES_REPLIED, row["replied_count"]),
        ):
            rows.add(metric, segment, keys, count)
        unit_cost = costs.get(row["channel"], ZERO)
        rows.add(Metric.CHANNEL_COST, segment, keys, row["attempts"], row["attempts"] * unit_cost)


def _blocked(rows: Rows, creditor: Creditor, period: Period) -> None:
    grouped = (
        Message.objects.filter(
            creditor=creditor,
            direction=Direction.OUTBOUND,
            created_at__gte=period.start,
            created_at__lt=period.end,
            status=MessageStatus.BLOCKED,
        )
        .annotate(segment_at=_segment(creditor, period))
        .values("segment_at", "channel")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in grouped:
        rows.add(
            Metric.MESSAGES_BLOCKED,
            row["segment_at"],
            {Dimension.CHANNEL: row["channel"]},
            row["count"],
        )


# Agreements --------------------------------------------------------------------------------


def _agreement_rows(queryset: QuerySet[Any], amount: str, extra: tuple[str, ...] = ()) -> Any:
    return (
        queryset.values("segment_at", "actor", *extra)
        .annotate(count=Count("id"), amount_sum=Sum(amount))
        .order_by()
    )


def _promises(rows: Rows, creditor: Creditor, period: Period) -> None:
    segment = _segment(creditor, period)
    made = Promise.objects.filter(
        account__creditor=creditor, created_at__gte=period.start, created_at__lt=period.end
    ).annotate(segment_at=segment)
    for row in _agreement_rows(made, "amount"):
        rows.add(
            Metric.PROMISES_MADE,
            row["segment_at"],
            {Dimension.SOURCE: _source(row["actor"])},
            row["count"],
            row["amount_sum"],
        )
    closed = Promise.objects.filter(
        pk__in=_ids_in_events(
            creditor, period, (EventKind.PROMISE_KEPT, EventKind.PROMISE_BROKEN), "promise_id"
        ),
        status__in=(PromiseStatus.KEPT, PromiseStatus.BROKEN),
    ).annotate(segment_at=segment)
    for row in _agreement_rows(closed, "amount", ("status",)):
        metric = (
            Metric.PROMISES_KEPT if row["status"] == PromiseStatus.KEPT else Metric.PROMISES_BROKEN
        )
        rows.add(
            metric,
            row["segment_at"],
            {Dimension.SOURCE: _source(row["actor"])},
            row["count"],
            row["amount_sum"],
        )


def _plans(rows: Rows, creditor: Creditor, period: Period) -> None:
    segment = _segment(creditor, period)
    agreed = Plan.objects.filter(
        account__creditor=creditor, created_at__gte=period.start, created_at__lt=period.end
    ).annotate(segment_at=segment)
    broken = Plan.objects.filter(
        pk__in=_ids_in_events(creditor, period, (EventKind.PLAN_BROKEN,), "plan_id")
    ).annotate(segment_at=segment)
    for metric, queryset in ((Metric.PLANS_AGREED, agreed), (Metric.PLANS_BROKEN, broken)):
        for row in _agreement_rows(queryset, "total"):
            rows.add(
                metric,
                row["segment_at"],
                {Dimension.SOURCE: _source(row["actor"])},
                row["count"],
                row["amount_sum"],
            )


# Payments and transitions ------------------------------------------------------------------


def _payments(rows: Rows, creditor: Creditor, period: Period) -> None:
    last_strategy_message = Message.objects.filter(
        account_id=OuterRef("account_id"),
        direction=Direction.OUTBOUND,
        strategy__isnull=False,
        created_at__lt=OuterRef("paid_at"),
        sent_at__lt=OuterRef("paid_at"),
        sent_at__gte=ExpressionWrapper(
            OuterRef("paid_at") - ATTRIBUTION_WINDOW, output_field=DateTimeField()
        ),
    ).order_by("-sent_at", "-id")
    recorded_by = (
        AccountEvent.objects.filter(
            account_id=OuterRef("account_id"), kind=EventKind.PAYMENT_RECORDED
        )
        .annotate(payment_id=Cast(KeyTextTransform("payment_id", "data"), BigIntegerField()))
        .filter(payment_id=OuterRef("pk"))
        .values("actor")[:1]
    )
    grouped = (
        Payment.objects.filter(creditor=creditor, paid_at__gte=period.start, paid_at__lt=period.end)
        .annotate(
            segment_at=_segment(creditor, period),
            # The bucket the money was collected in: the account's before the payment's day.
            bucket_before=_value_at(
                "bucket",
                EventKind.BUCKET_CHANGED,
                period.history.last_bucket_change,
                period.day,
                "account",
                inclusive=True,
            ),
            strategy_name=Subquery(last_strategy_message.values("strategy__name")[:1]),
            variant_name=Subquery(last_strategy_message.values("variant")[:1]),
            actor=Subquery(recorded_by),
        )
        .values("segment_at", "bucket_before", "strategy_name", "variant_name", "actor")
        .annotate(count=Count("id"), amount_sum=Sum("amount"))
        .order_by()
    )
    for row in grouped:
        keys = {
            Dimension.BUCKET: row["bucket_before"],
            Dimension.STRATEGY: row["strategy_name"] or NONE_KEY,
            Dimension.VARIANT: row["variant_name"] or NONE_KEY,
            Dimension.SOURCE: _source(row["actor"]),
        }
        rows.add(Metric.PAYMENTS, row["segment_at"], keys, row["count"], row["amount_sum"])


def _transitions(rows: Rows, creditor: Creditor, period: Period) -> None:
    grouped = (
        AccountEvent.objects.filter(
            kind=EventKind.BUCKET_CHANGED, as_of=period.day, account__creditor=creditor
        )
        .annotate(segment_at=_segment(creditor, period))
        .values("segment_at", "from_value", "to_value")
        .annotate(count=Count("id"), balance=Sum("account__balance"))
        .order_by()
    )
    for row in grouped:
        key = f"{row['from_value']}{TRANSITION_SEPARATOR}{row['to_value']}"
        rows.add(
            Metric.TRANSITIONS,
            row["segment_at"],
            {Dimension.TRANSITION: key},
            row["count"],
            row["balance"],
        )


# Conversations -----------------------------------------------------------------------------


def _elapsed(later: Any, earlier: str) -> Any:
    return ExpressionWrapper(later - F(earlier), output_field=DurationField())


def _conversations(rows: Rows, creditor: Creditor, period: Period) -> None:
    first_reply = (
        Turn.objects.filter(conversation_id=OuterRef("pk"), speaker=Speaker.ASSISTANT)
        .order_by("at", "id")
        .values("at")[:1]
    )
    grouped = (
        Conversation.objects.filter(
            creditor=creditor, started_at__gte=period.start, started_at__lt=period.end
        )
        .annotate(segment_at=_segment(creditor, period), first_reply=Subquery(first_reply))
        .values("segment_at", "channel")
        .annotate(
            count=Count("id"),
            handed_off=Count("id", filter=Q(handed_off_at__isnull=False)),
            replies=Count("id", filter=Q(first_reply__isnull=False)),
            reply_time=Sum(_elapsed(F("first_reply"), "started_at")),
        )
        .order_by()
    )
    for row in grouped:
        segment, keys = row["segment_at"], {Dimension.CHANNEL: row["channel"]}
        rows.add(Metric.CONVERSATIONS, segment, keys, row["count"])
        rows.add(Metric.CONVERSATIONS_HANDED_OFF, segment, keys, row["handed_off"])
        rows.add(
            Metric.FIRST_RESPONSE_ASSISTANT,
            segment,
            keys,
            row["replies"],
            total=_seconds(row["reply_time"]),
        )


def _agent_responses(rows: Rows, creditor: Creditor, period: Period) -> None:
    first_agent_turn = (
        Turn.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            speaker=Speaker.AGENT,
            at__gte=OuterRef("created_at"),
        )
        .order_by("at", "id")
        .values("at")[:1]
    )
    grouped = (
        Task.objects.filter(
            creditor=creditor,
            kind=TaskKind.HANDOFF,
            conversation__isnull=False,
            created_at__gte=period.start - HANDOFF_LOOKBACK,
            created_at__lt=period.end,
        )
        .annotate(answered_at=Subquery(first_agent_turn))
        .filter(answered_at__gte=period.start, answered_at__lt=period.end)
        .annotate(segment_at=_segment(creditor, period))
        .values("segment_at", "conversation__channel")
        .annotate(count=Count("id"), waited=Sum(_elapsed(F("answered_at"), "created_at")))
        .order_by()
    )
    for row in grouped:
        rows.add(
            Metric.FIRST_RESPONSE_AGENT,
            row["segment_at"],
            {Dimension.CHANNEL: row["conversation__channel"]},
            row["count"],
            total=_seconds(row["waited"]),
        )


def _satisfaction(rows: Rows, creditor: Creditor, period: Period) -> None:
    grouped = (
        Conversation.objects.filter(
            creditor=creditor,
            satisfaction__isnull=False,
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        )
        .annotate(segment_at=_segment(creditor, period))
        .values("segment_at", "channel")
        .annotate(count=Count("id"), ratings=Sum("satisfaction"))
        .order_by()
    )
    for row in grouped:
        rows.add(
            Metric.SATISFACTION,
            row["segment_at"],
            {Dimension.CHANNEL: row["channel"]},
            row["count"],
            total=float(row["ratings"] or 0),
        )


# Snapshots ---------------------------------------------------------------------------------


def _portfolio(rows: Rows, creditor: Creditor) -> None:
    grouped = (
        Account.objects.filter(creditor=creditor)
        .exclude(status__in=list(TERMINAL_STATUSES))
        .values("segment", "stage", "bucket")
        .annotate(
            count=Count("id"),
            balance=Sum("balance"),
            overdue_count=Count("id", filter=Q(overdue_amount__gt=0)),
            overdue=Sum("overdue_amount"),
        )
        .order_by()
    )
    for row in grouped:
        keys = {Dimension.STAGE: row["stage"], Dimension.BUCKET: row["bucket"]}
        rows.add(Metric.PORTFOLIO, row["segment"], keys, row["count"], row["balance"])
        # Money stays Decimal: the overdue amount is its own metric's ``amount``, not a float.
        rows.add(
            Metric.PORTFOLIO_OVERDUE,
            row["segment"],
            keys,
            row["overdue_count"],
            Decimal(row["overdue"] or 0),
        )


def _plans_active(rows: Rows, creditor: Creditor) -> None:
    counts = (
        Plan.objects.filter(account__creditor=creditor, status=PlanStatus.ACTIVE)
        .values("account__segment")
        .annotate(count=Count("id"))
        .order_by()
    )
    outstanding = dict(
        Instalment.objects.filter(
            plan__account__creditor=creditor,
            plan__status=PlanStatus.ACTIVE,
            amount_paid__lt=F("amount_due"),
        )
        .values("plan__account__segment")
        .annotate(left=Sum(F("amount_due") - F("amount_paid")))
        .order_by()
        .values_list("plan__account__segment", "left")
    )
    for row in counts:
        segment = row["account__segment"]
        rows.add(Metric.PLANS_ACTIVE, segment, {}, row["count"], outstanding.get(segment, ZERO))
