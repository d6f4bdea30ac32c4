import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from recaudo.customers.documents import normalise_document
from recaudo.lib.phones import normalise_phone
from recaudo.portfolio.demo_data import PROFILES, DemoSpec, generate, write_portfolio
from recaudo.portfolio.imports import ACCOUNT_COLUMNS, PAYMENT_COLUMNS

AS_OF = dt.date(2026, 2, 28)


def canonical_headers() -> set[str]:
    """Every canonical column the importer knows (the import contract of docs/import-format.md)."""
    return {column.name for column in (*ACCOUNT_COLUMNS, *PAYMENT_COLUMNS)}


def test_same_seed_same_files_and_another_seed_differs() -> None:
    spec = DemoSpec(accounts=300, countries=("CO", "MX"), seed=7, as_of=AS_OF)
    first, again = generate(spec), generate(spec)
    other = generate(DemoSpec(accounts=300, countries=("CO", "MX"), seed=8, as_of=AS_OF))
    for one, two in zip(first, again, strict=True):
        assert one.accounts.equals(two.accounts)
        assert one.instalments.equals(two.instalments)
        assert one.payments.equals(two.payments)
        assert one.contact_points.equals(two.contact_points)
    assert not first[0].accounts.equals(other[0].accounts)


def test_every_document_and_phone_is_valid() -> None:
    portfolios = generate(DemoSpec(accounts=4000, countries=tuple(PROFILES), seed=3, as_of=AS_OF))
    for portfolio in portfolios:
        country = portfolio.profile.country
        accounts = portfolio.accounts
        assert accounts["customer_kind"].value_counts().height == 2, country
        for document_type, number in accounts.select("document_type", "document_number").rows():
            assert normalise_document(country, document_type, number)[0] == document_type
        phones = pl.concat(
            [
                accounts["phone"],
                accounts["phone_2"],
                portfolio.contact_points.filter(pl.col("medium") == "phone")["value"],
            ]
        )
        for phone in phones.filter(phones != ""):
            assert normalise_phone(phone, country) == phone
        assert accounts["email"].str.contains("@").sum() > 0.7 * accounts.height


def test_files_use_the_import_contract_headers(tmp_path: Path) -> None:
    manifest = write_portfolio(
        DemoSpec(accounts=50, countries=("CO", "CL"), seed=1, as_of=AS_OF), tmp_path
    )
    canonical = canonical_headers()
    assert [creditor["currency"] for creditor in manifest["creditors"]] == ["COP", "CLP"]
    for creditor in manifest["creditors"]:
        for relative in creditor["files"].values():
            with (tmp_path / relative).open(encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert set(header) <= canonical, set(header) - canonical
    with (tmp_path / manifest["creditors"][1]["files"]["payments"]).open() as handle:
        amounts = [row["amount"] for row in csv.DictReader(handle)]
    assert amounts and all(amount.isdigit() for amount in amounts)  # CLP has no minor unit


def days_past_due(instalments: list[tuple[dt.date, Decimal]], paid: Decimal) -> int:
    """Payments cover the oldest instalments first; the oldest not fully covered is past due."""
    for due_date, amount in sorted(instalments):
        if paid >= amount:
            paid -= amount
            continue
        return max((AS_OF - due_date).days, 0)
    return 0


def test_days_past_due_distribution_and_balances() -> None:
    (portfolio,) = generate(DemoSpec(accounts=5000, countries=("MX",), seed=11, as_of=AS_OF))
    schedules: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for account_id, due_date, amount in portfolio.instalments.select(
        "account_id", "due_date", "amount_due"
    ).rows():
        schedules[account_id].append((due_date, Decimal(amount)))
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for account_id, amount, paid_at in portfolio.payments.select(
        "account_id", "amount", "paid_at"
    ).rows():
        assert paid_at <= AS_OF
        paid[account_id] += Decimal(amount)

    counts = dict.fromkeys(("current", "1-30", "31-60", "61-90", "91+"), 0)
    for account_id, balance, original in portfolio.accounts.select(
        "account_id", "balance", "original_amount"
    ).rows():
        due = schedules[account_id]
        assert Decimal(original) == sum(amount for _, amount in due)
        assert Decimal(balance) == Decimal(original) - paid[account_id] > 0
        days = days_past_due(due, paid[account_id])
        bucket = (
            "current" if days == 0 else "1-30" if days <= 30 else "31-60" if days <= 60
            else "61-90" if days <= 90 else "91+"
        )  # fmt: skip
        counts[bucket] += 1

    expected = {"current": 0.40, "1-30": 0.30, "31-60": 0.12, "61-90": 0.08, "91+": 0.10}
    for bucket, share in expected.items():
        assert counts[bucket] / 5000 == pytest.approx(share, abs=0.025), counts
    assert 5.5 <= portfolio.instalments.height / 5000 <= 6.5
