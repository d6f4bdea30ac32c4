"""Balance, overdue amount and next due dates of one account."""

from django.utils.translation import gettext as _

from recaudo.conversations import queries
from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option

NAME = "balance"
INTENTS = ("consultar_saldo", "consultar_vencimiento")
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True


def start(context: Context) -> None:
    account = context.account
    assert account is not None
    summary = queries.summary(account, today=context.today)
    currency = account.currency
    lines = [
        _("Account %(account)s:") % {"account": context.account_label(account)},
        _("• Balance: %(amount)s") % {"amount": context.money(summary.balance, currency)},
    ]
    if summary.overdue > 0:
        if summary.oldest_overdue_date is not None:
            lines.append(
                _("• Overdue: %(amount)s (since %(date)s)")
                % {
                    "amount": context.money(summary.overdue, currency),
                    "date": context.date(summary.oldest_overdue_date),
                }
            )
        else:
            lines.append(
                _("• Overdue: %(amount)s") % {"amount": context.money(summary.overdue, currency)}
            )
    else:
        lines.append(_("• Nothing is overdue."))
    if summary.upcoming:
        lines.append(_("• Next due dates:"))
        lines.extend(
            f"  - {context.date(day)}: {context.money(amount, currency)}"
            for day, amount in summary.upcoming
        )
    elif summary.balance > 0 and summary.overdue <= 0:
        lines.append(_("• No upcoming due dates."))
    options = [Option("intent:pagar", _("Pay"))]
    if summary.overdue > 0:
        options.append(Option("intent:prometer_pago", _("Set a payment date")))
        options.append(Option("intent:plan_de_pagos", _("Payment plan")))
    if len(context.open_accounts()) > 1:
        options.append(Option("switch_account", _("Another account")))
    options.append(Option("menu", _("Something else")))
    context.finish(more=False)
    context.say("\n".join(lines), options)


def resume(context: Context) -> bool:
    return False
