"""Goodbye: a one-question satisfaction survey (1 to 5), then the conversation is closed."""

import re

from django.utils.translation import gettext as _

from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.models import ConversationStatus
from recaudo.conversations.replies import Option

NAME = "survey"
INTENTS = ("despedida",)
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False

RATING = re.compile(r"^\s*([1-5])\b")


def start(context: Context) -> None:
    context.ask(
        _("Thank you for writing to us. Before you go: from 1 to 5, how would you rate my help?"),
        [Option(f"rating:{value}", str(value)) for value in range(1, 6)],
        step="rating",
    )


def resume(context: Context) -> bool:
    if context.step != "rating":
        return False
    rating = None
    if context.choice.startswith("rating:"):
        rating = int(context.choice.removeprefix("rating:"))
    elif match := RATING.match(context.text):
        rating = int(match.group(1))
    elif context.answer_yes() is False or (context.confident and context.intent == "despedida"):
        close(context)
        return True
    if rating is None or not 1 <= rating <= 5:
        return False
    context.conversation.satisfaction = rating
    close(context)
    return True


def close(context: Context) -> None:
    conversation = context.conversation
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = context.now
    context.finish(more=False)
    context.say(_("Thank you! Have a good day."))
