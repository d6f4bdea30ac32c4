"""Cannot pay: ask the reason, record it, offer a plan or an adviser."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.debts.models import Actor

NAME = "cannot_pay"
INTENTS = ("no_puedo_pagar",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True

REASONS = {
    "lost_job": gettext_lazy("I lost my job"),
    "illness": gettext_lazy("Illness"),
    "lower_income": gettext_lazy("Lower income"),
    "forgot": gettext_lazy("I forgot"),
    "no_bill": gettext_lazy("I got no bill"),
    "other": gettext_lazy("Other reason"),
}


def start(context: Context) -> None:
    reason = context.first("reason")
    if reason in REASONS:
        _record(context, str(reason))
        return
    context.ask(
        _("I am sorry to hear that. May I ask why you cannot pay right now?"),
        [Option(f"reason:{code}", str(title)) for code, title in REASONS.items()],
        step="reason",
    )


def resume(context: Context) -> bool:
    if context.step != "reason":
        return False
    reason = ""
    if context.choice.startswith("reason:"):
        reason = context.choice.removeprefix("reason:")
    elif getattr(context.entities, "reason", None):
        reason = str(context.entities.reason)
    elif context.text and not (context.confident and context.intent in {"pagar", "plan_de_pagos"}):
        reason = "other"
    if reason not in REASONS:
        return False
    _record(context, reason)
    return True


def _record(context: Context, reason: str) -> None:
    from recaudo.debts.actions import record_cannot_pay

    account = context.account
    assert account is not None
    record_cannot_pay(account, reason=reason, channel=context.channel, actor=Actor.CUSTOMER)
    options = [
        Option("intent:plan_de_pagos", _("Payment plan")),
        Option("intent:prometer_pago", _("Set a payment date")),
        Option("intent:hablar_con_asesor", _("Talk to an adviser")),
    ]
    if reason == "no_bill":
        options.insert(0, Option("intent:consultar_saldo", _("Balance and dates")))
    context.finish(more=False)
    context.say(
        _(
            "Thank you for telling me. Let us find a way together: we can agree a payment plan "
            "that fits you, a date when you can pay, or you can talk to an adviser."
        ),
        options,
    )
