"""Customer-facing texts and documents of agreements: the plan's terms, as a message and as a
PDF letter. Reads only; ``actions.agree_plan`` queues them (``statements.py`` has the statement).
"""

import base64

from django.utils import timezone, translation
from django.utils.translation import gettext

from recaudo.debts.models import Account
from recaudo.debts.plans import PlanOption
from recaudo.debts.promises import customer_language, date_for, money_for


def plan_terms_text(account: Account, option: PlanOption) -> tuple[str, str]:
    """(subject, text) of the plan's terms in the customer's language."""
    with translation.override(customer_language(account)):
        lines = [
            gettext("Hello, %(name)s.")
            % {"name": account.customer.first_name or account.customer.full_name},
            gettext("These are the terms of the payment plan you agreed for account %(account)s:")
            % {"account": account.external_id},
        ]
        if option.discount > 0:
            lines.append(
                gettext("Discount for paying in one go: %(amount)s.")
                % {"amount": money_for(account, option.discount)}
            )
        lines.append(
            gettext("Total to pay: %(amount)s.") % {"amount": money_for(account, option.total)}
        )
        for day, amount in option.schedule():
            lines.append(
                gettext("- %(amount)s by %(date)s")
                % {"amount": money_for(account, amount), "date": date_for(account, day)}
            )
        from recaudo.strategies.links import payment_link

        lines.append(gettext("Pay here: %(link)s") % {"link": payment_link(account.pk)})
        lines.append(account.creditor.name)
        subject = gettext("Your payment plan with %(creditor)s") % {
            "creditor": account.creditor.name
        }
    return subject, "\n".join(lines)


def plan_terms_attachment(account: Account, subject: str, text: str) -> dict[str, str]:
    """The terms as a one-page PDF (``strategies.letters``) to keep with the e-mail."""
    from babel.dates import format_date

    from recaudo.strategies.letters import build_letter_pdf
    from recaudo.strategies.templating import babel_locale

    customer = account.customer
    locale = babel_locale(customer.language, customer.country or account.creditor.country)
    with translation.override(customer_language(account)):
        content = build_letter_pdf(
            creditor_name=account.creditor.name,
            customer_name=customer.full_name,
            date_text=format_date(timezone.localdate(), "long", locale=locale),
            subject=subject,
            body=text,
            amount="",
            link="",
        )
        filename = gettext("payment-plan-%(account)s.pdf") % {"account": account.external_id}
    return {
        "filename": filename,
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode("ascii"),
    }
