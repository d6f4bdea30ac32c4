"""Reads for the supervisors' dashboards: sums over ``DailyMetric``, never over accounts.

A dashboard is five aggregate queries whatever the period, the portfolio size or the number of
segments: the snapshot days, the snapshot rows (portfolio and active plans on the first and last
day), the period's flows by metric and breakdown, the payments per day and the creditor's unit
costs. Python only folds those already-aggregated rows (a few hundred at most) into the figures.

Ratios are taken here from their additive parts; a ratio whose denominator is zero has no value
(``Ratio.value is None``) and reads "—" on screen and an empty cell in exports.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recaudo.analytics.catalogue import (
    FLOW,
    NONE_KEY,
    SNAPSHOT,
    TRANSITION_SEPARATOR,
    Dimension,
    Metric,
    Source,
)
from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.customers.models import Channel
from recaudo.debts.models import Stage

# Metric codes of the agreed catalogue (docs/console-contract.md, "Daily metrics").
PORTFOLIO = Metric.PORTFOLIO
PORTFOLIO_OVERDUE = Metric.PORTFOLIO_OVERDUE
CONTACT_ATTEMPTS = Metric.CONTACT_ATTEMPTS
CONTACTS_CONNECTED = Metric.CONTACTS_CONNECTED
CONTACTS_RIGHT_PARTY = Metric.CONTACTS_RIGHT_PARTY
MESSAGES_DELIVERED = Metric.MESSAGES_DELIVERED
MESSAGES_READ = Metric.MESSAGES_READ
MESSAGES_REPLIED = Metric.MESSAGES_REPLIED
MESSAGES_BLOCKED = Metric.MESSAGES_BLOCKED
CHANNEL_COST = Metric.CHANNEL_COST
PROMISES_MADE = Metric.PROMISES_MADE
PROMISES_KEPT = Metric.PROMISES_KEPT
PROMISES_BROKEN = Metric.PROMISES_BROKEN
PLANS_AGREED = Metric.PLANS_AGREED
PLANS_BROKEN = Metric.PLANS_BROKEN
PLANS_ACTIVE = Metric.PLANS_ACTIVE
PAYMENTS = Metric.PAYMENTS
TRANSITIONS = Metric.TRANSITIONS
CONVERSATIONS = Metric.CONVERSATIONS
CONVERSATIONS_HANDED_OFF = Metric.CONVERSATIONS_HANDED_OFF
FIRST_RESPONSE_ASSISTANT = Metric.FIRST_RESPONSE_ASSISTANT
FIRST_RESPONSE_AGENT = Metric.FIRST_RESPONSE_AGENT
SATISFACTION = Metric.SATISFACTION

# Snapshots are read on one day; every other metric is summed over the period.
SNAPSHOT_METRICS = tuple(sorted(SNAPSHOT))
FLOW_METRICS = tuple(sorted(FLOW))

SELF_SERVICE = Source.SELF_SERVICE
CURRENT_BUCKET = "current"

ZERO = Decimal(0)

Number = int | float | Decimal


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A quotient kept with its parts; ``value`` is None when the denominator is zero.

    ``kind`` says how it reads: ``percent`` ("12,5 %"), ``number`` ("4,20"), ``seconds``
    ("2 min 5 s").
    """

    numerator: Number
    denominator: Number
    kind: str = "percent"
    decimals: int = 1

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return float(self.numerator) / float(self.denominator)

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "—"
        if self.kind == "percent":
            return f"{number_format(value * 100, self.decimals, use_l10n=True)} %"
        if self.kind == "seconds":
            return format_seconds(value)
        return number_format(value, self.decimals, use_l10n=True)


def format_seconds(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return _("%(seconds)d s") % {"seconds": whole}
    if whole < 3600:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": whole // 60, "seconds": whole % 60}
    return _("%(hours)d h %(minutes)d min") % {
        "hours": whole // 3600,
        "minutes": whole % 3600 // 60,
    }


@dataclass(frozen=True)
class Tally:
    """Sums of one metric over some rows: ``count``, ``amount`` (money), ``total`` (a plain sum)."""

    count: int = 0
    amount: Decimal = ZERO
    total: float = 0.0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.count + other.count, self.amount + other.amount, self.total + other.total)


EMPTY = Tally()


@dataclass(frozen=True)
class Filters:
    creditor_id: int
    start: dt.date
    end: dt.date
    segment: str = ""  # "" = every segment (and the facts with no account)

    @property
    def days(self) -> list[dt.date]:
        return [
            self.start + dt.timedelta(days=offset)
            for offset in range((self.end - self.start).days + 1)
        ]


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioLine:
    key: str
    accounts: int
    balance: Decimal
    overdue: Decimal


@dataclass(frozen=True)
class Portfolio:
    """Open accounts at the end of ``as_of`` (the period's last day with data)."""

    as_of: dt.date | None
    opening_day: dt.date | None
    accounts: int
    balance: Decimal
    overdue: Decimal
    opening_accounts: int
    opening_balance: Decimal
    by_stage: list[PortfolioLine]
    by_bucket: list[PortfolioLine]
    by_segment: list[PortfolioLine]


@dataclass(frozen=True)
class ChannelContact:
    channel: str
    attempts: int
    connected: int
    right_party: int
    delivered: int
    read: int
    replied: int
    blocked: int

    @property
    def contactability(self) -> Ratio:
        return Ratio(self.connected, self.attempts)

    @property
    def right_party_rate(self) -> Ratio:
        return Ratio(self.right_party, self.attempts)

    @property
    def delivery_rate(self) -> Ratio:
        return Ratio(self.delivered, self.attempts)

    @property
    def read_rate(self) -> Ratio:
        """Read of delivered."""
        return Ratio(self.read, self.delivered)

    @property
    def reply_rate(self) -> Ratio:
        """Replied of delivered."""
        return Ratio(self.replied, self.delivered)


@dataclass(frozen=True)
class Contact:
    total: ChannelContact
    by_channel: list[ChannelContact]


@dataclass(frozen=True)
class SourceLine:
    source: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Agreements:
    promises_made: Tally
    promises_kept: Tally
    promises_broken: Tally
    plans_agreed: Tally
    plans_broken: Tally
    plans_active: Tally  # snapshot at the end of the period's last day
    promises_by_source: list[SourceLine]
    plans_by_source: list[SourceLine]

    @property
    def promises_resolved(self) -> int:
        """Promises whose due day fell in the period and were kept or broken then."""
        return self.promises_kept.count + self.promises_broken.count

    @property
    def promise_kept_rate(self) -> Ratio:
        """Kept of the promises resolved (due) in the period: the same group as broken, not the
        promises made in the period (those are mostly due later)."""
        return Ratio(self.promises_kept.count, self.promises_resolved)

    @property
    def promise_broken_rate(self) -> Ratio:
        """Broken of the promises resolved (due) in the period."""
        return Ratio(self.promises_broken.count, self.promises_resolved)


@dataclass(frozen=True)
class RecoveryLine:
    key: str
    payments: int
    amount: Decimal
    share_of_balance: Ratio  # amount / the opening balance (of the bucket, for buckets)


@dataclass(frozen=True)
class DayLine:
    day: dt.date
    payments: int
    amount: Decimal


@dataclass(frozen=True)
class Recovery:
    payments: int
    amount: Decimal
    opening_balance: Decimal
    by_bucket: list[RecoveryLine]
    by_strategy: list[RecoveryLine]
    by_variant: list[RecoveryLine]
    by_source: list[RecoveryLine]
    by_day: list[DayLine]

    @property
    def share_of_balance(self) -> Ratio:
        return Ratio(self.amount, self.opening_balance, decimals=2)


@dataclass(frozen=True)
class TransitionCell:
    to_bucket: str
    accounts: int
    rate: Ratio  # of the accounts in the from-bucket at the start


@dataclass(frozen=True)
class TransitionRow:
    from_bucket: str
    accounts_at_start: int
    cells: list[TransitionCell]
    cured: int  # moved to a lower bucket
    rolled: int  # moved to a higher bucket

    @property
    def cure_rate(self) -> Ratio:
        return Ratio(self.cured, self.accounts_at_start)

    @property
    def roll_rate(self) -> Ratio:
        return Ratio(self.rolled, self.accounts_at_start)


@dataclass(frozen=True)
class Transitions:
    """Bucket changes in the period over the accounts in the from-bucket on the opening day."""

    buckets: list[str]
    rows: list[TransitionRow]

    @property
    def cure_rate(self) -> Ratio:
        """Cured over the accounts past due at the start (every bucket but ``current``)."""
        rows = [row for row in self.rows if row.from_bucket != CURRENT_BUCKET]
        return Ratio(sum(row.cured for row in rows), sum(row.accounts_at_start for row in rows))

    @property
    def roll_rate(self) -> Ratio:
        """Rolled over the accounts at the start in a bucket that can roll (not the open last)."""
        rows = [row for row in self.rows if not row.from_bucket.endswith("+")]
        return Ratio(sum(row.rolled for row in rows), sum(row.accounts_at_start for row in rows))


@dataclass(frozen=True)
class SelfService:
    payments: int
    self_service_payments: int
    agreements: int  # promises made + plans agreed
    self_service_agreements: int

    @property
    def payment_share(self) -> Ratio:
        return Ratio(self.self_service_payments, self.payments)

    @property
    def agreement_share(self) -> Ratio:
        return Ratio(self.self_service_agreements, self.agreements)


@dataclass(frozen=True)
class ServiceLine:
    channel: str
    conversations: int
    handed_off: int
    assistant_first_response: Ratio
    agent_first_response: Ratio
    satisfaction: Ratio

    @property
    def containment(self) -> Ratio:
        """1 - handed off / conversations, as (conversations - handed off) / conversations."""
        return Ratio(self.conversations - self.handed_off, self.conversations)


@dataclass(frozen=True)
class Service:
    total: ServiceLine
    by_channel: list[ServiceLine]


@dataclass(frozen=True)
class CostLine:
    channel: str
    messages: int
    cost: Decimal

    @property
    def cost_per_message(self) -> Ratio:
        return Ratio(self.cost, self.messages, kind="number", decimals=2)


@dataclass(frozen=True)
class Costs:
    by_channel: list[CostLine]
    cost: Decimal
    recovered: Decimal
    configured: dict[str, Decimal]  # channel → unit cost today

    @property
    def cost_per_unit_recovered(self) -> Ratio:
        return Ratio(self.cost, self.recovered, kind="number", decimals=4)


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    has_data: bool
    portfolio: Portfolio
    contact: Contact
    agreements: Agreements
    recovery: Recovery
    transitions: Transitions
    self_service: SelfService
    service: Service
    costs: Costs


# --- ordering -----------------------------------------------------------------------------


def bucket_order(bucket: str) -> tuple[int, str]:
    """``current`` first, then by the first number of the label (``1-30``, ``31-60``, ``181+``)."""
    if bucket == CURRENT_BUCKET:
        return (0, bucket)
    match = re.match(r"\d+", bucket)
    return (int(match.group()) if match else 1_000_000, bucket)


def _by_choices(keys: Iterable[str], order: list[str]) -> list[str]:
    position = {key: index for index, key in enumerate(order)}
    return sorted(set(keys), key=lambda key: (position.get(key, len(order)), key))


def _channels(keys: Iterable[str]) -> list[str]:
    return _by_choices((key for key in keys if key), list(Channel.values))


# --- reads --------------------------------------------------------------------------------


def _base(filters: Filters) -> Any:
    rows = DailyMetric.objects.filter(
        creditor_id=filters.creditor_id, day__gte=filters.start, day__lte=filters.end
    )
    if filters.segment:
        rows = rows.filter(segment=filters.segment)
    return rows


def _sums() -> dict[str, Any]:
    return {"n": Sum("count"), "money": Sum("amount"), "plain": Sum("total")}


def _tally(row: dict[str, Any]) -> Tally:
    return Tally(int(row["n"] or 0), Decimal(row["money"] or 0), float(row["plain"] or 0.0))


def segments(creditor_id: int, start: dt.date, end: dt.date) -> list[str]:
    """The segments with portfolio rows in the period (for the filter), in name order."""
    return list(
        DailyMetric.objects.filter(
            creditor_id=creditor_id,
            metric=PORTFOLIO,
            day__gte=start,
            day__lte=end,
            dimension="",
        )
        .exclude(segment="")
        .values_list("segment", flat=True)
        .distinct()
        .order_by("segment")
    )


def dashboard(filters: Filters) -> Dashboard:
    """Every figure of the dashboards for one creditor, segment (or all) and period."""
    base = _base(filters)

    # 1. The snapshot days: the first and last day of the period with portfolio rows.
    days = base.filter(metric=PORTFOLIO, dimension="").aggregate(first=Min("day"), last=Max("day"))
    first: dt.date | None = days["first"]
    last: dt.date | None = days["last"]

    # 2. The snapshot rows on those days, by segment and breakdown.
    snapshot: dict[tuple[str, dt.date, str, str, str], Tally] = {}
    if first is not None and last is not None:
        for row in (
            base.filter(metric__in=SNAPSHOT_METRICS, day__in={first, last})
            .values("metric", "day", "segment", "dimension", "key")
            .annotate(**_sums())
            .order_by()
        ):
            snapshot[(row["metric"], row["day"], row["segment"], row["dimension"], row["key"])] = (
                _tally(row)
            )

    # 3. The period's flows by metric and breakdown (all segments folded together).
    flows: dict[str, dict[tuple[str, str], Tally]] = defaultdict(dict)
    for row in (
        base.filter(metric__in=FLOW_METRICS)
        .values("metric", "dimension", "key")
        .annotate(**_sums())
        .order_by()
    ):
        flows[row["metric"]][(row["dimension"], row["key"])] = _tally(row)

    # 4. Payments per day.
    paid_by_day = {
        row["day"]: _tally(row)
        for row in base.filter(metric=PAYMENTS, dimension="")
        .values("day")
        .annotate(**_sums())
        .order_by()
    }

    # 5. The unit costs configured today.
    configured = {
        channel: unit_cost
        for channel, unit_cost in ChannelCost.objects.filter(
            creditor_id=filters.creditor_id
        ).values_list("channel", "unit_cost")
    }

    portfolio = _portfolio(snapshot, first, last)
    recovery = _recovery(flows, portfolio, snapshot, first, paid_by_day, filters)
    return Dashboard(
        filters=filters,
        has_data=bool(snapshot or flows),
        portfolio=portfolio,
        contact=_contact(flows),
        agreements=_agreements(flows, snapshot, last),
        recovery=recovery,
        transitions=_transitions(flows, snapshot, first),
        self_service=_self_service(flows),
        service=_service(flows),
        costs=_costs(flows, recovery.amount, configured),
    )


# --- folding the aggregated rows ----------------------------------------------------------


Snapshot = dict[tuple[str, dt.date, str, str, str], Tally]
Flows = dict[str, dict[tuple[str, str], Tally]]


def _snapshot_by(
    snapshot: Snapshot, metric: str, day: dt.date | None, dimension: str
) -> dict[str, Tally]:
    """Sum a snapshot over segments: breakdown key → tally (the segment when ``dimension`` is
    ``"segment"``)."""
    sums: dict[str, Tally] = defaultdict(Tally)
    if day is None:
        return sums
    for (row_metric, row_day, segment, row_dimension, key), tally in snapshot.items():
        if row_metric != metric or row_day != day:
            continue
        if dimension == "segment" and row_dimension == "":
            sums[segment] += tally
        elif row_dimension == dimension:
            sums[key] += tally
    return sums


def _lines(
    sums: dict[str, Tally], overdue: dict[str, Tally], order: list[str]
) -> list[PortfolioLine]:
    return [
        PortfolioLine(key, sums[key].count, sums[key].amount, overdue.get(key, EMPTY).amount)
        for key in order
    ]


def _portfolio(snapshot: Snapshot, first: dt.date | None, last: dt.date | None) -> Portfolio:
    closing = _snapshot_by(snapshot, PORTFOLIO, last, "")
    opening = _snapshot_by(snapshot, PORTFOLIO, first, "")
    total = closing.get("", EMPTY)
    opened = opening.get("", EMPTY)
    by_stage = _snapshot_by(snapshot, PORTFOLIO, last, Dimension.STAGE)
    by_bucket = _snapshot_by(snapshot, PORTFOLIO, last, Dimension.BUCKET)
    by_segment = _snapshot_by(snapshot, PORTFOLIO, last, "segment")

    def overdue(dimension: str) -> dict[str, Tally]:
        return _snapshot_by(snapshot, PORTFOLIO_OVERDUE, last, dimension)

    return Portfolio(
        as_of=last,
        opening_day=first,
        accounts=total.count,
        balance=total.amount,
        overdue=overdue("").get("", EMPTY).amount,
        opening_accounts=opened.count,
        opening_balance=opened.amount,
        by_stage=_lines(
            by_stage, overdue(Dimension.STAGE), _by_choices(by_stage, list(Stage.values))
        ),
        by_bucket=_lines(by_bucket, overdue(Dimension.BUCKET), sorted(by_bucket, key=bucket_order)),
        by_segment=_lines(
            by_segment,
            overdue("segment"),
            sorted(by_segment, key=lambda key: (key == "", key)),
        ),
    )


def _breakdown(flows: Flows, metric: str, dimension: str) -> dict[str, Tally]:
    return {
        key: tally
        for (row_dimension, key), tally in flows.get(metric, {}).items()
        if row_dimension == dimension
    }


def _total(flows: Flows, metric: str) -> Tally:
    return flows.get(metric, {}).get(("", ""), EMPTY)


CONTACT_METRICS = (
    CONTACT_ATTEMPTS,
    CONTACTS_CONNECTED,
    CONTACTS_RIGHT_PARTY,
    MESSAGES_DELIVERED,
    MESSAGES_READ,
    MESSAGES_REPLIED,
    MESSAGES_BLOCKED,
)


def _contact(flows: Flows) -> Contact:
    per_metric = {
        metric: _breakdown(flows, metric, Dimension.CHANNEL) for metric in CONTACT_METRICS
    }

    def line(channel: str, counts: dict[str, int]) -> ChannelContact:
        return ChannelContact(
            channel=channel,
            attempts=counts[CONTACT_ATTEMPTS],
            connected=counts[CONTACTS_CONNECTED],
            right_party=counts[CONTACTS_RIGHT_PARTY],
            delivered=counts[MESSAGES_DELIVERED],
            read=counts[MESSAGES_READ],
            replied=counts[MESSAGES_REPLIED],
            blocked=counts[MESSAGES_BLOCKED],
        )

    channels = _channels(key for sums in per_metric.values() for key in sums)
    by_channel = [
        line(
            channel,
            {metric: per_metric[metric].get(channel, EMPTY).count for metric in CONTACT_METRICS},
        )
        for channel in channels
    ]
    total = line("", {metric: _total(flows, metric).count for metric in CONTACT_METRICS})
    return Contact(total=total, by_channel=by_channel)


def _sources(flows: Flows, *metrics: str) -> list[SourceLine]:
    sums: dict[str, Tally] = defaultdict(Tally)
    for metric in metrics:
        for key, tally in _breakdown(flows, metric, Dimension.SOURCE).items():
            sums[key] += tally
    order = list(Source.values)
    return [SourceLine(key, sums[key].count, sums[key].amount) for key in _by_choices(sums, order)]


def _agreements(flows: Flows, snapshot: Snapshot, last: dt.date | None) -> Agreements:
    return Agreements(
        promises_made=_total(flows, PROMISES_MADE),
        promises_kept=_total(flows, PROMISES_KEPT),
        promises_broken=_total(flows, PROMISES_BROKEN),
        plans_agreed=_total(flows, PLANS_AGREED),
        plans_broken=_total(flows, PLANS_BROKEN),
        plans_active=_snapshot_by(snapshot, PLANS_ACTIVE, last, "").get("", EMPTY),
        promises_by_source=_sources(flows, PROMISES_MADE),
        plans_by_source=_sources(flows, PLANS_AGREED),
    )


def _recovery(
    flows: Flows,
    portfolio: Portfolio,
    snapshot: Snapshot,
    first: dt.date | None,
    paid_by_day: dict[dt.date, Tally],
    filters: Filters,
) -> Recovery:
    opening_balance = portfolio.opening_balance
    opening_by_bucket = _snapshot_by(snapshot, PORTFOLIO, first, Dimension.BUCKET)

    def lines(
        dimension: str, order: list[str] | None = None, per_bucket: bool = False
    ) -> list[RecoveryLine]:
        sums = _breakdown(flows, PAYMENTS, dimension)
        keys = (
            order
            if order is not None
            else sorted(sums, key=lambda key: (key in ("", NONE_KEY), key))
        )
        return [
            RecoveryLine(
                key or NONE_KEY,
                sums.get(key, EMPTY).count,
                sums.get(key, EMPTY).amount,
                Ratio(
                    sums.get(key, EMPTY).amount,
                    opening_by_bucket.get(key, EMPTY).amount if per_bucket else opening_balance,
                    decimals=2,
                ),
            )
            for key in keys
        ]

    bucket_keys = set(_breakdown(flows, PAYMENTS, Dimension.BUCKET)) | set(opening_by_bucket)
    paid = _total(flows, PAYMENTS)
    source_keys = _by_choices(_breakdown(flows, PAYMENTS, Dimension.SOURCE), list(Source.values))
    return Recovery(
        payments=paid.count,
        amount=paid.amount,
        opening_balance=opening_balance,
        by_bucket=lines(Dimension.BUCKET, sorted(bucket_keys, key=bucket_order), per_bucket=True),
        by_strategy=lines(Dimension.STRATEGY),
        by_variant=lines(Dimension.VARIANT),
        by_source=lines(Dimension.SOURCE, source_keys),
        by_day=[
            DayLine(day, paid_by_day.get(day, EMPTY).count, paid_by_day.get(day, EMPTY).amount)
            for day in filters.days
        ],
    )


def _transitions(flows: Flows, snapshot: Snapshot, first: dt.date | None) -> Transitions:
    at_start = _snapshot_by(snapshot, PORTFOLIO, first, Dimension.BUCKET)
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for key, tally in _breakdown(flows, TRANSITIONS, Dimension.TRANSITION).items():
        source, separator, target = key.partition(TRANSITION_SEPARATOR)
        if separator and source != target:
            moves[(source, target)] += tally.count
    buckets = sorted(
        {bucket for pair in moves for bucket in pair} | set(at_start), key=bucket_order
    )
    rows = []
    for source in buckets:
        accounts = at_start.get(source, EMPTY).count
        cells = [
            TransitionCell(
                target,
                moves.get((source, target), 0),
                Ratio(moves.get((source, target), 0), accounts),
            )
            for target in buckets
        ]
        rank = bucket_order(source)
        rows.append(
            TransitionRow(
                from_bucket=source,
                accounts_at_start=accounts,
                cells=cells,
                cured=sum(cell.accounts for cell in cells if bucket_order(cell.to_bucket) < rank),
                rolled=sum(cell.accounts for cell in cells if bucket_order(cell.to_bucket) > rank),
            )
        )
    return Transitions(buckets=buckets, rows=rows)


def _self_service(flows: Flows) -> SelfService:
    agreements = (PROMISES_MADE, PLANS_AGREED)
    return SelfService(
        payments=_total(flows, PAYMENTS).count,
        self_service_payments=_breakdown(flows, PAYMENTS, Dimension.SOURCE)
        .get(SELF_SERVICE, EMPTY)
        .count,
        agreements=sum(_total(flows, metric).count for metric in agreements),
        self_service_agreements=sum(
            _breakdown(flows, metric, Dimension.SOURCE).get(SELF_SERVICE, EMPTY).count
            for metric in agreements
        ),
    )


SERVICE_METRICS = (
    CONVERSATIONS,
    CONVERSATIONS_HANDED_OFF,
    FIRST_RESPONSE_ASSISTANT,
    FIRST_RESPONSE_AGENT,
    SATISFACTION,
)


def _service(flows: Flows) -> Service:
    def line(channel: str, sums: dict[str, Tally]) -> ServiceLine:
        assistant = sums.get(FIRST_RESPONSE_ASSISTANT, EMPTY)
        agent = sums.get(FIRST_RESPONSE_AGENT, EMPTY)
        rating = sums.get(SATISFACTION, EMPTY)
        return ServiceLine(
            channel=channel,
            conversations=sums.get(CONVERSATIONS, EMPTY).count,
            handed_off=sums.get(CONVERSATIONS_HANDED_OFF, EMPTY).count,
            assistant_first_response=Ratio(assistant.total, assistant.count, kind="seconds"),
            agent_first_response=Ratio(agent.total, agent.count, kind="seconds"),
            satisfaction=Ratio(rating.total, rating.count, kind="number", decimals=2),
        )

    per_metric = {
        metric: _breakdown(flows, metric, Dimension.CHANNEL) for metric in SERVICE_METRICS
    }
    channels = _channels(key for sums in per_metric.values() for key in sums)
    return Service(
        total=line("", {metric: _total(flows, metric) for metric in SERVICE_METRICS}),
        by_channel=[
            line(
                channel,
                {metric: per_metric[metric].get(channel, EMPTY) for metric in SERVICE_METRICS},
            )
            for channel in channels
        ],
    )


def _costs(flows: Flows, recovered: Decimal, configured: dict[str, Decimal]) -> Costs:
    sums = _breakdown(flows, CHANNEL_COST, Dimension.CHANNEL)
    return Costs(
        by_channel=[
            CostLine(channel, sums[channel].count, sums[channel].amount)
            for channel in _channels(sums)
        ],
        cost=_total(flows, CHANNEL_COST).amount,
        recovered=recovered,
        configured=configured,
    )


def last_built_day(creditor_id: int) -> dt.date | None:
    """The last day the creditor's daily aggregates hold figures for (the nightly refresh builds
    them, ``recaudo analytics build`` rebuilds them): the dashboards' figures are up to that
    day, whatever happened since. None when nothing was built yet. One query on the unique
    index (creditor, day, ...)."""
    value: dt.date | None = DailyMetric.objects.filter(creditor_id=creditor_id).aggregate(
        last=Max("day")
    )["last"]
    return value


__all__ = [
    "Dashboard",
    "Filters",
    "Ratio",
    "Tally",
    "bucket_order",
    "dashboard",
    "last_built_day",
    "segments",
]
