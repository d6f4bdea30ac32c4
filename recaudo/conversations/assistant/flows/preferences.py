"""Contact preferences: the channel and the hours the customer prefers."""

import datetime as dt
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.replies import Option
from recaudo.customers.models import Channel

NAME = "preferences"
INTENTS = ("cambiar_preferencias",)
NEEDS_VERIFICATION = True
NEEDS_ACCOUNT = False

CHANNELS = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL, Channel.VOICE)
HOURS = {
    "08-12": gettext_lazy("Morning (8 to 12)"),
    "12-18": gettext_lazy("Afternoon (12 to 18)"),
    "18-20": gettext_lazy("Evening (18 to 20)"),
}
RANGE = re.compile(r"(\d{1,2})(?::\d{2})?\s*(?:a|-|y|hasta)\s*(?:las\s+)?(\d{1,2})", re.I)


def start(context: Context) -> None:
    context.ask(
        _("Which channel do you prefer us to use?"),
        [Option(f"channel:{channel}", str(Channel(channel).label)) for channel in CHANNELS],
        step="channel",
    )


def resume(context: Context) -> bool:
    if context.step == "channel":
        channel = context.choice.removeprefix("channel:") if context.choice else ""
        if not channel:
            lowered = context.text.casefold()
            channel = next(
                (
                    candidate
                    for candidate in CHANNELS
                    if candidate in lowered or str(Channel(candidate).label).casefold() in lowered
                ),
                "",
            )
        if channel not in CHANNELS:
            return False
        context.data["channel"] = channel
        context.ask(
            _("And at what time of day?"),
            [Option(f"hours:{key}", str(title)) for key, title in HOURS.items()],
            step="hours",
        )
        return True
    if context.step == "hours":
        if context.choice.startswith("hours:"):
            start_text, _sep, end_text = context.choice.removeprefix("hours:").partition("-")
        elif match := RANGE.search(context.text):
            start_text, end_text = match.groups()
        else:
            return False
        if not (start_text.isdigit() and end_text.isdigit()):
            return False
        start_hour, end_hour = int(start_text), int(end_text)
        if end_hour <= 12 and end_hour <= start_hour:
            end_hour += 12  # "de 2 a 5" in the afternoon
        if not (0 <= start_hour < end_hour <= 23):
            return False
        _save(context, dt.time(start_hour), dt.time(end_hour))
        return True
    return False


def _save(context: Context, start: dt.time, end: dt.time) -> None:
    from recaudo.customers.actions import update_preferences

    customer = context.customer
    assert customer is not None
    channel = str(context.data.get("channel", ""))
    # The customer named this channel: it is accepted (again, if it had been refused) and
    # preferred; the other channels keep their consent.
    update_preferences(
        customer,
        accepted_channels=[channel],
        preferred_channel=channel,
        hours_start=start,
        hours_end=end,
        source=f"assistant:{context.channel}",
    )
    context.say(
        _("Done: we will contact you preferably by %(channel)s, from %(start)s to %(end)s.")
        % {
            "channel": Channel(channel).label,
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
    )
    context.finish()
