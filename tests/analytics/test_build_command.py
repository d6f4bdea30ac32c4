"""``recaudo analytics build`` and the refresh's call to the builder."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recaudo.analytics.models import DailyMetric
from tests.factories import make_account, make_creditor, make_customer, make_payment

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def test_build_a_range_for_one_creditor() -> None:
    creditor = make_creditor(slug="banco-uno")
    other = make_creditor(slug="banco-dos")
    account = make_account(make_customer(creditor), segment="temprana", computed_as_of=DAY)
    make_payment(
        account,
        amount=Decimal("100"),
        paid_at=dt.datetime(2026, 3, 9, 15, tzinfo=dt.UTC),
    )
    make_account(make_customer(other), computed_as_of=DAY)
    out = StringIO()
    call_command(
        "analytics",
        "build",
        "--creditor",
        "banco-uno",
        "--from",
        "2026-03-08",
        "--to",
        "2026-03-10",
        stdout=out,
    )
    assert "banco-uno" in out.getvalue()
    days = set(DailyMetric.objects.filter(creditor=creditor).values_list("day", "metric"))
    assert (dt.date(2026, 3, 9), "payments") in days
    assert (DAY, "portfolio") in days  # the latest as-of day has its snapshot
    assert (dt.date(2026, 3, 9), "portfolio") not in days
    assert not DailyMetric.objects.filter(creditor=other).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--day", "2026-03-10", "--from", "2026-03-01"], "--day.*--from"),
        (["--to", "2026-03-10"], "--to.*--from"),
        (["--from", "2026-03-10", "--to", "2026-03-01"], "2026-03-01.*2026-03-10"),
        (["--day", "10/03/2026"], "10/03/2026.*YYYY-MM-DD"),
        (["--creditor", "nadie"], "nadie"),
    ],
)
def test_bad_options_say_what_to_fix(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("analytics", "build", *arguments)


def test_the_refresh_builds_its_days_metrics() -> None:
    creditor = make_creditor(slug="banco-refresh")
    make_account(make_customer(creditor), balance=Decimal("500"))
    call_command(
        "refresh", "--as-of", "2026-03-10", "--creditor", "banco-refresh", stdout=StringIO()
    )
    portfolio = DailyMetric.objects.get(
        creditor=creditor, day=DAY, metric="portfolio", dimension="", segment="general"
    )
    assert portfolio.count == 1
    assert portfolio.amount == Decimal("500")
