"""Promise to pay: a date, then an amount (suggested), a summary to confirm, the promise."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context, yes_no_options
from recaudo.conversations.replies import Option
from recaudo.debts.models import Account, Actor
from recaudo.debts.promises import PromiseTerms

NAME = "promise"
INTENTS = ("prometer_pago",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True


def _terms(context: Context, account: Account) -> PromiseTerms:
    from recaudo.debts.promises import promise_terms

    return promise_terms(account, today=context.today)


def start(context: Context) -> None:
    day = context.first("date")
    amount = context.first("amount")
    if day is not None:
        context.data["date"] = day.isoformat()
    if amount is not None:
        context.data["amount"] = str(amount)
    _next(context)


def _next(context: Context) -> None:
    account = context.account
    assert account is not None
    terms = _terms(context, account)
    if "date" not in context.data:
        context.ask(
            _("What day can you pay? It can be up to %(date)s.")
            % {"date": context.date(terms.latest_date)},
            step="date",
        )
        return
    if "amount" not in context.data:
        suggested = context.money(terms.suggested_amount, account.currency)
        context.ask(
            _("How much will you pay that day? I suggest %(suggested)s (at least %(minimum)s).")
            % {
                "suggested": suggested,
                "minimum": context.money(terms.min_amount, account.currency),
            },
            [Option("amount:suggested", suggested)],
            step="amount",
        )
        return

    day = dt.date.fromisoformat(context.data["date"])
    context.ask(
        _("Let me confirm: you will pay %(amount)s on %(date)s. Is that right?")
        % {
            "amount": context.money(Decimal(context.data["amount"]), account.currency),
            "date": context.date(day),
        },
        yes_no_options(),
        step="confirm",
    )


def resume(context: Context) -> bool:
    account = context.account
    if account is None:
        return False
    entities = context.entities
    day = getattr(entities, "date", None)
    amount = getattr(entities, "amount", None)
    if context.step == "date":
        if day is None:
            return False
        context.data["date"] = day.isoformat()
        if amount is not None:
            context.data["amount"] = str(amount)
        _next(context)
        return True
    if context.step == "amount":
        if context.choice == "amount:suggested":
            amount = _terms(context, account).suggested_amount
        if amount is None and context.text.strip().isdigit():
            try:
                amount = Decimal(context.text.strip())
            except InvalidOperation:
                amount = None
        if amount is None:
            return False
        context.data["amount"] = str(amount)
        if day is not None:
            context.data["date"] = day.isoformat()
        _next(context)
        return True
    if context.step == "confirm":
        answer = context.answer_yes()
        if answer is None:
            # "mejor el 20": a correction instead of yes or no.
            if day is not None or amount is not None:
                if day is not None:
                    context.data["date"] = day.isoformat()
                if amount is not None:
                    context.data["amount"] = str(amount)
                _next(context)
                return True
            return False
        if answer:
            _make(context, account)
        else:
            context.data.pop("date", None)
            context.data.pop("amount", None)
            context.data["entities"] = {}
            context.ask(_("All right. What day can you pay?"), step="date")
        return True
    return False


def _make(context: Context, account: Account) -> None:

    from recaudo.debts.actions import AgreementRefused, make_promise

    day = dt.date.fromisoformat(context.data["date"])
    amount = Decimal(context.data["amount"])
    customer = context.customer
    try:
        make_promise(
            account,
            amount=amount,
            promised_date=day,
            today=context.today,
            channel=context.channel,
            actor=Actor.CUSTOMER,
            actor_name=customer.full_name if customer else "",
        )
    except AgreementRefused as refusal:
        code = str(getattr(refusal, "code", ""))
        message = str(getattr(refusal, "message", "") or refusal)
        context.say(message)
        if code.startswith("date"):
            context.data.pop("date", None)
        elif code.startswith("amount"):
            context.data.pop("amount", None)
        else:
            context.finish()
            return
        context.data["entities"] = {}
        _next(context)
        return
    context.finish(more=False)
    context.say(
        _(
            "Done: your promise to pay %(amount)s on %(date)s is recorded. We will send you a "
            "reminder the day before. Thank you!"
        )
        % {"amount": context.money(amount, account.currency), "date": context.date(day)},
        [Option("intent:pagar", _("Pay now")), Option("menu", _("Something else"))],
    )
