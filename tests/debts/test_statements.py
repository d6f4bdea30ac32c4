"""The statement: a real PDF (checked by text extraction) e-mailed through SMTP on loopback."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from recaudo.channels.models import MessageStatus
from recaudo.channels.providers.smtp import SmtpProvider
from recaudo.channels.sender import Sender
from recaudo.debts.actions import record_payment
from recaudo.debts.models import EventKind
from recaudo.debts.statements import send_statement, statement_pdf
from tests.channels.providers.smtp.test_smtp import Mailbox, mailbox  # noqa: F401
from tests.factories import make_account, make_contact_point, make_customer, make_instalment

NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # Tuesday, 10:00 in Bogotá
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def customer_with_accounts() -> object:
    customer = make_customer(first_name="José", last_name="Núñez", document_number="1020304050")
    account = make_account(
        customer,
        external_id="CR-001",
        balance=Decimal("900000"),
        overdue_amount=Decimal("100000"),
        balance_as_of=dt.date(2026, 9, 1),
    )
    make_instalment(account, number=1, due_date=dt.date(2026, 10, 15), amount_due=Decimal("100000"))
    make_instalment(account, number=2, due_date=dt.date(2026, 11, 15), amount_due=Decimal("100000"))
    record_payment(
        account,
        amount=Decimal("100000"),
        paid_at=dt.datetime(2026, 10, 14, 15, tzinfo=dt.UTC),
        reference="PSE-778899",
        actor="api",
    )
    make_account(customer, external_id="CR-002", balance=Decimal("50000"))
    return customer


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_the_statement_pdf_has_accounts_instalments_payments_and_a_masked_document() -> None:
    customer = customer_with_accounts()

    text = pdf_text(statement_pdf(customer, as_of=TODAY))  # type: ignore[arg-type]

    assert "Estado de cuenta" in text
    assert "José Núñez" in text
    assert "******4050" in text and "1020304050" not in text
    assert "CR-001" in text and "CR-002" in text
    assert "Saldo: $800.000" in text  # 900 000 less the payment after balance_as_of
    assert "15/11/26" in text  # the second instalment's due date
    assert "PSE-778899" in text  # the payment
    assert "Pagos" in text and "Cuotas" in text


@pytest.mark.django_db
def test_no_email_on_file_no_statement() -> None:
    customer = customer_with_accounts()
    make_contact_point(customer, medium="phone")
    assert send_statement(customer, today=TODAY, actor="customer") is None  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_the_statement_is_emailed_only_to_the_address_on_file(mailbox: Mailbox) -> None:  # noqa: F811
    customer = customer_with_accounts()
    make_contact_point(customer, medium="email", value="jose@correo.example")
    # A co-debtor's e-mail is never used.
    make_contact_point(customer, medium="email", value="otro@correo.example", role="co_debtor")

    message = send_statement(customer, today=TODAY, actor="customer", channel="web")  # type: ignore[arg-type]
    again = send_statement(customer, today=TODAY, actor="customer")  # type: ignore[arg-type]

    assert message is not None and again == message
    assert message.payload["purpose"] == "transactional"
    events = customer.accounts.filter(events__kind=EventKind.STATEMENT_SENT)  # type: ignore[attr-defined]
    assert events.count() == 2
    counts = Sender(worker_id="w", provider_lookup=lambda kind: SmtpProvider()).run_batch(10)
    assert counts["sent"] == 1, counts
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT

    [(_sender, recipients, _content)] = mailbox.received
    assert recipients == ["jose@correo.example"]
    received = mailbox.message()
    assert received["To"] == "jose@correo.example"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "estado-de-cuenta-2026-12-01.pdf"
    content = attachment.get_content()
    assert content.startswith(b"%PDF")
    assert "CR-001" in pdf_text(content)
    assert base64.b64decode(message.payload["attachments"][0]["content_base64"]) == content
