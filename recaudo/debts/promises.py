"""What a customer may promise: the creditor's limits, and the refusal that says how to fix it.

Pure reads of an account and its creditor (no queries beyond the account's creditor and
customer), shared by ``make_promise``, the assistant, the self-service page and the console.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext

from recaudo.debts.models import Account
from recaudo.lib.money import from_minor_units, minor_unit


class AgreementRefused(ValueError):
    """An agreement (promise, plan) the creditor's limits or the account's status do not allow.

    ``code`` is stable for programs ("amount_too_low", "amount_too_high", "date_too_late",
    "date_in_past", "invalid_amount", "status", "no_options", "not_offered"); ``message`` is
    for the customer, in their language, and says how to fix it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PromiseTerms:
    min_amount: Decimal
    suggested_amount: Decimal  # the overdue amount (the balance when nothing is overdue)
    latest_date: date


def amount_owed_now(account: Account) -> Decimal:
    """The overdue amount, or the balance when nothing is overdue."""
    overdue = Decimal(account.overdue_amount or 0)
    return overdue if overdue > 0 else Decimal(account.balance or 0)


def round_up(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded up to the currency's minor unit (CLP: whole pesos)."""
    digits = minor_unit(currency)
    return from_minor_units(math.ceil(amount.scaleb(digits)), currency)


def promise_terms(account: Account, *, today: date) -> PromiseTerms:
    """The creditor's limits for a promise on ``account`` made on ``today``.

    The minimum is ``creditor.promise_min_percent`` of the overdue amount (of the balance when
    nothing is overdue), rounded up to the currency's minor unit and at least one minor unit;
    the latest date is ``today + creditor.promise_max_days``.
    """
    creditor = account.creditor
    owed = amount_owed_now(account)
    percent = Decimal(creditor.promise_min_percent)
    smallest = from_minor_units(1, account.currency)
    minimum = max(round_up(owed * percent / 100, account.currency), smallest)
    return PromiseTerms(
        min_amount=min(minimum, owed) if owed > 0 else minimum,
        suggested_amount=owed,
        latest_date=today + timedelta(days=creditor.promise_max_days),
    )


def customer_language(account: Account) -> str:
    return account.customer.language or "es"


def money_for(account: Account, amount: Decimal) -> str:
    from recaudo.strategies.templating import babel_locale, money_text

    customer = account.customer
    locale = babel_locale(customer.language, customer.country or account.creditor.country)
    return money_text(amount, account.currency, locale)


def date_for(account: Account, day: date) -> str:
    from babel.dates import format_date

    from recaudo.strategies.templating import babel_locale

    customer = account.customer
    locale = babel_locale(customer.language, customer.country or account.creditor.country)
    return (
        format_date(day, "d 'de' MMMM", locale=locale)
        if locale.startswith("es")
        else (format_date(day, "long", locale=locale))
    )


def check_promise(account: Account, *, amount: Decimal, promised_date: date, today: date) -> None:
    """Raise ``AgreementRefused`` when the promise is outside the creditor's limits."""
    terms = promise_terms(account, today=today)
    with translation.override(customer_language(account)):
        if promised_date < today:
            raise AgreementRefused(
                "date_in_past",
                gettext("The date cannot be in the past: choose a date from today until %(date)s.")
                % {"date": date_for(account, terms.latest_date)},
            )
        if promised_date > terms.latest_date:
            raise AgreementRefused(
                "date_too_late",
                gettext("The date must be no later than %(date)s.")
                % {"date": date_for(account, terms.latest_date)},
            )
        if amount < terms.min_amount:
            raise AgreementRefused(
                "amount_too_low",
                gettext("The minimum amount is %(amount)s.")
                % {"amount": money_for(account, terms.min_amount)},
            )
        balance = Decimal(account.balance or 0)
        if balance > 0 and amount > balance:
            raise AgreementRefused(
                "amount_too_high",
                gettext("The amount cannot be more than your balance, %(amount)s.")
                % {"amount": money_for(account, balance)},
            )
