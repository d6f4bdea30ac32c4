"""A statement by e-mail: only to the e-mail on file."""

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.debts.models import Actor
from recaudo.lib.masking import mask_email

NAME = "statement"
INTENTS = ("solicitar_estado_cuenta",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = False


def start(context: Context) -> None:
    from recaudo.debts.statements import send_statement

    customer = context.customer
    assert customer is not None
    message = send_statement(
        customer, today=context.today, actor=Actor.CUSTOMER, channel=context.channel
    )
    context.finish(more=False)
    if message is None:
        context.say(
            _(
                "You have no e-mail address on file, and statements are only sent to the "
                "e-mail on file. An adviser can help you update it."
            ),
            [
                Option("intent:hablar_con_asesor", _("Talk to an adviser")),
                Option("menu", _("Something else")),
            ],
        )
        return
    # The address the statement was queued to, not a guess at the customer's e-mail.
    context.say(
        _("I sent your statement to %(email)s. It should arrive in a few minutes.")
        % {"email": mask_email(message.address)}
    )
    context.finish()


def resume(context: Context) -> bool:
    return False
