"""No contactar: stop collection messages on this channel, or on every channel when asked."""

import re

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.models import ConversationChannel
from recaudo.conversations.replies import Option
from recaudo.customers.models import Channel

NAME = "opt_out"
INTENTS = ("no_contactar",)
# A candidate customer is enough: stopping messages discloses nothing, and a number that
# belongs to someone else now is exactly what must stop. Without one, identify first.
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False

COLLECTION_CHANNELS = (
    Channel.WHATSAPP,
    Channel.SMS,
    Channel.RCS,
    Channel.VOICE,
    Channel.EMAIL,
    Channel.PUSH,
)
PHONE_CHANNELS = {
    ConversationChannel.WHATSAPP,
    ConversationChannel.SMS,
    ConversationChannel.RCS,
    ConversationChannel.VOICE,
}
EVERYWHERE = re.compile(
    r"\b(todos|todas|ning[uú]n|ninguna|ninguno|por\s+nada|ning[uú]n\s+medio|nunca\s+m[aá]s)\b",
    re.I,
)
CHOICES = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL, Channel.VOICE)


def _label(channel: str) -> str:
    return str(Channel(channel).label)


def start(context: Context) -> None:
    if context.customer is None:
        context.state["pending"] = {"flow": NAME, "data": context.data}
        context.start_flow("identify")
        return
    text = str(context.data.get("text", ""))
    if EVERYWHERE.search(text):
        _opt_out(context, list(COLLECTION_CHANNELS))
    elif context.channel in PHONE_CHANNELS:
        _opt_out(context, [context.channel], offer_all=True)
    else:
        context.ask(
            _("Through which channel would you rather not receive messages?"),
            [Option(f"optout:{channel}", _label(channel)) for channel in CHOICES]
            + [Option("optout:all", _("All channels"))],
            step="channel",
        )


def resume(context: Context) -> bool:
    if not context.choice.startswith("optout:"):
        if context.step == "channel" and EVERYWHERE.search(context.text):
            _opt_out(context, list(COLLECTION_CHANNELS))
            return True
        return False
    channel = context.choice.removeprefix("optout:")
    if channel == "all":
        _opt_out(context, list(COLLECTION_CHANNELS))
    elif channel in COLLECTION_CHANNELS:
        _opt_out(context, [channel])
    else:
        return False
    return True


def _opt_out(context: Context, channels: list[str], *, offer_all: bool = False) -> None:
    from recaudo.customers.actions import opt_out

    customer = context.customer
    assert customer is not None
    for channel in channels:
        opt_out(customer, channel=channel, source=f"assistant:{context.channel}")
    names = get_text_list([_label(channel) for channel in channels], _("and"))
    options = []
    if offer_all:
        options.append(Option("optout:all", _("All channels")))
    context.state.update({"flow": NAME, "step": "more" if offer_all else "", "data": {}})
    if not offer_all:
        context.state["flow"] = ""
    context.say(
        _(
            "Done: we will not send you more collection messages by %(channels)s. You can "
            "still write to us whenever you need."
        )
        % {"channels": names},
        [*options, Option("menu", _("Something else"))],
    )
