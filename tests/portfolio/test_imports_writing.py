"""What an import writes: upserts, timeline events, payments and their allocation."""

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from recaudo.customers.models import Consent, ContactPoint, Customer
from recaudo.debts.actions import record_payment
from recaudo.debts.models import Account, AccountEvent, Creditor, Instalment, Payment
from recaudo.portfolio.importing import ImportReport, import_accounts, import_payments
from recaudo.portfolio.io.files import table_source
from tests.factories import make_account, make_creditor, make_instalment

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"

pytestmark = pytest.mark.django_db


def import_portfolio(creditor: Creditor, *paths: Path, **options: object) -> ImportReport:
    report = import_accounts(
        [table_source(path) for path in paths],
        creditor=creditor,
        today=dt.date(2026, 2, 1),
        **options,  # type: ignore[arg-type]
    )
    assert report.errors == [] or options.get("skip_invalid")
    return report


def events(kind: str) -> list[tuple[str, str, str]]:
    return list(
        AccountEvent.objects.filter(kind=kind)
        .order_by("account__external_id", "to_value")
        .values_list("account__external_id", "from_value", "to_value")
    )


@pytest.fixture
def creditor() -> Creditor:
    return make_creditor()


@pytest.fixture
def portfolio(creditor: Creditor, tmp_path: Path) -> Path:
    """The fixture files copied to a folder the test may edit."""
    for name in ("accounts.csv", "instalments.csv", "payments.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    import_portfolio(creditor, tmp_path / "instalments.csv", tmp_path / "accounts.csv")
    return tmp_path


def test_first_import_creates_everything_with_events(creditor: Creditor, portfolio: Path) -> None:
    assert Customer.objects.filter(creditor=creditor).count() == 2
    assert ContactPoint.objects.count() == 3
    assert Instalment.objects.count() == 4
    assert events("created") == [("A1", "", "1000000.00"), ("A2", "", "400000.00")]
    # The instalments of a new account are part of its creation: no event each.
    assert events("instalment_added") == []
    account = Account.objects.get(external_id="A1")
    assert (account.balance, account.balance_as_of, account.status) == (
        Decimal("1000000"),
        dt.date(2026, 1, 31),
        "active",
    )


def test_importing_the_same_files_again_changes_nothing(
    creditor: Creditor, portfolio: Path
) -> None:
    before = (
        AccountEvent.objects.count(),
        Instalment.objects.count(),
        ContactPoint.objects.count(),
    )
    report = import_portfolio(creditor, portfolio / "accounts.csv", portfolio / "instalments.csv")
    assert report.created == {"customers": 0, "contact_points": 0, "accounts": 0, "instalments": 0}
    assert report.updated == {"customers": 0, "accounts": 0, "instalments": 0, "contact_points": 0}
    assert report.unchanged["accounts"] == 2
    after = (AccountEvent.objects.count(), Instalment.objects.count(), ContactPoint.objects.count())
    assert after == before


def test_changes_are_applied_and_recorded(creditor: Creditor, portfolio: Path) -> None:
    accounts = portfolio / "accounts.csv"
    text = accounts.read_text()
    text = text.replace("1000000,2026-01-31", "950000,2026-02-10")  # A1's balance
    text = text.replace("3109876543,", "3109876543,juan@example.com")  # a new e-mail
    accounts.write_text(text)
    with (portfolio / "instalments.csv").open("a") as instalments:
        instalments.write("A2,2,2026-02-20,50000\n")
    import_portfolio(creditor, accounts, portfolio / "instalments.csv")
    assert events("balance_changed") == [("A1", "1000000.00", "950000.00")]
    assert events("instalment_added")[-1] == ("A2", "", "2")
    assert events("contact_point_added") == [("A2", "", "juan@example.com")]
    account = Account.objects.get(external_id="A1")
    assert (account.balance, account.balance_as_of) == (Decimal("950000"), dt.date(2026, 2, 10))


def test_skip_invalid_writes_the_valid_rows_and_returns_the_rejected(
    creditor: Creditor, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    lines = (FIXTURES / "accounts.csv").read_text().splitlines()
    lines[2] = lines[2].replace("credit_card", "=yacht")
    path.write_text("\n".join(lines) + "\n")
    report = import_portfolio(creditor, path, skip_invalid=True)
    assert report.written
    assert list(Account.objects.values_list("external_id", flat=True)) == ["A1"]
    assert report.rejected is not None
    assert report.rejected["account_id"].to_list() == ["A2"]
    assert report.rejected["error"].to_list() == [
        "product_type: valor desconocido; use uno de estos: credit_card, personal_loan, "
        "microcredit, auto_loan, mortgage, utility, telecom, bnpl, other"
    ]


def test_without_skip_invalid_nothing_is_written(creditor: Creditor, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text((FIXTURES / "accounts.csv").read_text().replace("credit_card", "yacht"))
    report = import_accounts([table_source(path)], creditor=creditor)
    assert not report.written
    assert Customer.objects.count() == Account.objects.count() == 0


def test_payments_are_recorded_once_and_allocated_oldest_first(
    creditor: Creditor, portfolio: Path
) -> None:
    first = import_payments(table_source(portfolio / "payments.csv"), creditor=creditor)
    again = import_payments(table_source(portfolio / "payments.csv"), creditor=creditor)
    assert (first.created, again.created, again.unchanged) == (
        {"payments": 2},
        {"payments": 0},
        {"payments": 2},
    )
    assert Payment.objects.count() == 2
    assert len(events("payment_recorded")) == 2
    paid = Instalment.objects.filter(account__external_id="A1").order_by("number")
    assert [instalment.amount_paid for instalment in paid] == [
        Decimal("100000"),
        Decimal("50000"),
        Decimal("0"),
    ]


def test_only_payments_after_the_balance_date_reduce_the_balance(
    creditor: Creditor, portfolio: Path
) -> None:
    import_payments(table_source(portfolio / "payments.csv"), creditor=creditor)
    # P1 (2026-02-05) is after A1's balance date; P2 (2026-01-10) is before A2's.
    balances = dict(Account.objects.values_list("external_id", "balance"))
    assert balances == {"A1": Decimal("850000"), "A2": Decimal("400000")}
    # The creditor's next file still reports 1,000,000 as of 31 January: the payment stays applied.
    import_portfolio(creditor, portfolio / "accounts.csv")
    assert Account.objects.get(external_id="A1").balance == Decimal("850000")
    assert events("balance_changed") == []


def test_record_payment_shares_the_import_rules() -> None:
    account = make_account(balance=Decimal("300"), balance_as_of=dt.date(2026, 1, 1))
    make_instalment(account, number=2, due_date=dt.date(2026, 2, 15), amount_due=Decimal("100"))
    make_instalment(account, number=1, due_date=dt.date(2026, 1, 15), amount_due=Decimal("100"))
    paid_at = timezone.make_aware(dt.datetime(2026, 1, 20, 9, 0))
    payment, created = record_payment(
        account, amount=Decimal("150"), paid_at=paid_at, reference="R1", actor="agent"
    )
    again, created_again = record_payment(
        account, amount=Decimal("150"), paid_at=paid_at, reference="R1", actor="agent"
    )
    assert (created, created_again, again.pk) == (True, False, payment.pk)
    account.refresh_from_db()
    assert account.balance == Decimal("150")
    assert [i.amount_paid for i in account.instalments.order_by("number")] == [
        Decimal("100"),
        Decimal("50"),
    ]
    assert account.events.get().kind == "payment_recorded"


def test_contact_points_file_adds_to_existing_customers(
    creditor: Creditor, portfolio: Path
) -> None:
    contacts = portfolio / "contact_points.csv"
    contacts.write_text(
        "customer_id,medium,value,role,name\n"
        "C1,telefono,3157654321,fiador,Pedro Gómez\n"
        "C1,email,MARIA@example.com,,\n"
    )
    report = import_portfolio(creditor, contacts)
    assert report.created == {"contact_points": 1}
    added = ContactPoint.objects.get(value="+573157654321")
    assert (added.role, added.name, added.customer.external_id) == (
        "guarantor",
        "Pedro Gómez",
        "C1",
    )
    assert events("contact_point_added") == [("A1", "", "+573157654321")]


def test_authorised_channels_become_consents_once_and_never_override_an_opt_out(
    creditor: Creditor, portfolio: Path
) -> None:
    contacts = portfolio / "contact_points.csv"
    contacts.write_text(
        "customer_id,medium,value,canales_autorizados\n"
        'C1,telefono,3157654321,"WhatsApp, sms"\n'
        "C1,email,maria@example.com,email\n"
    )
    first = import_portfolio(creditor, contacts)
    phone = ContactPoint.objects.get(value="+573157654321")
    Consent.objects.create(
        contact_point=phone, channel="sms", granted=False, source="reply", at=timezone.now()
    )
    again = import_portfolio(creditor, contacts)

    assert first.created["consents"] == 3
    assert again.created["consents"] == 0
    latest = {
        consent.channel: consent.granted for consent in reversed(phone.consents.order_by("-at"))
    }
    assert latest == {"whatsapp": True, "sms": False}


def test_a_channel_foreign_to_the_medium_is_refused(creditor: Creditor, portfolio: Path) -> None:
    contacts = portfolio / "contact_points.csv"
    contacts.write_text(
        "customer_id,medium,value,authorised_channels\nC1,email,m@example.com,sms\n"
    )

    report = import_portfolio(creditor, contacts, skip_invalid=True)

    assert [(error.column, error.value) for error in report.errors] == [
        ("authorised_channels", "sms")
    ]
    assert "sms" in report.errors[0].message and "email" in report.errors[0].message
    assert not Consent.objects.exists()


def test_region_is_stored_in_upper_case(creditor: Creditor, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        (FIXTURES / "accounts.csv").read_text().replace("customer_id,", "region,customer_id,", 1)
    )
    lines = accounts.read_text().splitlines()
    accounts.write_text("\n".join([lines[0], *("sp," + line for line in lines[1:])]) + "\n")

    import_portfolio(creditor, accounts)

    assert set(Customer.objects.values_list("region", flat=True)) == {"SP"}
