"""plan_options: pure, table-driven, in each currency's minor unit (CLP has none)."""

import datetime as dt
from decimal import Decimal

import pytest

from recaudo.debts.models import Account, PlanKind, PlanPolicy
from recaudo.debts.plans import add_months, plan_options

TODAY = dt.date(2026, 12, 1)


def account(balance: str, currency: str = "COP") -> Account:
    return Account(balance=Decimal(balance), currency=currency)


def policy(**fields: object) -> PlanPolicy:
    defaults: dict[str, object] = {
        "max_instalments": 6,
        "min_down_payment_percent": Decimal("10"),
        "min_instalment": Decimal("0"),
        "settlement_discount_percent": Decimal("15"),
    }
    return PlanPolicy(**(defaults | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("balance", "currency", "fields", "expected"),
    [
        # COP (2 decimals): 10 % down, 3 and 6 instalments, 15 % off in one go.
        (
            "1000000",
            "COP",
            {},
            [
                ("settlement", 1, "0.00", "850000.00", "850000.00", "150000.00"),
                ("plan-3", 3, "100000.00", "300000.00", "1000000.00", "0.00"),
                ("plan-6", 6, "100000.00", "150000.00", "1000000.00", "0.00"),
            ],
        ),
        # Rounding: the rest 900000.01 / 6 = 150000.00 each, the last one absorbs 0.01.
        (
            "1000000.01",
            "COP",
            {"settlement_discount_percent": Decimal("0")},
            [
                ("plan-3", 3, "100000.01", "300000.00", "1000000.01", "0.00"),
                ("plan-6", 6, "100000.01", "150000.00", "1000000.01", "0.00"),
            ],
        ),
        # CLP has no minor unit: the down payment rounds up, the discount down, to whole pesos.
        (
            "333333",
            "CLP",
            {"max_instalments": 12, "settlement_discount_percent": Decimal("12.5")},
            [
                ("settlement", 1, "0", "291667", "291667", "41666"),
                ("plan-6", 6, "33334", "49999", "333333", "0"),
                ("plan-12", 12, "33334", "24999", "333333", "0"),
            ],
        ),
        # The minimum instalment lowers the count: 900000 / 200000 -> 4; 3 stays 3.
        (
            "1000000",
            "COP",
            {"min_instalment": Decimal("200000"), "settlement_discount_percent": Decimal("0")},
            [
                ("plan-3", 3, "100000.00", "300000.00", "1000000.00", "0.00"),
                ("plan-4", 4, "100000.00", "225000.00", "1000000.00", "0.00"),
            ],
        ),
        # No down payment; max 3 gives only plan-3 (half of 3 is under 2 instalments).
        (
            "90000",
            "CLP",
            {"max_instalments": 3, "min_down_payment_percent": Decimal("0")},
            [
                ("settlement", 1, "0", "76500", "76500", "13500"),
                ("plan-3", 3, "0", "30000", "90000", "0"),
            ],
        ),
        # Nothing owed, nothing offered.
        ("0", "COP", {}, []),
    ],
)
def test_plan_options(
    balance: str, currency: str, fields: dict[str, object], expected: list[tuple[object, ...]]
) -> None:
    options = plan_options(account(balance, currency), policy(**fields), today=TODAY)

    got = [
        (
            option.key,
            option.instalment_count,
            str(option.down_payment),
            str(option.instalment_amount),
            str(option.total),
            str(option.discount),
        )
        for option in options
    ]
    assert got == expected
    for option in options:
        schedule = option.schedule()
        # Totals are exact: the schedule adds up to the total, to the minor unit.
        assert sum(amount for _day, amount in schedule) == option.total
        assert option.currency == currency
        assert option.first_due_date == dt.date(2026, 12, 8)


def test_without_a_policy_there_is_no_option() -> None:
    assert plan_options(account("1000000"), None, today=TODAY) == []


def test_the_schedule_is_monthly_after_the_down_payment() -> None:
    [_settlement, plan3, _plan6] = plan_options(account("1000000"), policy(), today=TODAY)

    assert plan3.kind == PlanKind.INSTALMENTS
    assert plan3.schedule() == [
        (dt.date(2026, 12, 8), Decimal("100000.00")),
        (dt.date(2027, 1, 8), Decimal("300000.00")),
        (dt.date(2027, 2, 8), Decimal("300000.00")),
        (dt.date(2027, 3, 8), Decimal("300000.00")),
    ]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
        (dt.date(2027, 1, 31), 2, dt.date(2027, 3, 31)),
        (dt.date(2026, 12, 8), 1, dt.date(2027, 1, 8)),
        (dt.date(2028, 1, 30), 1, dt.date(2028, 2, 29)),
    ],
)
def test_monthly_dates_keep_the_day_or_the_last_of_the_month(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected
