"""The ORM twin of the segmentation engine: same segment for every account, counts with the
first-match-wins precedence."""

import datetime as dt
import random
from decimal import Decimal

import polars as pl
import pytest

from recaudo.customers.models import Customer, CustomerType
from recaudo.debts.models import Account, ProductType, Stage
from recaudo.portfolio.io.refresh import load_rules
from recaudo.portfolio.models import SegmentRule
from recaudo.portfolio.queries import (
    matching_count,
    matching_rule_case,
    months_before,
    rule_condition,
    rule_counts,
)
from recaudo.portfolio.segments import assign_segments, tenure_months
from tests.factories import make_account, make_creditor, make_customer

pytestmark = pytest.mark.django_db

BALANCES = [Decimal(v) for v in ("0", "50000", "99999.99", "100000", "100000.01", "750000", "5e6")]
DAYS = [-5, 0, 1, 30, 31, 60, 61, 120, 121, 400]
SCORES = [None, 0.0, 0.25, 0.5, 0.5000001, 0.75, 1.0]
SINCE = [
    None,
    dt.date(2026, 3, 31),
    dt.date(2026, 2, 28),
    dt.date(2025, 12, 31),
    dt.date(2025, 9, 30),
    dt.date(2024, 2, 29),
    dt.date(2023, 3, 1),
    dt.date(2020, 1, 15),
    dt.date(2026, 4, 15),  # after as_of: negative tenure
]
TENURES = [0, 1, 2, 3, 6, 12, 24, 36]


def _maybe(generator: random.Random, values: list, blank: float = 0.5):  # type: ignore[no-untyped-def,type-arg]
    return None if generator.random() < blank else generator.choice(values)


def _some(generator: random.Random, values: list[str]) -> list[str]:
    if generator.random() < 0.5:
        return []
    return generator.sample(values, generator.randint(1, 3))


def _random_portfolio(seed: int) -> tuple[int, list[SegmentRule]]:
    generator = random.Random(seed)
    creditor = make_creditor()
    customers = Customer.objects.bulk_create(
        Customer(
            creditor=creditor,
            external_id=f"S{seed}-{number}",
            document_type="CC",
            document_number=str(number),
            country="CO",
            timezone="America/Bogota",
            customer_since=generator.choice(SINCE),
            customer_type=generator.choice(CustomerType.values),
        )
        for number in range(60)
    )
    Account.objects.bulk_create(
        Account(
            creditor=creditor,
            customer=generator.choice(customers),
            external_id=f"A{seed}-{number}",
            product_type=generator.choice(ProductType.values),
            currency="COP",
            original_amount=Decimal(1),
            balance=generator.choice(BALANCES),
            balance_as_of=dt.date(2026, 1, 1),
            days_past_due=generator.choice(DAYS),
            stage=generator.choice(Stage.values),
            score=generator.choice(SCORES),
        )
        for number in range(200)
    )
    rules = []
    for number in range(7):
        low_tenure, high_tenure = _maybe(generator, TENURES), _maybe(generator, TENURES)
        rules.append(
            SegmentRule.objects.create(
                creditor=creditor,
                position=generator.randint(0, 4),  # ties: the id decides
                segment=f"segment-{number}",
                active=generator.random() < 0.8,
                min_balance=_maybe(generator, BALANCES),
                max_balance=_maybe(generator, BALANCES),
                min_tenure_months=low_tenure,
                max_tenure_months=high_tenure,
                min_days_past_due=_maybe(generator, DAYS),
                max_days_past_due=_maybe(generator, DAYS),
                min_score=_maybe(generator, [s for s in SCORES if s is not None]),
                max_score=_maybe(generator, [s for s in SCORES if s is not None]),
                customer_types=_some(generator, CustomerType.values),
                product_types=_some(generator, ProductType.values),
                stages=_some(generator, Stage.values),
            )
        )
    return creditor.pk, rules


def _engine_rule_ids(creditor_id: int, as_of: dt.date) -> dict[int, int | None]:
    rows = list(
        Account.objects.filter(creditor_id=creditor_id).values_list(
            "id",
            "balance",
            "customer__customer_since",
            "customer__customer_type",
            "days_past_due",
            "product_type",
            "stage",
            "score",
        )
    )
    accounts = pl.DataFrame(
        {
            "account_id": [row[0] for row in rows],
            "balance_ten_thousandths": [int(row[1].scaleb(4)) for row in rows],
            "customer_since": [row[2] for row in rows],
            "customer_type": [row[3] for row in rows],
            "days_past_due": [row[4] for row in rows],
            "product_type": [row[5] for row in rows],
            "stage": [row[6] for row in rows],
            "score": [row[7] for row in rows],
        },
        schema={
            "account_id": pl.Int64,
            "balance_ten_thousandths": pl.Int64,
            "customer_since": pl.Date,
            "customer_type": pl.String,
            "days_past_due": pl.Int64,
            "product_type": pl.String,
            "stage": pl.String,
            "score": pl.Float64,
        },
    ).with_columns(tenure_months=tenure_months(pl.col("customer_since"), as_of))
    from recaudo.debts.models import Creditor

    assigned = assign_segments(accounts, load_rules(Creditor.objects.get(pk=creditor_id)), "x")
    return dict(
        zip(assigned["account_id"].to_list(), assigned["segment_rule_id"].to_list(), strict=True)
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("as_of", [dt.date(2026, 3, 31), dt.date(2026, 3, 1), dt.date(2026, 2, 28)])
def test_the_q_and_the_polars_engine_pick_the_same_rule(seed: int, as_of: dt.date) -> None:
    creditor_id, _rules = _random_portfolio(seed)
    ordered = list(SegmentRule.objects.filter(creditor_id=creditor_id).order_by("position", "id"))

    by_orm = dict(
        Account.objects.filter(creditor_id=creditor_id)
        .annotate(matched=matching_rule_case(ordered, as_of=as_of))
        .values_list("id", "matched")
    )
    orm_rule_ids = {
        account_id: (ordered[index].pk if index >= 0 else None)
        for account_id, index in by_orm.items()
    }

    engine = _engine_rule_ids(creditor_id, as_of)
    assert orm_rule_ids == engine
    # The random rules must exercise both outcomes, or the test proves little.
    assert any(value is None for value in engine.values())
    assert any(value is not None for value in engine.values())


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15)),
        (dt.date(2026, 1, 15), 0, dt.date(2026, 1, 15)),
        (dt.date(2026, 1, 15), 25, dt.date(2023, 12, 15)),
    ],
)
def test_months_before_clamps_the_day(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_before(day, months) == expected


def test_a_rule_counts_only_what_earlier_active_rules_left() -> None:
    creditor = make_creditor()
    customer = make_customer(creditor)
    for _ in range(3):
        make_account(customer, balance=Decimal("2000000"), days_past_due=40)
    for _ in range(2):
        make_account(customer, balance=Decimal("1000"), days_past_due=40)
    make_account(customer, balance=Decimal("1000"), days_past_due=0)
    large = SegmentRule.objects.create(
        creditor=creditor, position=1, segment="large", min_balance=Decimal("1000000")
    )
    late = SegmentRule.objects.create(
        creditor=creditor, position=2, segment="late", min_days_past_due=31
    )
    rules = [large, late]

    assert matching_count(creditor, rules, 0) == 3
    assert matching_count(creditor, rules, 1) == 2  # the big late ones went to "large"
    counts, unmatched = rule_counts(creditor, rules)
    assert [counts[0].total, counts[1].total, unmatched.total] == [3, 2, 1]

    # Unsaved edits count too: deactivating the first rule gives all late accounts to "late".
    large.active = False
    assert matching_count(creditor, rules, 1) == 5
    assert matching_count(creditor, rules, 0) == 0
    # And moving "late" first (a lower position) takes them before "large".
    large.active = True
    late.position = 0
    assert matching_count(creditor, rules, 1) == 5
    assert matching_count(creditor, rules, 0) == 0


def test_blank_conditions_match_every_account_and_null_scores_match_no_range() -> None:
    customer = make_customer()
    scored = make_account(customer, score=0.5)
    make_account(customer, score=None)
    creditor = customer.creditor

    assert Account.objects.filter(rule_condition(SegmentRule(creditor=creditor))).count() == 2
    banded = SegmentRule(creditor=creditor, min_score=0.0)
    assert list(Account.objects.filter(rule_condition(banded))) == [scored]
