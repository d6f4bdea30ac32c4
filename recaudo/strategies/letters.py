"""Letters: a one-page PDF (fpdf2, built-in Helvetica) sent as an e-mail attachment.

The built-in fonts cover Latin-1, which is all Spanish needs; anything else (curly quotes,
dashes, the euro sign, emoji) is replaced by its closest Latin-1 form or dropped.
"""

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

_REPLACEMENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def latin1(text: str) -> str:
    return text.translate(_REPLACEMENTS).encode("latin-1", "ignore").decode("latin-1")


def build_letter_pdf(
    *,
    creditor_name: str,
    customer_name: str,
    date_text: str,
    subject: str,
    body: str,
    amount: str,
    link: str,
) -> bytes:
    """One A4 page: the creditor at the top, the date, the customer, the subject, the body,
    then a box with the amount and the payment link."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_title(latin1(subject or creditor_name))
    pdf.set_author(latin1(creditor_name))
    width = pdf.epw

    def line(text: str, *, size: float = 11, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(creditor_name, size=16, style="B", height=8)
    pdf.ln(4)
    line(date_text)
    pdf.ln(4)
    line(_("Dear %(name)s") % {"name": customer_name} if customer_name else _("Dear customer"))
    pdf.ln(4)
    if subject:
        line(subject, size=12, style="B")
        pdf.ln(2)
    # Keep the body on one page: shrink the font for long letters.
    size = 11.0 if len(body) < 1800 else 9.5
    for paragraph in body.split("\n"):
        if paragraph.strip():
            line(paragraph, size=size, height=size * 0.5 + 0.5)
        else:
            pdf.ln(3)
    pdf.ln(6)
    pdf.set_fill_color(240, 244, 248)
    pdf.set_font("Helvetica", style="B", size=11)
    if amount:
        pdf.multi_cell(
            width,
            8,
            latin1(_("Amount to pay: %(amount)s") % {"amount": amount}),
            fill=True,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    if link:
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(
            width,
            7,
            latin1(_("Pay online: %(link)s") % {"link": link}),
            fill=True,
            link=link,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output())
