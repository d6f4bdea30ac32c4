"""Customers' messages on WhatsApp, SMS, RCS and voice, answered by the assistant.

``channels.actions.record_inbound`` calls ``answer_inbound`` for each new inbound message (not
an opt-out, not the answer to an outbound call's menu). The replies are queued in the outbox
with a dedupe key per inbound message and reply, so a provider retrying the same webhook never
gets a second answer. A call is answered in the webhook's own response instead: the replies of
the turn are read back from the conversation (``replies_for``) and spoken as TwiML.
"""

import logging
from typing import Any

from django.utils import translation

from recaudo.channels.actions import queue_message
from recaudo.channels.models import Message
from recaudo.conversations import render
from recaudo.conversations.actions import open_conversation, take_turn
from recaudo.conversations.models import Conversation, Speaker, Turn
from recaudo.conversations.replies import Option, Reply

logger = logging.getLogger(__name__)

CHANNELS = ("whatsapp", "sms", "rcs", "voice")
# A tap on a suggestion that only opened a link (RCS): nothing to answer.
OPENED_LINK_POSTBACK = "open_link"


def last_options(conversation: Conversation) -> list[dict[str, Any]]:
    """The options of the assistant's latest answer (its last reply that offered any); none
    once the customer has spoken since."""
    recent = Turn.objects.filter(conversation=conversation).order_by("-at", "-id")
    for turn in recent.only("speaker", "options")[:10]:
        if turn.speaker != Speaker.ASSISTANT:
            return []
        if turn.options:
            return list(turn.options)
    return []


def choice_of(message: Message, conversation: Conversation) -> str:
    """The option the customer picked: a pressed button or list row of the assistant's last
    answer (its id), or a number or title typed or said against those options; "" for a free
    message."""
    options = last_options(conversation)
    pressed = str(message.payload.get("button_id") or "")
    if pressed and any(str(option.get("id")) == pressed for option in options):
        return pressed
    # An old button scrolled back to (WhatsApp keeps them) is read as its words, not as an
    # answer to whatever the assistant asks now.
    digits = str(message.payload.get("digits") or "")
    return render.choice_from(digits or message.body, options) if not pressed else ""


def _opened_a_link(message: Message) -> bool:
    payload = message.payload
    return (
        payload.get("button_id") == OPENED_LINK_POSTBACK
        or str(payload.get("suggestion_type", "")).upper() == "ACTION"
    )


def answer_inbound(message: Message) -> list[Message]:
    """Run the assistant on an inbound WhatsApp, SMS, RCS or voice message; queue its replies
    (voice: none, the call's webhook speaks them) and return the queued messages."""
    if message.channel not in CHANNELS or message.contact_point is None:
        return []
    if message.customer is None or _opened_a_link(message):
        return []
    language = message.customer.language or "es"
    conversation = open_conversation(
        message.creditor,
        channel=message.channel,
        address=message.address,
        customer=message.customer,
        contact_point=message.contact_point,
        language=language,
    )
    choice = choice_of(message, conversation)
    text = str(message.payload.get("speech") or message.body or "")
    with translation.override(conversation.language or language):
        replies = take_turn(conversation, text, choice=choice, message=message)
        if message.channel == "voice":
            return []
        rendered = render.for_channel(replies, message.channel)
    queued = []
    for index, (body, payload) in enumerate(rendered):
        reply, _ = queue_message(
            message.contact_point,
            channel=message.channel,
            body=body,
            account=message.account,
            payload=payload | {"purpose": "reply", "reply_to": message.id},
            initiated_by_customer=True,
            dedupe_key=f"assistant:{message.id}:{index}",
        )
        queued.append(reply)
    return queued


def replies_for(message: Message) -> list[Reply] | None:
    """The assistant's replies to the customer's turn that ``message`` carried (read back from
    the conversation, so a repeated webhook gets the same answer); None when the assistant did
    not take that turn."""
    customer_turn = (
        Turn.objects.filter(message=message, speaker=Speaker.CUSTOMER).order_by("id").first()
    )
    if customer_turn is None:
        return None
    following = Turn.objects.filter(
        conversation_id=customer_turn.conversation_id, id__gt=customer_turn.id
    ).order_by("id")
    replies = []
    for turn in following:
        if turn.speaker != Speaker.ASSISTANT:
            break
        options = tuple(
            Option(id=str(o.get("id", "")), title=str(o.get("title", "")), url=o.get("url", ""))
            for o in turn.options or []
        )
        replies.append(Reply(text=turn.text, options=options))
    return replies


def answer_call(message: Message | None, *, gather_url: str) -> str:
    """The TwiML for a call's turn recorded as ``message`` (None: the caller is unknown)."""
    language = (message.customer.language if message and message.customer else "") or "es"
    with translation.override(language):
        if message is None:
            return render.unknown_caller_twiml(language=render.VOICE_LANGUAGE)
        replies = replies_for(message)
        if replies is None:
            return render.apology_twiml(language=render.VOICE_LANGUAGE)
        return render.twiml(replies, gather_url=gather_url, language=render.VOICE_LANGUAGE)
