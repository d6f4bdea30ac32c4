"""The greeting, the menu and the clarifying question."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.conversations.assistant.engine import NOT_CLARIFIABLE, Context
from recaudo.conversations.replies import Option

NAME = "menu"
INTENTS: tuple[str, ...] = ()
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False

# Short titles (WhatsApp buttons: at most 20 characters).
INTENT_TITLES = {
    "consultar_saldo": gettext_lazy("Balance and dates"),
    "consultar_vencimiento": gettext_lazy("Due dates"),
    "pagar": gettext_lazy("Pay"),
    "medios_de_pago": gettext_lazy("Ways to pay"),
    "prometer_pago": gettext_lazy("Set a payment date"),
    "plan_de_pagos": gettext_lazy("Payment plan"),
    "solicitar_estado_cuenta": gettext_lazy("Statement by e-mail"),
    "no_puedo_pagar": gettext_lazy("I cannot pay"),
    "ya_pague": gettext_lazy("I already paid"),
    "no_reconozco_deuda": gettext_lazy("I do not recognise it"),
    "hablar_con_asesor": gettext_lazy("Talk to an adviser"),
    "no_contactar": gettext_lazy("Stop messages"),
    "cambiar_preferencias": gettext_lazy("Contact preferences"),
    "despedida": gettext_lazy("Finish"),
}
MENU = (
    "consultar_saldo",
    "pagar",
    "prometer_pago",
    "plan_de_pagos",
    "solicitar_estado_cuenta",
    "ya_pague",
    "hablar_con_asesor",
)


def options(context: Context) -> list[Option]:
    return [Option(f"intent:{intent}", str(INTENT_TITLES[intent])) for intent in MENU]


def greet(context: Context) -> None:
    if context.verified and context.customer is not None:
        context.say(
            _("Hello again, %(name)s. How can I help you?")
            % {"name": context.customer.first_name or context.customer.full_name},
            options(context),
        )
        return
    context.say(
        _(
            "Hello! I am the virtual assistant of %(creditor)s. I can help you check your "
            "balance, pay, set a payment date or a payment plan, or put you in touch with an "
            "adviser. How can I help you?"
        )
        % {"creditor": context.creditor.name},
        options(context),
    )


def show(context: Context) -> None:
    context.say(_("How can I help you?"), options(context))


def not_understood(context: Context) -> None:
    context.say(
        _("I am sorry, I cannot help with that here. This is what I can do for you:"),
        options(context),
    )


def clarify(context: Context) -> None:
    """A short question with 2 or 3 options from the ranking."""
    intents = [
        intent
        for intent, _score in context.ranking
        if intent not in NOT_CLARIFIABLE and intent in INTENT_TITLES
    ][:3]
    for fallback in ("consultar_saldo", "pagar", "hablar_con_asesor"):
        if len(intents) >= 2:
            break
        if fallback not in intents:
            intents.append(fallback)
    context.say(
        _("I am not sure I understood. Do you mean one of these?"),
        [Option(f"intent:{intent}", str(INTENT_TITLES[intent])) for intent in intents],
    )


def start(context: Context) -> None:
    context.finish(more=False)
    show(context)


def resume(context: Context) -> bool:
    return False
