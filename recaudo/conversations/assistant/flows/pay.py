"""Pay: a link to the checkout for the overdue amount, the total or another amount.

"Quiero pagar pero solo la mitad" pays half of what is due (the overdue amount, or the balance
when nothing is overdue), and offers a plan for the rest.
"""

import logging
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from recaudo.conversations import queries
from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.debts.models import Account, Plan
from recaudo.lib.money import minor_unit, quantize

NAME = "pay"
INTENTS = ("pagar",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True

logger = logging.getLogger(__name__)

HALF = re.compile(r"\bla\s+mitad\b|\bmitad\b|\b50\s*%", re.I)


def _link(account: Account, amount: Decimal, settlement: Plan | None = None) -> str:
    from recaudo.payments.actions import start_checkout

    if settlement is not None:
        checkout = start_checkout(account, amount=amount, purpose="settlement", plan=settlement)
    else:
        checkout = start_checkout(account, amount=amount)
    return str(checkout.url)


def _pay_option(
    context: Context,
    account: Account,
    amount: Decimal,
    title: str,
    *,
    key: str = "link",
    settlement: Plan | None = None,
) -> Option:
    return Option(f"pay:{key}", title, url=_link(account, amount, settlement))


def provider_failed(context: Context, account: Account) -> None:
    """The payment provider could not open the checkout (logged): say so kindly."""
    logger.exception("The payment provider failed for account %s", account.pk)
    context.say(
        _(
            "I could not create the payment link right now. Please try again in a few "
            "minutes, or pay through any of our payment methods."
        ),
        [
            Option("intent:medios_de_pago", _("Payment methods")),
            Option("menu", _("Something else")),
        ],
    )


def _settlement_left(account: Account, balance: Decimal) -> tuple[Plan | None, Decimal]:
    """The active settlement and what is left of it (paying "everything" pays that), or
    (None, the balance)."""
    from recaudo.debts.queries import active_settlement, plan_payment_due

    settlement = active_settlement(account)
    if settlement is not None:
        left = plan_payment_due(settlement)
        if 0 < left < balance:
            return settlement, left
    return None, balance


def start(context: Context) -> None:
    account = context.account
    assert account is not None
    summary = queries.summary(account, today=context.today)
    if summary.balance <= 0:
        context.say(_("This account has nothing to pay. Thank you!"))
        context.finish()
        return
    amount = context.first("amount")
    text = str(context.data.get("text", ""))
    if amount is None and HALF.search(text):
        amount = quantize(summary.amount_to_pay / 2, account.currency)
    if amount is not None:
        _pay_amount(context, account, Decimal(amount), partial_offer=True)
        return
    from recaudo.payments.actions import CheckoutRefused
    from recaudo.payments.base import PaymentProviderError

    settlement, total = _settlement_left(account, summary.balance)
    options = []
    try:
        if 0 < summary.overdue < total:
            options.append(
                _pay_option(
                    context,
                    account,
                    summary.overdue,
                    _("Overdue %(amount)s") % {"amount": context.money(summary.overdue)},
                    key="overdue",
                )
            )
        options.append(
            _pay_option(
                context,
                account,
                total,
                (_("Settlement %(amount)s") if settlement else _("Total %(amount)s"))
                % {"amount": context.money(total)},
                key="total",
                settlement=settlement,
            )
        )
    except CheckoutRefused as refusal:
        context.say(refusal.message)
        context.finish()
        return
    except PaymentProviderError:
        context.finish(more=False)
        provider_failed(context, account)
        return
    options.append(Option("pay:other", _("Another amount")))
    if summary.overdue > 0:
        text = _(
            "You have %(overdue)s overdue, and the total balance is %(balance)s. How much "
            "would you like to pay? The links take you to a secure payment page."
        ) % {"overdue": context.money(summary.overdue), "balance": context.money(summary.balance)}
    else:
        text = _(
            "Your balance is %(balance)s. How much would you like to pay? The link takes you "
            "to a secure payment page."
        ) % {"balance": context.money(summary.balance)}
    context.ask(text, options, step="amount")


def _pay_amount(
    context: Context, account: Account, amount: Decimal, *, partial_offer: bool = False
) -> None:
    summary = queries.summary(account, today=context.today)
    smallest = Decimal(1).scaleb(-minor_unit(account.currency))
    if amount < smallest or amount > summary.balance:
        context.ask(
            _("Please write an amount between %(low)s and %(high)s.")
            % {"low": context.money(smallest), "high": context.money(summary.balance)},
            [Option("pay:other", _("Another amount"))],
            step="amount",
        )
        return
    amount = quantize(amount, account.currency)
    from recaudo.payments.actions import CheckoutRefused
    from recaudo.payments.base import PaymentProviderError

    try:
        options = [
            _pay_option(
                context, account, amount, _("Pay %(amount)s") % {"amount": context.money(amount)}
            )
        ]
    except CheckoutRefused as refusal:
        context.say(refusal.message)
        context.finish()
        return
    except PaymentProviderError:
        context.finish(more=False)
        provider_failed(context, account)
        return
    text = _("Here is your secure link to pay %(amount)s.") % {"amount": context.money(amount)}
    if partial_offer and amount < summary.amount_to_pay:
        text += " " + _(
            "If paying the rest at once is hard for you, we can also agree a payment plan."
        )
        options.append(Option("intent:plan_de_pagos", _("Payment plan")))
    options.append(Option("menu", _("Something else")))
    context.ask(text, options, step="link")


def resume(context: Context) -> bool:
    account = context.account
    if account is None:
        return False
    if context.choice == "pay:other":
        context.ask(_("How much would you like to pay?"), step="amount")
        return True
    if context.choice.startswith("pay:"):
        # A link chosen by number on a channel without buttons: give it in the text.
        url = next(
            (
                option.get("url", "")
                for option in context.state.get("options", [])
                if isinstance(option, dict) and option.get("id") == context.choice
            ),
            "",
        )
        if url:
            context.finish(more=False)
            context.say(_("Here is your secure payment link: %(url)s") % {"url": url})
            return True
    amount = getattr(context.entities, "amount", None)
    if amount is None and HALF.search(context.text):
        summary = queries.summary(account, today=context.today)
        amount = quantize(summary.amount_to_pay / 2, account.currency)
    if amount is None:
        digits = re.sub(r"[^\d]", "", context.text)
        if digits and digits == context.text.replace(".", "").replace(",", "").strip("$ "):
            amount = Decimal(digits)
    if amount is None:
        return False
    _pay_amount(context, account, Decimal(amount), partial_offer=True)
    return True
