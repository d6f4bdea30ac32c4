import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from recaudo.channels.models import Message
from recaudo.strategies.actions import install_default_templates
from recaudo.strategies.letters import build_letter_pdf, latin1
from recaudo.strategies.queries import latest_approved
from recaudo.strategies.templating import render_for_message
from tests.factories import make_account, make_creditor, make_customer


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_a_letter_is_one_page_with_everything_on_it() -> None:
    pdf = build_letter_pdf(
        creditor_name="Financiera Sol",
        customer_name="María Gómez",
        date_text="10 de diciembre de 2026",
        subject="Aviso sobre su cuenta 0012345",
        body="Queremos ayudarle a ponerse al día.\n\nCordialmente, “Financiera Sol” \u2013 €",
        amount="$150.000",
        link="https://pagos.example.co/p/abc",
    )
    assert pdf.startswith(b"%PDF")
    pages, text = text_of(pdf)
    assert pages == 1
    for expected in (
        "Financiera Sol",
        "10 de diciembre de 2026",
        "María Gómez",
        "ponerse al día",
        "Valor a pagar: $150.000",
        "https://pagos.example.co/p/abc",
    ):
        assert expected in text


def test_a_long_letter_still_fits_one_page() -> None:
    body = "\n".join(["Un párrafo largo sobre su cuenta y las opciones que tiene. " * 4] * 12)
    pdf = build_letter_pdf(
        creditor_name="A",
        customer_name="B",
        date_text="hoy",
        subject="",
        body=body,
        amount="$1",
        link="https://x",
    )
    assert text_of(pdf)[0] == 1


def test_latin1_replaces_what_the_builtin_font_cannot_draw() -> None:
    assert latin1("“Hola” \u2013 5 € ñ 🙂") == '"Hola" - 5 EUR ñ '


@pytest.mark.django_db
def test_a_letter_message_carries_the_pdf_attachment() -> None:
    creditor = make_creditor(name="Financiera Sol")
    install_default_templates(creditor)
    account = make_account(
        make_customer(creditor, first_name="Luis", last_name="Pérez"),
        external_id="CTA-9",
        overdue_amount=Decimal("250000"),
        days_past_due=70,
    )
    template = latest_approved(creditor, "pre-legal-notice", "letter")
    message = Message.objects.create(
        creditor=creditor,
        customer=account.customer,
        account=account,
        direction="outbound",
        channel="letter",
        address="luis@example.com",
        template=template,
    )
    rendered = render_for_message(message, as_of=dt.date(2026, 12, 10))
    (attachment,) = rendered.payload["attachments"]
    assert attachment["filename"] == "pre-legal-notice.pdf"
    assert attachment["content_type"] == "application/pdf"
    pages, text = text_of(base64.b64decode(attachment["content_base64"]))
    assert pages == 1
    assert "Luis Pérez" in text
    assert "CTA-9" in text
    assert "$250.000" in text
    assert "10 de diciembre de 2026" in text
    assert "/p/" in text
