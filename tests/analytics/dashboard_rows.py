"""A small, known set of ``DailyMetric`` rows for the dashboard tests (queries and console).

Creditor, 1 to 10 March 2026, segments A and B. The expected figures are worked out in the tests.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from recaudo.analytics.models import DailyMetric
from recaudo.debts.models import Creditor

START = dt.date(2026, 3, 1)
END = dt.date(2026, 3, 10)


def metric_row(
    creditor: Creditor,
    day: dt.date,
    metric: str,
    *,
    segment: str = "",
    dimension: str = "",
    key: str = "",
    count: int = 0,
    amount: int | str | Decimal = 0,
    total: float = 0.0,
) -> DailyMetric:
    return DailyMetric(
        creditor=creditor,
        day=day,
        metric=metric,
        segment=segment,
        dimension=dimension,
        key=key,
        count=count,
        amount=Decimal(amount),
        total=total,
    )


def _with_breakdowns(
    creditor: Creditor,
    day: dt.date,
    metric: str,
    segment: str,
    total: tuple[int, int | Decimal],
    breakdowns: dict[str, dict[str, tuple[int, int | Decimal]]],
    **extra: Any,
) -> list[DailyMetric]:
    rows = [
        metric_row(creditor, day, metric, segment=segment, count=total[0], amount=total[1], **extra)
    ]
    for dimension, keys in breakdowns.items():
        for key, (count, amount) in keys.items():
            rows.append(
                metric_row(
                    creditor,
                    day,
                    metric,
                    segment=segment,
                    dimension=dimension,
                    key=key,
                    count=count,
                    amount=amount,
                )
            )
    return rows


def known_rows(creditor: Creditor) -> list[DailyMetric]:
    """The known data set; ``DailyMetric.objects.bulk_create(known_rows(creditor))``."""
    day2, day4, day5, day10 = (START + dt.timedelta(days=offset) for offset in (1, 3, 4, 9))
    rows: list[DailyMetric] = []
    add = rows.extend

    # Portfolio at the start: A 60 accounts / 6,000,000 all current; B 40 / 4,000,000.
    add(
        _with_breakdowns(
            creditor,
            START,
            "portfolio",
            "A",
            (60, 6_000_000),
            {
                "bucket": {"current": (60, 6_000_000)},
                "stage": {"current": (60, 6_000_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            START,
            "portfolio",
            "B",
            (40, 4_000_000),
            {
                "bucket": {"1-30": (30, 3_000_000), "31-60": (10, 1_000_000)},
                "stage": {"administrative": (40, 4_000_000)},
            },
        )
    )
    # Portfolio at the end: A 58 / 5,500,000; B 40 / 3,900,000.
    add(
        _with_breakdowns(
            creditor,
            day10,
            "portfolio",
            "A",
            (58, 5_500_000),
            {
                "bucket": {"current": (58, 5_500_000)},
                "stage": {"current": (50, 5_000_000), "preventive": (8, 500_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day10,
            "portfolio",
            "B",
            (40, 3_900_000),
            {
                "bucket": {
                    "current": (3, 300_000),
                    "1-30": (23, 2_200_000),
                    "31-60": (14, 1_400_000),
                },
                "stage": {"administrative": (40, 3_900_000)},
            },
        )
    )
    # Overdue at the end (its own metric, money as Decimal): B 37 accounts / 1,250,000.25.
    add(
        _with_breakdowns(
            creditor,
            day10,
            "portfolio_overdue",
            "B",
            (37, Decimal("1250000.25")),
            {
                "bucket": {"1-30": (23, Decimal("450000.10")), "31-60": (14, Decimal("800000.15"))},
                "stage": {"administrative": (37, Decimal("1250000.25"))},
            },
        )
    )
    # Active plans: 5 at the start (ignored), 7 at the end.
    add([metric_row(creditor, START, "plans_active", segment="B", count=5, amount=500_000)])
    add([metric_row(creditor, day10, "plans_active", segment="B", count=7, amount=700_000)])

    # Payments: 3 in A (300,000, agent) on day 2; 2 in B (200,000, self-service) on day 5.
    add(
        _with_breakdowns(
            creditor,
            day2,
            "payments",
            "A",
            (3, 300_000),
            {
                "bucket": {"current": (3, 300_000)},
                "strategy": {"gentle": (2, 250_000), "": (1, 50_000)},
                "variant": {"gentle:B": (2, 250_000), "": (1, 50_000)},
                "source": {"agent": (3, 300_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day5,
            "payments",
            "B",
            (2, 200_000),
            {
                "bucket": {"1-30": (2, 200_000)},
                "strategy": {"gentle": (2, 200_000)},
                "variant": {"gentle:A": (2, 200_000)},
                "source": {"self_service": (2, 200_000)},
            },
        )
    )

    # Bucket changes in B on day 4: 1-30 → 31-60 six, 1-30 → current three, 31-60 → 1-30 two.
    add(
        _with_breakdowns(
            creditor,
            day4,
            "transitions",
            "B",
            (11, 1_100_000),
            {
                "transition": {
                    "1-30>31-60": (6, 600_000),
                    "1-30>current": (3, 300_000),
                    "31-60>1-30": (2, 200_000),
                },
            },
        )
    )

    # Contact: SMS 100 attempts, 80 connected, 40 right party, 80 delivered;
    # WhatsApp 50 attempts, 50 delivered, 40 read, 10 replied, 5 blocked.
    for metric, sms, whatsapp in (
        ("contact_attempts", 100, 50),
        ("contacts_connected", 80, 50),
        ("contacts_right_party", 40, 20),
        ("messages_delivered", 80, 50),
        ("messages_read", 0, 40),
        ("messages_replied", 0, 10),
        ("messages_blocked", 0, 5),
    ):
        add(
            _with_breakdowns(
                creditor,
                day2,
                metric,
                "A",
                (sms + whatsapp, 0),
                {
                    "channel": {"sms": (sms, 0), "whatsapp": (whatsapp, 0)},
                },
            )
        )
    # Costs: SMS 100 at 50 = 5,000; WhatsApp 50 at 200 = 10,000.
    add(
        _with_breakdowns(
            creditor,
            day2,
            "channel_cost",
            "A",
            (150, 15_000),
            {
                "channel": {"sms": (100, 5_000), "whatsapp": (50, 10_000)},
            },
        )
    )

    # Promises: 10 made (6 agent, 4 self-service), 5 kept, 2 broken; plans: 2 agreed (1 each).
    add(
        _with_breakdowns(
            creditor,
            day4,
            "promises_made",
            "A",
            (10, 1_000_000),
            {
                "source": {"agent": (6, 600_000), "self_service": (4, 400_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day5,
            "promises_kept",
            "A",
            (5, 500_000),
            {
                "source": {"agent": (3, 300_000), "self_service": (2, 200_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day5,
            "promises_broken",
            "A",
            (2, 200_000),
            {
                "source": {"agent": (2, 200_000)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day4,
            "plans_agreed",
            "B",
            (2, 800_000),
            {
                "source": {"agent": (1, 500_000), "self_service": (1, 300_000)},
            },
        )
    )

    # Assistant: WhatsApp 10 conversations, 3 handed off; SMS (no account) 5, none.
    add(
        _with_breakdowns(
            creditor,
            day2,
            "conversations",
            "",
            (15, 0),
            {
                "channel": {"whatsapp": (10, 0), "sms": (5, 0)},
            },
        )
    )
    add(
        _with_breakdowns(
            creditor,
            day2,
            "conversations_handed_off",
            "",
            (3, 0),
            {
                "channel": {"whatsapp": (3, 0)},
            },
        )
    )
    rows.append(metric_row(creditor, day2, "first_response_assistant", count=10, total=50.0))
    rows.append(metric_row(creditor, day2, "first_response_agent", count=3, total=540.0))
    rows.append(metric_row(creditor, day2, "satisfaction", count=4, total=18.0))
    rows.append(
        metric_row(
            creditor, day2, "satisfaction", dimension="channel", key="whatsapp", count=4, total=18.0
        )
    )
    return rows
