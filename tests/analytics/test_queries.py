import datetime as dt
from decimal import Decimal

import pytest

from recaudo.analytics import queries
from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.analytics.queries import Filters, Ratio, bucket_order
from tests.analytics.dashboard_rows import END, START, known_rows, metric_row
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db


@pytest.fixture
def creditor():
    creditor = make_creditor()
    DailyMetric.objects.bulk_create(known_rows(creditor))
    return creditor


def figures(creditor, start=START, end=END, segment=""):
    return queries.dashboard(Filters(creditor.pk, start, end, segment))


def test_the_portfolio_is_the_snapshot_of_the_last_day_by_stage_bucket_and_segment(creditor):
    portfolio = figures(creditor).portfolio

    assert portfolio.as_of == END and portfolio.opening_day == START
    assert (portfolio.accounts, portfolio.balance) == (98, Decimal("9400000"))
    assert [(line.key, line.accounts) for line in portfolio.by_bucket] == [
        ("current", 61),
        ("1-30", 23),
        ("31-60", 14),
    ]
    assert [(line.key, line.accounts) for line in portfolio.by_stage] == [
        ("current", 50),
        ("preventive", 8),
        ("administrative", 40),
    ]
    assert [(line.key, line.balance) for line in portfolio.by_segment] == [
        ("A", Decimal("5500000")),
        ("B", Decimal("3900000")),
    ]


def test_the_overdue_amount_is_exact_money_from_its_own_metric(creditor):
    portfolio = figures(creditor).portfolio

    assert portfolio.overdue == Decimal("1250000.25")
    assert isinstance(portfolio.overdue, Decimal)
    assert [(line.key, line.overdue) for line in portfolio.by_bucket] == [
        ("current", Decimal("0")),
        ("1-30", Decimal("450000.10")),
        ("31-60", Decimal("800000.15")),
    ]
    assert [(line.key, line.overdue) for line in portfolio.by_segment] == [
        ("A", Decimal("0")),
        ("B", Decimal("1250000.25")),
    ]


def test_a_period_ending_before_the_last_snapshot_reads_the_latest_day_inside_it(creditor):
    portfolio = figures(creditor, end=END - dt.timedelta(days=1)).portfolio

    assert portfolio.as_of == START
    assert portfolio.accounts == 100


def test_recovery_is_payments_over_the_opening_balance_by_bucket_strategy_and_variant(creditor):
    recovery = figures(creditor).recovery

    assert (recovery.payments, recovery.amount) == (5, Decimal("500000"))
    assert recovery.opening_balance == Decimal("10000000")
    assert recovery.share_of_balance.value == pytest.approx(0.05)
    by_bucket = {line.key: line for line in recovery.by_bucket}
    assert by_bucket["current"].share_of_balance.value == pytest.approx(300_000 / 6_000_000)
    assert by_bucket["1-30"].share_of_balance.value == pytest.approx(200_000 / 3_000_000)
    assert by_bucket["31-60"].amount == 0 and by_bucket["31-60"].share_of_balance.value == 0
    assert [(line.key, line.payments, line.amount) for line in recovery.by_strategy] == [
        ("gentle", 4, Decimal("450000")),
        ("none", 1, Decimal("50000")),
    ]
    assert [line.key for line in recovery.by_variant] == ["gentle:A", "gentle:B", "none"]
    assert [(line.key, line.payments) for line in recovery.by_source] == [
        ("agent", 3),
        ("self_service", 2),
    ]


def test_payments_by_day_cover_every_day_of_the_period(creditor):
    by_day = figures(creditor).recovery.by_day

    assert len(by_day) == 10
    assert [(line.day.day, line.payments) for line in by_day if line.payments] == [(2, 3), (5, 2)]


def test_cure_and_roll_rates_divide_moves_by_the_accounts_in_the_bucket_at_the_start(creditor):
    transitions = figures(creditor).transitions

    assert transitions.buckets == ["current", "1-30", "31-60"]
    rows = {row.from_bucket: row for row in transitions.rows}
    assert rows["1-30"].accounts_at_start == 30
    assert rows["1-30"].cure_rate.value == pytest.approx(0.1)
    assert rows["1-30"].roll_rate.value == pytest.approx(0.2)
    assert rows["31-60"].cure_rate.value == pytest.approx(0.2)
    assert rows["31-60"].roll_rate.value == 0
    cells = {cell.to_bucket: cell for cell in rows["1-30"].cells}
    assert (cells["31-60"].accounts, cells["31-60"].rate.value) == (6, pytest.approx(0.2))
    # Cured: 5 of the 40 accounts past due at the start; rolled: 6 of the 100.
    assert transitions.cure_rate.value == pytest.approx(0.125)
    assert transitions.roll_rate.value == pytest.approx(0.06)


def test_contact_rates_by_channel(creditor):
    contact = figures(creditor).contact

    assert contact.total.attempts == 150
    assert contact.total.contactability.value == pytest.approx(130 / 150)
    assert contact.total.right_party_rate.value == pytest.approx(0.4)
    channels = {line.channel: line for line in contact.by_channel}
    assert list(channels) == ["sms", "whatsapp"]
    assert channels["sms"].contactability.value == pytest.approx(0.8)
    assert channels["whatsapp"].delivery_rate.value == pytest.approx(1.0)
    assert channels["whatsapp"].read_rate.value == pytest.approx(0.8)
    assert channels["whatsapp"].reply_rate.value == pytest.approx(0.2)
    assert channels["whatsapp"].blocked == 5


def test_promises_plans_and_self_service_share(creditor):
    dashboard = figures(creditor)
    agreements = dashboard.agreements

    assert (agreements.promises_made.count, agreements.promises_kept.count) == (10, 5)
    assert agreements.promises_broken.count == 2
    # Of the 7 promises due (resolved) in the period, not of the 10 made in it.
    assert agreements.promises_resolved == 7
    assert agreements.promise_kept_rate.value == pytest.approx(5 / 7)
    assert agreements.promise_broken_rate.value == pytest.approx(2 / 7)
    assert agreements.plans_agreed.count == 2
    assert (agreements.plans_active.count, agreements.plans_active.amount) == (7, 700_000)
    assert [(line.source, line.count) for line in agreements.promises_by_source] == [
        ("agent", 6),
        ("self_service", 4),
    ]
    assert dashboard.self_service.payment_share.value == pytest.approx(0.4)
    assert dashboard.self_service.agreement_share.value == pytest.approx(5 / 12)


def test_containment_first_responses_and_satisfaction(creditor):
    service = figures(creditor).service

    assert service.total.containment.value == pytest.approx(0.8)
    channels = {line.channel: line for line in service.by_channel}
    assert channels["whatsapp"].containment.value == pytest.approx(0.7)
    assert channels["sms"].containment.value == pytest.approx(1.0)
    assert service.total.assistant_first_response.value == pytest.approx(5.0)
    assert service.total.agent_first_response.value == pytest.approx(180.0)
    assert service.total.satisfaction.value == pytest.approx(4.5)
    assert channels["sms"].satisfaction.value is None


def test_cost_per_channel_and_per_unit_recovered(creditor):
    ChannelCost.objects.create(creditor=creditor, channel="sms", unit_cost=Decimal("50"))
    costs = figures(creditor).costs

    assert costs.cost == Decimal("15000")
    assert costs.cost_per_unit_recovered.value == pytest.approx(0.03)
    sms = next(line for line in costs.by_channel if line.channel == "sms")
    assert sms.cost_per_message.value == pytest.approx(50.0)
    assert costs.configured == {"sms": Decimal("50")}


def test_a_segment_filter_reads_only_that_segments_rows(creditor):
    dashboard = figures(creditor, segment="B")

    assert dashboard.portfolio.accounts == 40
    assert dashboard.recovery.amount == Decimal("200000")
    assert dashboard.recovery.share_of_balance.value == pytest.approx(0.05)
    # Conversations carry no segment: they count only under "all segments".
    assert dashboard.service.total.conversations == 0
    assert dashboard.service.total.containment.value is None
    assert dashboard.contact.total.contactability.value is None


def test_other_creditors_rows_are_never_counted(creditor):
    other = make_creditor()
    DailyMetric.objects.bulk_create(known_rows(other))

    assert figures(creditor).recovery.amount == Decimal("500000")


def test_no_rows_gives_zeros_and_ratios_without_value():
    dashboard = figures(make_creditor())

    assert not dashboard.has_data
    assert dashboard.portfolio.as_of is None
    assert dashboard.recovery.share_of_balance.value is None
    assert str(dashboard.recovery.share_of_balance) == "—"
    assert dashboard.transitions.rows == []
    assert str(dashboard.service.total.containment) == "—"


def test_the_number_of_queries_does_not_grow_with_days_or_segments(
    creditor, django_assert_num_queries
):
    with django_assert_num_queries(5):
        queries.dashboard(Filters(creditor.pk, START, END))

    more = []
    for offset in range(60):
        day = START + dt.timedelta(days=offset)
        for segment in ("C", "D", "E"):
            more.append(metric_row(creditor, day, "portfolio", segment=segment, count=1))
            more.append(metric_row(creditor, day, "payments", segment=segment, count=1, amount=9))
    DailyMetric.objects.bulk_create(more)

    with django_assert_num_queries(5):
        dashboard = queries.dashboard(Filters(creditor.pk, START, START + dt.timedelta(days=59)))
    assert dashboard.recovery.payments == 5 + 180


def test_segments_for_the_filter():
    creditor = make_creditor()
    DailyMetric.objects.bulk_create(known_rows(creditor))

    assert queries.segments(creditor.pk, START, END) == ["A", "B"]


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (Ratio(1, 8), "12.5 %"),
        (Ratio(1, 0), "—"),
        (Ratio(125, 1, kind="seconds"), "2 min 5 s"),
        (Ratio(9, 2, kind="number", decimals=2), "4.50"),
    ],
)
def test_ratios_read_as_percent_number_or_duration(ratio, text, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        assert str(ratio) == text


def test_buckets_sort_by_days_past_due():
    labels = ["181+", "31-60", "current", "1-30", "121-180"]

    assert sorted(labels, key=bucket_order) == ["current", "1-30", "31-60", "121-180", "181+"]


def test_the_last_built_day_is_the_creditors_latest_day_with_figures(
    creditor, django_assert_num_queries
):
    other = make_creditor()
    DailyMetric.objects.create(
        creditor=other, day=END + dt.timedelta(days=5), metric="payments", count=1
    )
    with django_assert_num_queries(1):
        assert queries.last_built_day(creditor.pk) == END
    assert queries.last_built_day(other.pk) == END + dt.timedelta(days=5)
    assert queries.last_built_day(make_creditor().pk) is None
