"""A customer's statement: a PDF (fpdf2) with every account, its instalments and payments,
sent only to the e-mail address on file.

The PDF uses the built-in Helvetica (Latin-1 covers Spanish, see ``strategies.letters``); the
document number is masked (the last four digits), because a statement travels by e-mail.
"""

import base64
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from recaudo.channels.actions import queue_message
from recaudo.channels.models import Message
from recaudo.customers.models import Channel, Customer
from recaudo.debts.models import Account, AccountEvent, EventKind
from recaudo.strategies.letters import latin1

TRANSACTIONAL = "transactional"


def mask_document(number: str) -> str:
    """``*****4567``: the last four characters, the rest as asterisks (not
    ``lib.masking.mask_tail``'s bullets: the PDF's core fonts have no "•")."""
    visible = number[-4:]
    return "*" * max(len(number) - 4, 3) + visible


def _locale(customer: Customer) -> str:
    from recaudo.strategies.templating import babel_locale

    return babel_locale(customer.language, customer.country or customer.creditor.country)


def _money(amount: Decimal, currency: str, locale: str) -> str:
    from recaudo.strategies.templating import money_text

    return money_text(Decimal(amount), currency, locale)


def _day(day: date | None, locale: str) -> str:
    from babel.dates import format_date

    return format_date(day, "short", locale=locale) if day else "-"


def _accounts(customer: Customer) -> list[Account]:
    return list(
        customer.accounts.order_by("external_id").prefetch_related("instalments", "payments")
    )


def statement_pdf(customer: Customer, *, as_of: date) -> bytes:
    """The statement as of ``as_of``: the creditor, the customer (document masked) and, per
    account, its balance, overdue amount, instalments and payments (those up to ``as_of``)."""
    creditor = customer.creditor
    locale = _locale(customer)
    zone = ZoneInfo(creditor.timezone)
    until = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=zone)
    with translation.override(customer.language or "es"):
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.set_margins(18, 18, 18)
        pdf.add_page()
        title = gettext("Statement of account")
        pdf.set_title(latin1(title))
        pdf.set_author(latin1(creditor.name))
        width = pdf.epw

        def line(text: str, *, size: float = 10, style: str = "", height: float = 5.5) -> None:
            pdf.set_font("Helvetica", style=style, size=size)
            pdf.multi_cell(width, height, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        def row(cells: list[str], widths: Sequence[float], *, bold: bool = False) -> None:
            pdf.set_font("Helvetica", style="B" if bold else "", size=9)
            for text, cell_width in zip(cells, widths, strict=True):
                pdf.cell(cell_width, 6, latin1(text), border=1)
            pdf.ln(6)

        line(creditor.name, size=16, style="B", height=8)
        line(title, size=13, style="B", height=7)
        line(gettext("As of %(date)s") % {"date": _day(as_of, locale)})
        pdf.ln(3)
        line(gettext("Customer: %(name)s") % {"name": customer.full_name or customer.external_id})
        line(
            gettext("Document: %(type)s %(number)s")
            % {
                "type": customer.document_type,
                "number": mask_document(customer.document_number),
            }
        )
        for account in _accounts(customer):
            currency = account.currency
            pdf.ln(4)
            line(
                gettext("Account %(account)s") % {"account": account.external_id},
                size=12,
                style="B",
                height=7,
            )
            line(
                gettext("Balance: %(amount)s")
                % {"amount": _money(account.balance, currency, locale)}
            )
            line(
                gettext("Overdue: %(amount)s")
                % {"amount": _money(account.overdue_amount, currency, locale)}
            )
            instalments = sorted(
                (item for item in account.instalments.all() if item.amount_due > 0),
                key=lambda item: (item.due_date, item.number),
            )
            if instalments:
                pdf.ln(2)
                line(gettext("Instalments"), style="B")
                widths = [15, 35, 42, 42, 40]
                row(
                    [
                        gettext("No."),
                        gettext("Due date"),
                        gettext("Amount due"),
                        gettext("Paid"),
                        gettext("Pending"),
                    ],
                    widths,
                    bold=True,
                )
                for item in instalments:
                    pending = max(item.amount_due - item.amount_paid, Decimal(0))
                    row(
                        [
                            str(item.number),
                            _day(item.due_date, locale),
                            _money(item.amount_due, currency, locale),
                            _money(item.amount_paid, currency, locale),
                            _money(pending, currency, locale),
                        ],
                        widths,
                    )
            payments = sorted(
                (item for item in account.payments.all() if item.paid_at < until),
                key=lambda item: item.paid_at,
            )
            if payments:
                pdf.ln(2)
                line(gettext("Payments"), style="B")
                widths = [35, 45, 94]
                row([gettext("Date"), gettext("Amount"), gettext("Reference")], widths, bold=True)
                for payment in payments:
                    row(
                        [
                            _day(payment.paid_at.astimezone(zone).date(), locale),
                            _money(payment.amount, currency, locale),
                            payment.external_reference[:48],
                        ],
                        widths,
                    )
            else:
                line(gettext("No payments recorded."))
    return bytes(pdf.output())


def send_statement(
    customer: Customer, *, today: date, actor: str, channel: str = ""
) -> Message | None:
    """Queue the statement as of ``today`` to the customer's own e-mail on file, with the PDF
    attached (purpose transactional: it answers the customer's request); a
    ``statement_sent`` event on each account. None when there is no e-mail on file. Once per
    customer and day: a second request the same day returns the first message."""
    from recaudo.customers.queries import email_on_file

    email = email_on_file(customer)
    if email is None:
        return None
    key = f"statement:{customer.pk}:{today.isoformat()}"
    existing = Message.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    content = statement_pdf(customer, as_of=today)
    creditor = customer.creditor
    with translation.override(customer.language or "es"):
        subject = gettext("Your statement from %(creditor)s") % {"creditor": creditor.name}
        body = gettext(
            "Hello, %(name)s:\n\nAttached is the statement of your accounts as of %(date)s, "
            "as you asked.\n\nIf you have questions, reply to this e-mail.\n\n%(creditor)s"
        ) % {
            "name": customer.first_name or customer.full_name,
            "date": _day(today, _locale(customer)),
            "creditor": creditor.name,
        }
        filename = gettext("statement-%(date)s.pdf") % {"date": today.isoformat()}
    now = timezone.now()
    with transaction.atomic():
        message, new = queue_message(
            email,
            channel=Channel.EMAIL,
            subject=subject,
            body=body,
            payload={
                "purpose": TRANSACTIONAL,
                "attachments": [
                    {
                        "filename": filename,
                        "content_type": "application/pdf",
                        "content_base64": base64.b64encode(content).decode("ascii"),
                    }
                ],
            },
            dedupe_key=key,
            initiated_by_customer=True,
        )
        if new:
            AccountEvent.objects.bulk_create(
                AccountEvent(
                    account=account,
                    kind=EventKind.STATEMENT_SENT,
                    at=now,
                    as_of=today,
                    actor=actor,
                    data={"message_id": message.pk, "channel": channel},
                )
                for account in customer.accounts.all()
            )
    return message
