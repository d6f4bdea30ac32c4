"""Already paid: date, amount and reference; a match thanks, otherwise an agent checks."""

import datetime as dt
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.debts.models import Actor
from recaudo.staff.hours import next_adviser_time

NAME = "already_paid"
INTENTS = ("ya_pague",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True

NO_REFERENCE = re.compile(r"\bno\s+(la\s+)?(tengo|s[eé]|recuerdo|me\s+acuerdo)\b|\bninguna\b", re.I)


def paid_on(context: Context, text: str) -> dt.date | None:
    """The date in ``text``, resolved backwards: a payment was made in the past, so after
    "ya pagué", "el 3" said on 1 December is 3 November and "el viernes" last Friday."""
    from recaudo.conversations.nlu.entities import extract_entities

    day = extract_entities(text, today=context.today, past=True).date
    return day if day is not None and day <= context.today else None


def start(context: Context) -> None:
    # The message that asked (not the one that finished the identity check, if any).
    first_message = str(context.data.get("text", ""))
    day = paid_on(context, first_message) if first_message else None
    amount = context.first("amount")
    if day is not None:
        context.data["date"] = day.isoformat()
    if amount is not None:
        context.data["amount"] = str(amount)
    _next(context)


def _next(context: Context) -> None:
    if "date" not in context.data:
        context.ask(_("Thank you for letting us know. On what date did you pay?"), step="date")
    elif "amount" not in context.data:
        context.ask(_("How much did you pay?"), step="amount")
    elif "reference" not in context.data:
        context.ask(
            _("Do you have the payment reference or receipt number? Write it, or tap the button."),
            [Option("no_reference", _("I do not have it"))],
            step="reference",
        )
    else:
        _report(context)


def resume(context: Context) -> bool:
    entities = context.entities
    amount = getattr(entities, "amount", None)
    if context.step == "date":
        day = paid_on(context, context.text) if context.text else None
        if day is None:
            return False
        context.data["date"] = day.isoformat()
        if amount is not None:
            context.data["amount"] = str(amount)
    elif context.step == "amount":
        if amount is None and context.text.strip().isdigit():
            amount = Decimal(context.text.strip())
        if amount is None:
            return False
        context.data["amount"] = str(amount)
    elif context.step == "reference":
        if context.choice == "no_reference" or NO_REFERENCE.search(context.text):
            context.data["reference"] = ""
        elif context.text:
            context.data["reference"] = context.text.strip()[:100]
        else:
            return False
    else:
        return False
    _next(context)
    return True


def _report(context: Context) -> None:
    from recaudo.debts.actions import report_payment

    account = context.account
    assert account is not None
    day = dt.date.fromisoformat(context.data["date"])
    amount = Decimal(context.data["amount"])
    payment = report_payment(
        account,
        paid_on=day,
        amount=amount,
        reference=str(context.data.get("reference", "")),
        channel=context.channel,
        actor=Actor.CUSTOMER,
    )
    context.finish(more=False)
    if payment is not None:
        context.say(
            _("Thank you! We already have your payment of %(amount)s of %(date)s.")
            % {
                "amount": context.money(payment.amount, account.currency),
                "date": context.date(payment.paid_at.astimezone(context.zone).date()),
            },
            [Option("intent:consultar_saldo", _("Balance and dates")), Option("menu", _("Menu"))],
        )
        return
    when = next_adviser_time(context.creditor, context.now)
    context.say(
        _(
            "Thank you. We do not see that payment yet: sometimes it takes a few days to reach "
            "us. An adviser will check it and answer you %(when)s."
        )
        % {"when": context.moment(when)},
        [Option("menu", _("Something else"))],
    )
