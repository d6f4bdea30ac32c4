"""Dispute ("no reconozco la deuda"): what is wrong, confirm, open the dispute (collection is
paused) and an adviser answers."""

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context, yes_no_options
from recaudo.conversations.replies import Option
from recaudo.debts.models import Actor
from recaudo.staff.hours import next_adviser_time

NAME = "dispute"
INTENTS = ("no_reconozco_deuda",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = True


def start(context: Context) -> None:
    context.ask(
        _(
            "I am sorry for the trouble. Tell me in your own words what you do not recognise "
            "or what is wrong, and an adviser will review it."
        ),
        step="reason",
    )


def resume(context: Context) -> bool:
    if context.step == "reason":
        if not context.text:
            return False
        context.data["reason"] = context.text[:1000]
        context.ask(
            _(
                "I will record your claim: «%(reason)s». While we review it, we will pause "
                "collection on this account. Do you confirm?"
            )
            % {"reason": context.data["reason"]},
            yes_no_options(),
            step="confirm",
        )
        return True
    if context.step == "confirm":
        answer = context.answer_yes()
        if answer is None:
            return False
        if not answer:
            context.say(_("All right, I have not recorded anything."))
            context.finish()
            return True
        _open(context)
        return True
    return False


def _open(context: Context) -> None:
    from recaudo.debts.actions import open_dispute

    account = context.account
    assert account is not None
    customer = context.customer
    open_dispute(
        account,
        reason=str(context.data.get("reason", "")),
        channel=context.channel,
        actor=Actor.CUSTOMER,
        actor_name=customer.full_name if customer else "",
        conversation=context.conversation,
    )
    when = next_adviser_time(context.creditor, context.now)
    context.finish(more=False)
    context.say(
        _(
            "Your claim is recorded and collection on this account is paused while we review "
            "it. An adviser will answer you %(when)s."
        )
        % {"when": context.moment(when)},
        [Option("menu", _("Something else"))],
    )
