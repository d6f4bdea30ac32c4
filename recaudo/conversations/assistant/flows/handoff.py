"""Hand-off to an adviser: a task with the transcript and a short summary; the customer is told
when to expect an answer (the advisers' hours, in the creditor's timezone)."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.conversations import queries
from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.models import ConversationStatus
from recaudo.staff.actions import open_task
from recaudo.staff.hours import next_adviser_time
from recaudo.staff.models import TaskKind

NAME = "handoff"
INTENTS = ("hablar_con_asesor",)
# A candidate customer (the sender's number is on file) is enough to queue the request: the
# adviser verifies before saying anything. Without one, the identity check comes first.
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False


def summary(context: Context) -> str:
    conversation = context.conversation
    topics = [
        turn.intent
        for turn in queries.last_turns(conversation, 20)
        if turn.intent and turn.intent not in {"afirmar", "negar", "saludo", "hablar_con_asesor"}
    ]
    return _(
        "The customer asked for an adviser in the assistant (%(channel)s). Identity verified: "
        "%(verified)s. Topics: %(topics)s."
    ) % {
        "channel": conversation.get_channel_display(),
        "verified": _("yes") if context.verified else _("no"),
        "topics": ", ".join(dict.fromkeys(topics)) or "-",
    }


def start(context: Context) -> None:
    customer = context.customer
    if customer is None:
        context.say(_("To put you in touch with an adviser, I first need to confirm who you are."))
        context.state["pending"] = {"flow": NAME, "data": {}}
        context.start_flow("identify")
        return
    conversation = context.conversation
    count = int(context.state.get("handoffs", 0)) + 1
    context.state["handoffs"] = count
    reason = summary(context) + "\n\n" + queries.transcript(conversation)
    if context.text:
        # Stored turns are already redacted (identity answers); this one is not stored yet.
        from recaudo.conversations.assistant.flows import identify

        said = identify.turn_text(conversation, context.text)
        if conversation.verified_at == context.now:
            # This very turn answered the identity question (the hand-off was waiting for it).
            said = identify.redact(context.text)
        local_now = timezone.localtime(context.now, ZoneInfo(conversation.creditor.timezone))
        reason += f"\n[{local_now:%Y-%m-%d %H:%M}] {_('customer')}: {said}"
    open_task(
        customer,
        kind=TaskKind.HANDOFF,
        reason=reason,
        account=context.account,
        conversation=conversation,
        dedupe_key=f"conversation:{conversation.pk}:handoff:{count}",
    )
    conversation.status = ConversationStatus.HANDED_OFF
    conversation.handed_off_at = context.now
    context.finish(more=False)
    when = next_adviser_time(context.creditor, context.now)
    if when <= context.now:
        context.say(_("I am passing you to an adviser, who will answer you here shortly."))
    else:
        context.say(
            _(
                "I am passing your request to an adviser. Our advisers work from %(start)s to "
                "%(end)s; one will answer you here %(when)s."
            )
            % {
                "start": context.creditor.adviser_hours_start.strftime("%H:%M"),
                "end": context.creditor.adviser_hours_end.strftime("%H:%M"),
                "when": context.moment(when),
            }
        )


def resume(context: Context) -> bool:
    return False
