"""The daily aggregates on a small hand-made portfolio whose every answer is known."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from recaudo.analytics.build import build_after_refresh, build_day, build_range
from recaudo.analytics.catalogue import BREAKDOWNS, FLOW, SNAPSHOT, Metric
from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.channels.models import Direction, Message, MessageStatus, RecipientRole
from recaudo.conversations.models import Conversation, Speaker, Turn
from recaudo.debts.models import (
    AccountEvent,
    AccountStatus,
    Actor,
    EventKind,
    Instalment,
    Plan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recaudo.staff.models import Task, TaskKind
from recaudo.strategies.models import Strategy
from tests.factories import make_account, make_creditor, make_customer, make_payment

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
BOGOTA = zoneinfo.ZoneInfo("America/Bogota")  # UTC-5, no daylight saving


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BOGOTA)


NEXT = DAY + dt.timedelta(days=1)
NOON = local(DAY, 12)


def rows(creditor: Any, day: dt.date = DAY, **filters: Any) -> dict[tuple[str, ...], Any]:
    return {
        (row.metric, row.segment, row.dimension, row.key): row
        for row in DailyMetric.objects.filter(creditor=creditor, day=day, **filters)
    }


def count(creditor: Any, metric: str, *, dimension: str = "", key: str = "", **more: Any) -> int:
    """Sum of ``count`` over segments for one metric row kind."""
    found = DailyMetric.objects.filter(
        creditor=creditor, day=more.get("day", DAY), metric=metric, dimension=dimension, key=key
    )
    if "segment" in more:
        found = found.filter(segment=more["segment"])
    return sum(row.count for row in found)


def amount(creditor: Any, metric: str, *, dimension: str = "", key: str = "") -> Decimal:
    found = DailyMetric.objects.filter(
        creditor=creditor, day=DAY, metric=metric, dimension=dimension, key=key
    )
    return sum((row.amount for row in found), Decimal(0))


def total(creditor: Any, metric: str, *, dimension: str = "", key: str = "") -> float:
    found = DailyMetric.objects.filter(
        creditor=creditor, day=DAY, metric=metric, dimension=dimension, key=key
    )
    return sum(row.total for row in found)


def message(creditor: Any, account: Any, **fields: Any) -> Message:
    created_at = fields.pop("created_at", None)
    defaults: dict[str, Any] = {
        "direction": Direction.OUTBOUND,
        "channel": "sms",
        "address": "+573001112233",
        "status": MessageStatus.SENT,
    }
    row = Message.objects.create(
        creditor=creditor,
        customer=account.customer if account else None,
        account=account,
        **(defaults | fields),
    )
    moment = created_at or fields.get("sent_at") or NOON
    Message.objects.filter(pk=row.pk).update(created_at=moment)
    return row


def backdate(model: Any, pk: int, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def portfolio() -> dict[str, Any]:
    creditor = make_creditor(timezone="America/Bogota")
    customer = make_customer(creditor)
    early = make_account(
        customer,
        segment="temprana",
        bucket="1-30",
        stage="administrative",
        balance=Decimal("1000"),
        overdue_amount=Decimal("100"),
        computed_as_of=DAY,
    )
    late = make_account(
        customer,
        segment="tardia",
        bucket="91-120",
        stage="pre_legal",
        balance=Decimal("5000"),
        overdue_amount=Decimal("2500"),
        computed_as_of=DAY,
    )
    make_account(
        customer,
        segment="temprana",
        status=AccountStatus.PAID,
        balance=Decimal("0"),
        computed_as_of=DAY,
    )
    return {"creditor": creditor, "early": early, "late": late}


# Contacts ----------------------------------------------------------------------------------


def test_messages_sent_delivered_read_replied_and_connected(portfolio: dict[str, Any]) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    sent = local(DAY, 9)
    message(
        creditor,
        early,
        sent_at=sent,
        status=MessageStatus.READ,
        delivered_at=sent,
        read_at=sent + dt.timedelta(minutes=5),
    )
    message(creditor, early, sent_at=sent, status=MessageStatus.DELIVERED, delivered_at=sent)
    message(creditor, early, sent_at=sent, address="+573009998877")  # sent, never delivered
    # An answer from the first address two days later: a reply to both messages to it.
    message(
        creditor,
        early,
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        created_at=sent + dt.timedelta(days=2),
    )
    # A call answered by a reference (not the debtor), and one that never connected.
    message(
        creditor,
        late,
        channel="voice",
        sent_at=sent,
        status=MessageStatus.DELIVERED,
        delivered_at=sent,
        recipient_role=RecipientRole.REFERENCE,
        conversation=True,
    )
    message(
        creditor,
        late,
        channel="voice",
        sent_at=sent,
        status=MessageStatus.FAILED,
        connected=False,
    )
    # Not attempts: queued, and blocked by the policy (counted apart).
    message(creditor, early, status=MessageStatus.QUEUED)
    message(creditor, early, status=MessageStatus.BLOCKED, channel="whatsapp")

    build_day(creditor, DAY)

    assert count(creditor, Metric.CONTACT_ATTEMPTS) == 5
    assert count(creditor, Metric.CONTACT_ATTEMPTS, dimension="channel", key="sms") == 3
    assert count(creditor, Metric.CONTACT_ATTEMPTS, dimension="channel", key="voice") == 2
    assert count(creditor, Metric.MESSAGES_DELIVERED, dimension="channel", key="sms") == 2
    assert count(creditor, Metric.MESSAGES_READ, dimension="channel", key="sms") == 1
    assert count(creditor, Metric.MESSAGES_REPLIED, dimension="channel", key="sms") == 2
    assert count(creditor, Metric.CONTACTS_CONNECTED) == 3  # two SMS delivered, one call
    assert count(creditor, Metric.CONTACTS_CONNECTED, dimension="channel", key="voice") == 1
    # Right party: the debtor replied (two SMS); the call was answered by a reference.
    assert count(creditor, Metric.CONTACTS_RIGHT_PARTY) == 2
    assert count(creditor, Metric.MESSAGES_BLOCKED, dimension="channel", key="whatsapp") == 1
    assert count(creditor, Metric.CONTACT_ATTEMPTS, segment="temprana") == 3
    assert count(creditor, Metric.CONTACT_ATTEMPTS, segment="tardia") == 2


def test_a_reply_after_72_hours_or_on_another_channel_is_no_reply(
    portfolio: dict[str, Any],
) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    sent = local(DAY, 9)
    message(creditor, early, sent_at=sent)
    message(
        creditor,
        early,
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        created_at=sent + dt.timedelta(hours=73),
    )
    message(
        creditor,
        early,
        direction=Direction.INBOUND,
        channel="whatsapp",
        status=MessageStatus.RECEIVED,
        created_at=sent + dt.timedelta(hours=1),
    )
    build_day(creditor, DAY)
    assert count(creditor, Metric.CONTACT_ATTEMPTS) == 1
    assert count(creditor, Metric.MESSAGES_REPLIED) == 0


def test_channel_cost_is_attempts_times_the_unit_cost(portfolio: dict[str, Any]) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    ChannelCost.objects.create(creditor=creditor, channel="sms", unit_cost=Decimal("12.5"))
    for _ in range(3):
        message(creditor, early, sent_at=NOON)
    message(creditor, early, sent_at=NOON, channel="email")  # no cost configured
    build_day(creditor, DAY)
    assert count(creditor, Metric.CHANNEL_COST) == 4
    assert amount(creditor, Metric.CHANNEL_COST, dimension="channel", key="sms") == Decimal("37.5")
    assert amount(creditor, Metric.CHANNEL_COST, dimension="channel", key="email") == 0
    assert amount(creditor, Metric.CHANNEL_COST) == Decimal("37.5")


def test_days_are_the_creditors_local_days(portfolio: dict[str, Any]) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    # 23:30 in Bogotá is 04:30 UTC the next day; 00:30 the next local day is 05:30 UTC.
    message(creditor, early, sent_at=local(DAY, 23, 30))
    message(creditor, early, sent_at=local(NEXT, 0, 30))
    message(creditor, early, sent_at=local(DAY, 0, 0))
    make_payment(early, paid_at=local(DAY, 23, 59), amount=Decimal("10"))
    make_payment(early, paid_at=local(NEXT, 0, 1), amount=Decimal("20"))
    build_range(creditor, DAY, NEXT)
    assert count(creditor, Metric.CONTACT_ATTEMPTS) == 2
    assert count(creditor, Metric.CONTACT_ATTEMPTS, day=NEXT) == 1
    assert amount(creditor, Metric.PAYMENTS) == Decimal("10")
    assert count(creditor, Metric.PAYMENTS, day=NEXT) == 1


# Agreements --------------------------------------------------------------------------------


def promise(account: Any, actor: str, status: str = PromiseStatus.ACTIVE, **fields: Any) -> Any:
    created_at = fields.pop("created_at", NOON)
    row = Promise.objects.create(
        account=account,
        amount=fields.pop("amount", Decimal("300")),
        promised_date=DAY + dt.timedelta(days=5),
        status=status,
        actor=actor,
        **fields,
    )
    backdate(Promise, row.pk, created_at=created_at)
    return row


def event(account: Any, kind: str, *, at: dt.datetime = NOON, **fields: Any) -> AccountEvent:
    fields.setdefault("actor", Actor.SYSTEM)
    return AccountEvent.objects.create(account=account, kind=kind, at=at, **fields)


def test_promises_made_kept_and_broken_by_source(portfolio: dict[str, Any]) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    promise(early, Actor.AGENT, amount=Decimal("100"))
    promise(early, Actor.CUSTOMER, amount=Decimal("200"))
    promise(late, Actor.API, amount=Decimal("400"))
    promise(late, Actor.CUSTOMER, created_at=local(NEXT, 1))  # another day
    # Closed today by the refresh (as_of) and by a payment (no as_of: its time counts).
    kept = promise(
        early,
        Actor.CUSTOMER,
        PromiseStatus.KEPT,
        amount=Decimal("50"),
        created_at=local(DAY - dt.timedelta(days=3), 9),
    )
    broken = promise(
        late,
        Actor.AGENT,
        PromiseStatus.BROKEN,
        amount=Decimal("70"),
        created_at=local(DAY - dt.timedelta(days=9), 9),
    )
    event(early, EventKind.PROMISE_KEPT, data={"promise_id": kept.pk})
    event(
        late,
        EventKind.PROMISE_BROKEN,
        at=local(NEXT, 2),
        as_of=DAY,
        data={"promise_id": broken.pk},
    )
    build_day(creditor, DAY)
    assert count(creditor, Metric.PROMISES_MADE) == 3
    assert amount(creditor, Metric.PROMISES_MADE) == Decimal("700")
    assert amount(creditor, Metric.PROMISES_MADE, dimension="source", key="agent") == 100
    assert amount(creditor, Metric.PROMISES_MADE, dimension="source", key="self_service") == 200
    assert amount(creditor, Metric.PROMISES_MADE, dimension="source", key="other") == 400
    assert count(creditor, Metric.PROMISES_KEPT, dimension="source", key="self_service") == 1
    assert amount(creditor, Metric.PROMISES_KEPT) == Decimal("50")
    assert count(creditor, Metric.PROMISES_BROKEN, dimension="source", key="agent") == 1
    assert amount(creditor, Metric.PROMISES_BROKEN) == Decimal("70")


def make_plan(account: Any, actor: str, **fields: Any) -> Plan:
    created_at = fields.pop("created_at", NOON)
    plan = Plan.objects.create(
        account=account,
        kind="instalments",
        total=fields.pop("total", Decimal("600")),
        instalment_count=3,
        instalment_amount=Decimal("200"),
        first_due_date=DAY,
        actor=actor,
        **fields,
    )
    backdate(Plan, plan.pk, created_at=created_at)
    return plan


def test_plans_agreed_broken_and_active(portfolio: dict[str, Any]) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    active = make_plan(early, Actor.AGENT)
    for number, paid in ((1, "200"), (2, "50"), (3, "0")):
        Instalment.objects.create(
            account=early,
            plan=active,
            number=10_000 + number,
            due_date=DAY + dt.timedelta(days=30 * number),
            amount_due=Decimal("200"),
            amount_paid=Decimal(paid),
        )
    broken = make_plan(
        late,
        Actor.CUSTOMER,
        status=PlanStatus.BROKEN,
        total=Decimal("900"),
        created_at=local(DAY - dt.timedelta(days=60), 9),
    )
    event(late, EventKind.PLAN_BROKEN, as_of=DAY, data={"plan_id": broken.pk})
    build_day(creditor, DAY)
    assert count(creditor, Metric.PLANS_AGREED, dimension="source", key="agent") == 1
    assert amount(creditor, Metric.PLANS_AGREED) == Decimal("600")
    assert count(creditor, Metric.PLANS_BROKEN, dimension="source", key="self_service") == 1
    assert amount(creditor, Metric.PLANS_BROKEN) == Decimal("900")
    assert count(creditor, Metric.PLANS_ACTIVE, segment="temprana") == 1
    assert amount(creditor, Metric.PLANS_ACTIVE) == Decimal("350")  # 150 + 200 left to pay


# Payments and transitions ------------------------------------------------------------------


def test_payments_are_attributed_to_the_last_strategy_message_within_30_days(
    portfolio: dict[str, Any],
) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    champion = Strategy.objects.create(creditor=creditor, name="Temprana A")
    challenger = Strategy.objects.create(creditor=creditor, name="Temprana B")
    message(creditor, early, strategy=champion, sent_at=local(DAY - dt.timedelta(days=20), 9))
    message(
        creditor,
        early,
        strategy=challenger,
        variant="challenger",
        sent_at=local(DAY - dt.timedelta(days=2), 9),
    )
    message(creditor, early, sent_at=local(DAY, 8))  # no strategy: not a candidate
    message(creditor, late, strategy=champion, sent_at=local(DAY - dt.timedelta(days=31), 9))
    first = make_payment(early, paid_at=local(DAY, 10), amount=Decimal("100"))
    second = make_payment(late, paid_at=local(DAY, 11), amount=Decimal("250"))
    third = make_payment(late, paid_at=local(DAY, 12), amount=Decimal("5"))
    event(early, EventKind.PAYMENT_RECORDED, actor=Actor.AGENT, data={"payment_id": first.pk})
    event(late, EventKind.PAYMENT_RECORDED, actor=Actor.CUSTOMER, data={"payment_id": second.pk})
    event(late, EventKind.PAYMENT_RECORDED, actor=Actor.SYSTEM, data={"payment_id": third.pk})
    build_day(creditor, DAY)
    assert count(creditor, Metric.PAYMENTS) == 3
    assert amount(creditor, Metric.PAYMENTS) == Decimal("355")
    assert amount(creditor, Metric.PAYMENTS, dimension="strategy", key="Temprana B") == 100
    assert amount(creditor, Metric.PAYMENTS, dimension="strategy", key="none") == 255
    assert amount(creditor, Metric.PAYMENTS, dimension="variant", key="challenger") == 100
    assert amount(creditor, Metric.PAYMENTS, dimension="source", key="agent") == 100
    assert amount(creditor, Metric.PAYMENTS, dimension="source", key="self_service") == 250
    assert amount(creditor, Metric.PAYMENTS, dimension="source", key="other") == 5
    assert amount(creditor, Metric.PAYMENTS, dimension="bucket", key="1-30") == 100
    assert amount(creditor, Metric.PAYMENTS, dimension="bucket", key="91-120") == 255


def test_a_payment_counts_in_the_bucket_it_was_collected_in(portfolio: dict[str, Any]) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    make_payment(early, paid_at=local(DAY, 10), amount=Decimal("100"))
    # The refresh of that evening cured the account: the payment was collected in 1-30.
    backdate(type(early), early.pk, bucket="current")
    event(early, EventKind.BUCKET_CHANGED, as_of=DAY, from_value="1-30", to_value="current")
    build_day(creditor, DAY)
    assert count(creditor, Metric.PAYMENTS, dimension="bucket", key="1-30") == 1
    assert count(creditor, Metric.PAYMENTS, dimension="bucket", key="current") == 0


def test_transitions_count_bucket_changes_of_the_day(portfolio: dict[str, Any]) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    event(early, EventKind.BUCKET_CHANGED, as_of=DAY, from_value="current", to_value="1-30")
    event(late, EventKind.BUCKET_CHANGED, as_of=DAY, from_value="61-90", to_value="91-120")
    event(late, EventKind.BUCKET_CHANGED, as_of=NEXT, from_value="91-120", to_value="121-180")
    event(early, EventKind.STAGE_CHANGED, as_of=DAY, from_value="current", to_value="x")
    build_day(creditor, DAY)
    assert count(creditor, Metric.TRANSITIONS) == 2
    assert count(creditor, Metric.TRANSITIONS, dimension="transition", key="current>1-30") == 1
    assert amount(creditor, Metric.TRANSITIONS, dimension="transition", key="61-90>91-120") == (
        Decimal("5000")
    )


# Conversations -----------------------------------------------------------------------------


def test_conversations_hand_offs_response_times_and_satisfaction(
    portfolio: dict[str, Any],
) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    started = local(DAY, 9)

    def conversation(channel: str, **fields: Any) -> Conversation:
        return Conversation.objects.create(
            creditor=creditor,
            channel=channel,
            address=f"addr-{channel}-{Conversation.objects.count()}",
            customer=early.customer,
            account=fields.pop("account", early),
            started_at=fields.pop("started_at", started),
            last_turn_at=started,
            **fields,
        )

    contained = conversation("whatsapp", satisfaction=4, closed_at=local(DAY, 9, 10))
    handed = conversation("whatsapp", handed_off_at=started + dt.timedelta(minutes=1))
    web = conversation("web", account=None, satisfaction=2, closed_at=local(DAY, 18))
    conversation("web", started_at=local(NEXT, 9))
    Turn.objects.create(conversation=contained, speaker=Speaker.CUSTOMER, at=started)
    Turn.objects.create(
        conversation=contained, speaker=Speaker.ASSISTANT, at=started + dt.timedelta(seconds=2)
    )
    Turn.objects.create(
        conversation=handed, speaker=Speaker.ASSISTANT, at=started + dt.timedelta(seconds=4)
    )
    task = Task.objects.create(
        creditor=creditor,
        customer=early.customer,
        account=early,
        kind=TaskKind.HANDOFF,
        conversation=handed,
    )
    backdate(Task, task.pk, created_at=started + dt.timedelta(minutes=1))
    Turn.objects.create(
        conversation=handed, speaker=Speaker.AGENT, at=started + dt.timedelta(minutes=11)
    )
    Turn.objects.create(
        conversation=handed, speaker=Speaker.AGENT, at=started + dt.timedelta(minutes=20)
    )
    build_day(creditor, DAY)
    assert count(creditor, Metric.CONVERSATIONS) == 3
    assert count(creditor, Metric.CONVERSATIONS, dimension="channel", key="whatsapp") == 2
    assert count(creditor, Metric.CONVERSATIONS, segment="") == 1  # the web chat, no account
    assert count(creditor, Metric.CONVERSATIONS_HANDED_OFF) == 1
    assert count(creditor, Metric.FIRST_RESPONSE_ASSISTANT) == 2
    assert total(creditor, Metric.FIRST_RESPONSE_ASSISTANT) == pytest.approx(6.0)
    assert count(creditor, Metric.FIRST_RESPONSE_AGENT, dimension="channel", key="whatsapp") == 1
    assert total(creditor, Metric.FIRST_RESPONSE_AGENT) == pytest.approx(600.0)
    assert count(creditor, Metric.SATISFACTION) == 2
    assert total(creditor, Metric.SATISFACTION) == pytest.approx(6.0)
    assert total(creditor, Metric.SATISFACTION, dimension="channel", key="web") == 2.0
    assert web.account_id is None


# Snapshot, segments, totals, idempotency ---------------------------------------------------


def test_portfolio_snapshot_counts_open_accounts_by_stage_and_bucket(
    portfolio: dict[str, Any],
) -> None:
    creditor = portfolio["creditor"]
    build_day(creditor, DAY)
    assert count(creditor, Metric.PORTFOLIO) == 2  # the paid account is out
    assert amount(creditor, Metric.PORTFOLIO) == Decimal("6000")
    assert total(creditor, Metric.PORTFOLIO) == 0.0  # money is never the float column
    assert count(creditor, Metric.PORTFOLIO, dimension="stage", key="pre_legal") == 1
    assert amount(creditor, Metric.PORTFOLIO, dimension="bucket", key="1-30") == Decimal("1000")
    assert count(creditor, Metric.PORTFOLIO, segment="tardia") == 1
    assert count(creditor, Metric.PORTFOLIO_OVERDUE) == 2
    assert amount(creditor, Metric.PORTFOLIO_OVERDUE) == Decimal("2600")
    assert amount(
        creditor, Metric.PORTFOLIO_OVERDUE, dimension="stage", key="pre_legal"
    ) == Decimal("2500")
    assert amount(creditor, Metric.PORTFOLIO_OVERDUE, dimension="bucket", key="1-30") == Decimal(
        "100"
    )


def test_the_overdue_amount_is_written_as_exact_money() -> None:
    creditor = make_creditor(timezone="America/Bogota", currency="USD")
    customer = make_customer(creditor)
    for cents in ("0.10", "0.20", "1234567890123.01"):
        make_account(
            customer,
            segment="temprana",
            balance=Decimal("9999999999999"),
            overdue_amount=Decimal(cents),
            computed_as_of=DAY,
        )
    make_account(customer, segment="temprana", overdue_amount=Decimal("0"), computed_as_of=DAY)

    build_day(creditor, DAY)

    (row,) = DailyMetric.objects.filter(
        creditor=creditor, metric=Metric.PORTFOLIO_OVERDUE, dimension=""
    )
    assert row.amount == Decimal("1234567890123.31")
    assert row.count == 3  # the accounts with something overdue
    assert row.total == 0.0


def test_snapshot_metrics_are_written_for_the_latest_as_of_day_only(
    portfolio: dict[str, Any],
) -> None:
    creditor = portfolio["creditor"]
    make_payment(portfolio["early"], paid_at=local(DAY - dt.timedelta(days=1), 10))
    build_day(creditor, DAY)
    build_range(creditor, DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1))
    assert not DailyMetric.objects.filter(day__lt=DAY, metric__in=SNAPSHOT).exists()
    assert count(creditor, Metric.PAYMENTS, day=DAY - dt.timedelta(days=1)) == 1
    # A backfill of the as-of day itself keeps its snapshot; a flow-only build leaves it alone.
    build_day(creditor, DAY, snapshot=False)
    assert count(creditor, Metric.PORTFOLIO) == 2
    build_range(creditor, DAY, DAY)
    assert count(creditor, Metric.PORTFOLIO) == 2


def test_segment_is_the_accounts_segment_at_the_end_of_the_day(
    portfolio: dict[str, Any],
) -> None:
    creditor, early = portfolio["creditor"], portfolio["early"]
    make_payment(early, paid_at=local(DAY, 10), amount=Decimal("100"))
    # Two days later the account moved from "temprana" to "media".
    backdate(type(early), early.pk, segment="media")
    event(
        early,
        EventKind.SEGMENT_CHANGED,
        as_of=DAY + dt.timedelta(days=2),
        from_value="temprana",
        to_value="media",
    )
    build_day(creditor, DAY, snapshot=False)
    build_day(creditor, DAY + dt.timedelta(days=2), snapshot=False)
    assert count(creditor, Metric.PAYMENTS, segment="temprana") == 1
    assert count(creditor, Metric.PAYMENTS, segment="media") == 0


def busy_day(portfolio: dict[str, Any]) -> None:
    creditor, early, late = portfolio["creditor"], portfolio["early"], portfolio["late"]
    ChannelCost.objects.create(creditor=creditor, channel="sms", unit_cost=Decimal("10"))
    strategy = Strategy.objects.create(creditor=creditor, name="S")
    for account, channel in ((early, "sms"), (early, "whatsapp"), (late, "sms")):
        message(
            creditor,
            account,
            channel=channel,
            strategy=strategy,
            sent_at=local(DAY, 8),
            delivered_at=local(DAY, 8),
        )
    for account, actor in ((early, Actor.AGENT), (late, Actor.CUSTOMER)):
        payment = make_payment(account, paid_at=local(DAY, 15))
        event(account, EventKind.PAYMENT_RECORDED, actor=actor, data={"payment_id": payment.pk})
        promise(account, actor)
        make_plan(account, actor)
    event(early, EventKind.BUCKET_CHANGED, as_of=DAY, from_value="current", to_value="1-30")


def test_breakdown_rows_sum_to_the_total_row(portfolio: dict[str, Any]) -> None:
    busy_day(portfolio)
    build_day(portfolio["creditor"], DAY)
    sums: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), 0.0])
    totals = {}
    for (metric, segment, dimension, _key), row in rows(portfolio["creditor"]).items():
        if dimension == "":
            totals[metric, segment] = (row.count, row.amount, row.total)
            continue
        assert dimension in BREAKDOWNS[metric]
        summed = sums[metric, segment, dimension]
        summed[0] += row.count
        summed[1] += row.amount
        summed[2] += row.total
    assert {metric for metric, _segment in totals} >= {
        Metric.PORTFOLIO,
        Metric.CONTACT_ATTEMPTS,
        Metric.CHANNEL_COST,
        Metric.PAYMENTS,
        Metric.PROMISES_MADE,
        Metric.PLANS_AGREED,
        Metric.TRANSITIONS,
    }
    for (metric, segment, dimension), (row_count, row_amount, row_total) in sums.items():
        assert totals[metric, segment][0] == row_count, (metric, dimension)
        assert totals[metric, segment][1] == row_amount, (metric, dimension)
        assert totals[metric, segment][2] == pytest.approx(row_total), (metric, dimension)
    # Every metric with breakdowns has each of them for every total row.
    for metric, segment in totals:
        for dimension in BREAKDOWNS[metric]:
            assert (metric, segment, dimension) in sums


def test_building_again_gives_the_same_rows(portfolio: dict[str, Any]) -> None:
    busy_day(portfolio)
    creditor = portfolio["creditor"]
    written = build_day(creditor, DAY)

    def snapshot() -> list[tuple[Any, ...]]:
        return sorted(
            DailyMetric.objects.filter(creditor=creditor).values_list(
                "day", "metric", "segment", "dimension", "key", "count", "amount", "total"
            )
        )

    first = snapshot()
    assert written == len(first) > 20
    assert build_day(creditor, DAY) == written
    assert snapshot() == first
    assert build_after_refresh(creditor, DAY) == written
    assert snapshot() == first


def test_every_catalogue_metric_is_flow_or_snapshot() -> None:
    assert set(BREAKDOWNS) == set(Metric.values) == FLOW | SNAPSHOT
    assert not FLOW & SNAPSHOT
