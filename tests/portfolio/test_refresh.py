import datetime as dt
import json
import zoneinfo
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from recaudo.debts.actions import record_payment
from recaudo.debts.models import Account, AccountEvent, Creditor
from recaudo.portfolio import frames
from recaudo.portfolio.models import SegmentRule
from recaudo.portfolio.refresh import EngineSettings, changed_rows, refresh, transitions
from tests.factories import (
    make_account,
    make_creditor,
    make_customer,
    make_instalment,
    make_payment,
)
from tests.portfolio.engine_frames import accounts, instalments, payments

FIXTURE = Path(__file__).parent.parent / "fixtures" / "portfolio" / "hand_checked.json"
PORTFOLIO = json.loads(FIXTURE.read_text())


def _load_portfolio() -> Creditor:
    creditor = make_creditor(**PORTFOLIO["creditor"])
    for rule in PORTFOLIO["rules"]:
        SegmentRule.objects.create(creditor=creditor, **rule)
    zone = zoneinfo.ZoneInfo(creditor.timezone)
    for spec in PORTFOLIO["accounts"]:
        customer = make_customer(creditor, customer_type=spec.get("customer_type", "retail"))
        account = make_account(
            customer,
            external_id=spec["external_id"],
            product_type=spec["product_type"],
            status=spec.get("status", "active"),
        )
        for due_date, amount in spec["instalments"]:
            make_instalment(
                account, due_date=dt.date.fromisoformat(due_date), amount_due=Decimal(amount)
            )
        for paid_at, amount in spec["payments"]:
            paid = dt.datetime.fromisoformat(paid_at).replace(tzinfo=zone)
            make_payment(account, paid_at=paid, amount=Decimal(amount))
    return creditor


def _refresh(creditor: Creditor, as_of: str) -> str:
    output = StringIO()
    call_command("refresh", "--as-of", as_of, "--creditor", creditor.slug, stdout=output)
    return output.getvalue()


def _observed(creditor: Creditor) -> dict[str, list[Any]]:
    return {
        account.external_id: [account.days_past_due, account.bucket, account.stage, account.segment]
        for account in Account.objects.filter(creditor=creditor)
    }


@pytest.mark.django_db(transaction=True)
def test_hand_checked_portfolio_through_the_command() -> None:
    creditor = _load_portfolio()
    for run in PORTFOLIO["runs"]:
        _refresh(creditor, run["as_of"])
        assert _observed(creditor) == run["expected"], run["as_of"]
        assert set(
            Account.objects.filter(creditor=creditor).values_list("computed_as_of", flat=True)
        ) == {dt.date.fromisoformat(run["as_of"])}
    dispute = Account.objects.get(creditor=creditor, external_id="F-DISPUTE")
    assert dispute.status == "dispute"


@pytest.mark.django_db(transaction=True)
def test_second_run_for_the_same_date_changes_nothing() -> None:
    creditor = _load_portfolio()
    _refresh(creditor, "2026-02-28")
    before = list(Account.objects.filter(creditor=creditor).values().order_by("id"))
    events = AccountEvent.objects.count()
    with translation.override("en"):
        output = _refresh(creditor, "2026-02-28")
    assert "7 accounts, 0 updated" in output
    assert AccountEvent.objects.count() == events
    assert list(Account.objects.filter(creditor=creditor).values().order_by("id")) == before


@pytest.mark.django_db(transaction=True)
def test_transitions_are_recorded_with_the_refresh_date() -> None:
    creditor = _load_portfolio()
    _refresh(creditor, "2026-01-31")
    assert not AccountEvent.objects.exists()  # a first computation is a starting state
    _refresh(creditor, "2026-02-28")
    _refresh(creditor, "2026-01-31")  # backdating
    account = Account.objects.get(creditor=creditor, external_id="A-MONTH-END")
    recorded = list(
        account.events.order_by("as_of", "kind").values_list(
            "kind", "from_value", "to_value", "as_of", "actor"
        )
    )
    assert recorded == [
        ("bucket_changed", "1-30", "current", dt.date(2026, 1, 31), "system"),
        ("stage_changed", "administrative", "preventive", dt.date(2026, 1, 31), "system"),
        ("bucket_changed", "current", "1-30", dt.date(2026, 2, 28), "system"),
        ("stage_changed", "preventive", "administrative", dt.date(2026, 2, 28), "system"),
    ]
    account.refresh_from_db()
    assert (account.overdue_amount, account.next_due_date) == (Decimal(0), dt.date(2026, 1, 31))


@pytest.mark.django_db(transaction=True)
def test_overdue_amount_and_score_are_written() -> None:
    creditor = _load_portfolio()
    _refresh(creditor, "2026-03-31")
    account = Account.objects.get(creditor=creditor, external_id="C-TOLERANCE")
    assert account.overdue_amount == Decimal("4.00")
    assert account.next_due_date is None
    assert account.score is not None and 0 < account.score < 1


@pytest.mark.django_db
def test_unknown_creditor_and_bad_date_are_clear_errors() -> None:
    with pytest.raises(CommandError, match="nope"):
        call_command("refresh", "--as-of", "2026-01-31", "--creditor", "nope")
    with pytest.raises(CommandError, match="2026-02-30"):
        call_command("refresh", "--as-of", "2026-02-30")


@pytest.mark.django_db(transaction=True)
def test_refresh_without_a_creditor_covers_every_creditor() -> None:
    first, second = make_account(), make_account()
    make_instalment(first, due_date=dt.date(2026, 1, 1))
    call_command("refresh", "--as-of", "2026-01-11", stdout=StringIO())
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.days_past_due, first.stage) == (10, "administrative")
    assert second.computed_as_of == dt.date(2026, 1, 11)


def _current(**values: Any) -> pl.DataFrame:
    row = {
        "account_id": 1,
        "days_past_due": 0,
        "overdue_amount_minor": 0,
        "next_due_date": None,
        "bucket": "current",
        "stage": "current",
        "segment": "general",
        "segment_rule_id": None,
        "score": None,
        "computed_as_of": dt.date(2026, 1, 1),
    }
    return pl.DataFrame([row | values], schema=frames.ENGINE_VALUES | {"computed_as_of": pl.Date})


def test_pure_refresh_diffs_against_current_values() -> None:
    result = refresh(
        accounts(1),
        _current(),
        instalments((1, "2026-01-31", 100)),
        payments(),
        pl.DataFrame(schema=frames.SEGMENT_RULES),
        EngineSettings(),
        dt.date(2026, 2, 10),
    )
    assert result.changed.select("days_past_due", "bucket", "stage").row(0) == (
        10,
        "1-30",
        "administrative",
    )
    assert result.transitions.rows() == [
        (1, "bucket_changed", "current", "1-30"),
        (1, "stage_changed", "current", "administrative"),
    ]


def test_unchanged_rows_are_not_written() -> None:
    values = _current().drop("computed_as_of")
    assert changed_rows(values, _current()).is_empty()
    assert transitions(changed_rows(values, _current()), _current()).is_empty()


@pytest.mark.django_db(transaction=True)
def test_segment_rules_see_a_later_payment_subtracted_once() -> None:
    account = make_account(balance=Decimal("1000000"), balance_as_of=dt.date(2026, 1, 1))
    make_instalment(account, due_date=dt.date(2026, 3, 15), amount_due=Decimal("1000000"))
    record_payment(
        account,
        amount=Decimal("300000"),
        paid_at=timezone.make_aware(dt.datetime(2026, 1, 10, 12, 0)),
        reference="LATER-1",
        actor="system",
    )
    account.refresh_from_db()
    assert account.balance == Decimal("700000")
    SegmentRule.objects.create(
        creditor=account.creditor, position=1, segment="saldo_700k", min_balance=Decimal("700000")
    )

    call_command("refresh", as_of="2026-02-01", stdout=StringIO())

    account.refresh_from_db()
    assert account.segment == "saldo_700k"
