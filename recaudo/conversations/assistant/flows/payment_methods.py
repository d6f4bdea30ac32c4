"""Ways to pay in the customer's country (nothing about the debt: no verification needed)."""

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.strategies.templating import payment_methods_for

NAME = "payment_methods"
INTENTS = ("medios_de_pago",)
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False


def start(context: Context) -> None:
    country = (context.customer.country if context.customer else "") or context.creditor.country
    context.finish(more=False)
    context.say(
        _("You can pay by %(methods)s. I can also send you a secure payment link.")
        % {"methods": payment_methods_for(country)},
        [Option("intent:pagar", _("Payment link")), Option("menu", _("Something else"))],
    )


def resume(context: Context) -> bool:
    return False
