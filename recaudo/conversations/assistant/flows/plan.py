"""Instalment plan: the creditor's policy gives 2 or 3 options; the chosen one, confirmed,
becomes the account's new schedule and its terms are sent in writing."""

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from recaudo.channels.models import Message
from recaudo.conversations.assistant.engine import Context, yes_no_options
from recaudo.conversations.replies import Option
from recaudo.customers.models import Channel
from recaudo.debts.models import Account, Actor, Plan, PlanKind
from recaudo.debts.queries import plan_payment_due
from recaudo.lib.masking import mask_address, mask_email

logger = logging.getLogger(__name__)

NAME = "plan"
INTENTS = ("plan_de_pagos",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True


def describe(context: Context, option: Any) -> str:
    money = lambda amount: context.money(Decimal(amount), option.currency)  # noqa: E731
    if option.kind == "settlement":
        return _("One payment of %(total)s by %(date)s (a discount of %(discount)s)") % {
            "total": money(option.total),
            "date": context.date(option.first_due_date),
            "discount": money(option.discount),
        }
    if option.down_payment > 0:
        return _(
            "Down payment of %(down)s and %(count)s instalments of %(amount)s, the first on "
            "%(date)s (total %(total)s)"
        ) % {
            "down": money(option.down_payment),
            "count": option.instalment_count,
            "amount": money(option.instalment_amount),
            "date": context.date(option.first_due_date),
            "total": money(option.total),
        }
    return _("%(count)s instalments of %(amount)s, the first on %(date)s (total %(total)s)") % {
        "count": option.instalment_count,
        "amount": money(option.instalment_amount),
        "date": context.date(option.first_due_date),
        "total": money(option.total),
    }


def title(option: Any) -> str:
    if option.kind == "settlement":
        return _("One payment")
    return _("%(count)s instalments") % {"count": option.instalment_count}


def _options(context: Context, account: Account) -> list[Any]:
    from recaudo.debts.queries import options_for

    return list(options_for(account, today=context.today))


def start(context: Context) -> None:
    account = context.account
    assert account is not None
    options = _options(context, account)
    if not options:
        context.finish(more=False)
        context.say(
            _(
                "I have no payment plans to offer for this account right now. An adviser can "
                "look at your case."
            ),
            [
                Option("intent:hablar_con_asesor", _("Talk to an adviser")),
                Option("menu", _("Something else")),
            ],
        )
        return
    lines = [_("These are the options for your account:")]
    lines += [f"{index}. {describe(context, option)}" for index, option in enumerate(options, 1)]
    lines.append(_("Which one suits you?"))
    context.ask(
        "\n".join(lines),
        [Option(f"plan:{option.key}", title(option)) for option in options],
        step="choose",
    )


def resume(context: Context) -> bool:
    account = context.account
    if account is None:
        return False
    if context.step == "choose":
        if not context.choice.startswith("plan:"):
            return False
        key = context.choice.removeprefix("plan:")
        option = next((item for item in _options(context, account) if item.key == key), None)
        if option is None:
            start(context)
            return True
        context.data["key"] = key
        context.ask(
            _("You chose: %(plan)s. Do you confirm?") % {"plan": describe(context, option)},
            yes_no_options(),
            step="confirm",
        )
        return True
    if context.step == "confirm":
        answer = context.answer_yes()
        if answer is None:
            return False
        if answer:
            _agree(context, account, str(context.data.get("key", "")))
        else:
            start(context)
        return True
    return False


def _terms_message(plan: Plan) -> Message | None:
    """The message that carries the plan's terms (queued by ``agree_plan``, once per plan)."""
    return Message.objects.filter(dedupe_key=f"plan-terms:{plan.pk}").order_by("-id").first()


def _where(message: Message) -> str:
    """ "to m***@correo.com", "by SMS to +57 *** *** 4567": the address it was queued to."""
    if message.channel == Channel.EMAIL:
        return _("to %(email)s") % {"email": mask_email(message.address)}
    return _("by %(channel)s to %(address)s") % {
        "channel": message.get_channel_display(),
        "address": mask_address(message.address),
    }


def _agree(context: Context, account: Account, key: str) -> None:
    from recaudo.debts.actions import AgreementRefused, agree_plan

    customer = context.customer
    try:
        plan = agree_plan(
            account,
            option_key=key,
            today=context.today,
            channel=context.channel,
            actor=Actor.CUSTOMER,
            actor_name=customer.full_name if customer else "",
        )
    except AgreementRefused as refusal:
        context.say(str(getattr(refusal, "message", "") or refusal))
        start(context)
        return
    terms = _terms_message(plan)
    if terms is not None:
        text = _("Done: your plan is agreed. We sent you its terms in writing %(where)s.") % {
            "where": _where(terms)
        }
    else:
        text = _("Done: your plan is agreed.")
    options: list[Option] = []
    settlement = plan.kind == PlanKind.SETTLEMENT
    first_payment = plan_payment_due(plan) if settlement or plan.down_payment > 0 else Decimal(0)
    if first_payment > 0:
        from recaudo.payments.actions import CheckoutRefused, start_checkout
        from recaudo.payments.base import PaymentProviderError

        try:
            checkout = start_checkout(
                account,
                amount=first_payment,
                purpose="settlement" if settlement else "plan_down_payment",
                plan=plan,
            )
        except (CheckoutRefused, PaymentProviderError):
            # The plan stays agreed: only the link is missing.
            logger.exception("No checkout for the plan %s of account %s", plan.pk, account.pk)
            text += " " + _(
                "I could not create the payment link for %(amount)s right now: ask me for it "
                "again in a few minutes."
            ) % {"amount": context.money(first_payment, account.currency)}
        else:
            text += " " + _("You can pay %(amount)s now with this secure link.") % {
                "amount": context.money(first_payment, account.currency)
            }
            options.append(Option("pay:link", _("Pay now"), url=str(checkout.url)))
    first_due = getattr(plan, "first_due_date", None)
    if isinstance(first_due, dt.date):
        text += " " + _("The first instalment is due on %(date)s.") % {
            "date": context.date(first_due)
        }
    options.append(Option("menu", _("Something else")))
    context.finish(more=False)
    context.say(text, options)
