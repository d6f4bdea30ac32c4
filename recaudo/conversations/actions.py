"""Writes on conversations: open one, take a turn, give it back to the assistant.

Every channel (web chat, WhatsApp, SMS, RCS, voice, the terminal) goes through ``take_turn``.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation

from recaudo.channels.models import Message
from recaudo.conversations.assistant import engine
from recaudo.conversations.assistant.flows import identify
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.conversations.replies import Reply
from recaudo.customers.models import ContactPoint, Customer
from recaudo.debts.models import AccountEvent, Actor, Creditor, EventKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import QuerySet

    from recaudo.staff.models import Task

# An open conversation idle this long is closed; the next message starts a new one.
IDLE_TIMEOUT = dt.timedelta(hours=12)
# A handed-off conversation in which no agent has written for this long (since the hand-off or
# the agent's last turn) goes back to the assistant on the customer's next message: a number
# that asked for an adviser once (perhaps reassigned since) is not silenced forever.
HANDOFF_TIMEOUT = dt.timedelta(hours=24)
# While with an adviser, these intents are still answered by the assistant (an opt-out must
# be recorded at once, not wait for an agent).
ANSWERED_WHILE_HANDED_OFF = frozenset({"no_contactar"})
ACTIVE_STATUSES = (ConversationStatus.OPEN, ConversationStatus.HANDED_OFF)


def open_conversation(
    creditor: Creditor,
    *,
    channel: str,
    address: str,
    customer: Customer | None = None,
    contact_point: ContactPoint | None = None,
    language: str = "es",
    now: dt.datetime | None = None,
) -> Conversation:
    """The open (or handed-off) conversation for (creditor, channel, address), or a new one.

    ``customer`` is a candidate (the sender's number is on file): it is never proof of identity.
    """
    now = now or timezone.now()
    active = Conversation.objects.filter(
        creditor=creditor, channel=channel, address=address, status__in=ACTIVE_STATUSES
    ).order_by("-last_turn_at", "-id")
    current = active.first()
    if current is not None and not _needs_update(current, customer=customer, now=now):
        # The common case, read without a transaction: ``take_turn`` locks the row and
        # re-reads it, so a concurrent change is seen there.
        current.creditor = creditor
        return current
    with transaction.atomic():
        existing = active.select_for_update().first()
        if existing is None:
            # Two first messages at once must not open two conversations: creating one is
            # serialised on the creditor's row, and the second sees the first's.
            Creditor.objects.select_for_update().filter(pk=creditor.pk).first()
            existing = active.select_for_update().first()
        if existing is not None and _idle(existing, now):
            existing.status = ConversationStatus.CLOSED
            existing.closed_at = now
            existing.save(update_fields=["status", "closed_at"])
            existing = None
        if existing is not None:
            if customer is not None and existing.customer_id is None:
                existing.customer = customer
                existing.contact_point = contact_point
                existing.save(update_fields=["customer", "contact_point"])
            existing.creditor = creditor
            return existing
        return Conversation.objects.create(
            creditor=creditor,
            channel=channel,
            address=address,
            customer=customer,
            contact_point=contact_point,
            language=language or "es",
            state={},
            started_at=now,
            last_turn_at=now,
        )


def _needs_update(
    conversation: Conversation, *, customer: Customer | None, now: dt.datetime
) -> bool:
    """``open_conversation`` must close ``conversation`` (idle) or give it its customer."""
    return _idle(conversation, now) or (customer is not None and conversation.customer_id is None)


def _idle(conversation: Conversation, now: dt.datetime) -> bool:
    return (
        conversation.status == ConversationStatus.OPEN
        and conversation.last_turn_at < now - IDLE_TIMEOUT
    )


def take_turn(
    conversation: Conversation,
    text: str,
    *,
    choice: str = "",
    message: Message | None = None,
    now: dt.datetime | None = None,
) -> list[Reply]:
    """Answer one customer turn: record it, run the assistant, record its replies, write the
    account's timeline; return the replies. Empty text and no choice is a greeting.

    The message is understood (the classifier, which trains on first use, and the optional
    language model, which may take seconds) *before* the transaction: it needs only the text
    and the date. The conversation row is then locked for the rest of the turn, so two messages
    of one conversation are handled one after the other, each seeing the state the previous one
    saved. While the conversation is with an adviser the turn is only recorded (an agent
    answers), except an opt-out, which the assistant records at once; after
    ``HANDOFF_TIMEOUT`` without an agent's turn the assistant answers again.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    understanding = engine.understand_text(conversation, text, choice=choice, now=now)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("creditor", "customer", "account")
            .get(pk=conversation.pk)
        )
        if locked.status == ConversationStatus.HANDED_OFF and _adviser_gone(locked, now):
            _give_back(locked)
        if locked.status == ConversationStatus.HANDED_OFF and not _answered_while_handed_off(
            understanding, choice
        ):
            Turn.objects.create(
                conversation=locked,
                speaker=Speaker.CUSTOMER,
                text=text,
                entities={"choice": choice} if choice else {},
                message=message,
                at=now,
            )
            locked.last_turn_at = now
            locked.save(update_fields=["last_turn_at"])
            _copy_back(locked, conversation)
            return []
        if locked.status == ConversationStatus.CLOSED:
            # A message after the goodbye starts afresh (and asks who is speaking again).
            locked.status = ConversationStatus.OPEN
            locked.state = {}
            locked.verified_at = None
            locked.account = None
            locked.closed_at = None
        shown = identify.turn_text(locked, text or _option_title(locked, choice))
        with translation.override(locked.language or "es"):
            replies, understood = engine.respond(
                locked, text, choice=choice, now=now, understanding=understanding
            )
        customer_turn = Turn(
            conversation=locked,
            speaker=Speaker.CUSTOMER,
            text=shown,
            intent=understood.intent,
            confidence=understood.confidence,
            entities=understood.entities,
            message=message,
            at=now,
        )
        # One INSERT: the customer's turn, then the replies (ids in this order).
        Turn.objects.bulk_create([customer_turn, *_reply_turns(locked, replies, now)])
        _write_timeline(
            locked, text=shown, choice=choice, intent=understood.intent, replies=replies, now=now
        )
        locked.last_turn_at = now
        locked.save()
    _copy_back(locked, conversation)
    return replies


def _reply_turns(conversation: Conversation, replies: list[Reply], now: dt.datetime) -> list[Turn]:
    return [
        Turn(
            conversation=conversation,
            speaker=Speaker.ASSISTANT,
            text=reply.text,
            options=[option.as_json() for option in reply.options],
            at=now,
        )
        for reply in replies
    ]


def _adviser_gone(conversation: Conversation, now: dt.datetime) -> bool:
    """No agent has written in the conversation for ``HANDOFF_TIMEOUT`` (since the hand-off,
    or since the agent's last turn)."""
    last_agent_turn = (
        Turn.objects.filter(conversation=conversation, speaker=Speaker.AGENT)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    moments = [
        moment for moment in (last_agent_turn, conversation.handed_off_at) if moment is not None
    ]
    if not moments:
        return True
    return max(moments) < now - HANDOFF_TIMEOUT


def _answered_while_handed_off(understanding: Any, choice: str) -> bool:
    from recaudo.conversations.nlu import CONFIDENCE_THRESHOLD

    if choice:
        return choice.startswith("optout:") or choice == "intent:no_contactar"
    return (
        understanding is not None
        and understanding.intent in ANSWERED_WHILE_HANDED_OFF
        and understanding.confidence >= CONFIDENCE_THRESHOLD
    )


def _give_back(conversation: Conversation) -> None:
    """In memory: the conversation is the assistant's again, with no flow in progress."""
    state = dict(conversation.state or {}) if isinstance(conversation.state, dict) else {}
    state.update({"flow": "", "step": "", "data": {}, "pending": None, "options": []})
    conversation.status = ConversationStatus.OPEN
    conversation.state = state


def _option_title(conversation: Conversation, choice: str) -> str:
    """The title of the option the customer pressed, to keep the transcript readable."""
    if not choice:
        return ""
    options = (
        (conversation.state or {}).get("options", [])
        if isinstance(conversation.state, dict)
        else []
    )
    return next(
        (
            str(option.get("title", ""))
            for option in options
            if isinstance(option, dict) and option.get("id") == choice
        ),
        "",
    )


def _write_timeline(
    conversation: Conversation,
    *,
    text: str,
    choice: str,
    intent: str,
    replies: list[Reply],
    now: dt.datetime,
) -> None:
    """One CONVERSATION event per exchange on the conversation's account, once it is known."""
    if conversation.account_id is None or conversation.verified_at is None:
        return
    data: dict[str, Any] = {
        "conversation": conversation.pk,
        "channel": conversation.channel,
        "customer": text,
        "assistant": [reply.text for reply in replies],
    }
    if choice:
        data["choice"] = choice
    if intent:
        data["intent"] = intent
    AccountEvent.objects.create(
        account_id=conversation.account_id,
        kind=EventKind.CONVERSATION,
        at=now,
        as_of=now.astimezone(ZoneInfo(conversation.creditor.timezone)).date(),
        actor=Actor.CUSTOMER,
        actor_name=conversation.customer.full_name if conversation.customer else "",
        data=data,
    )


def _copy_back(source: Conversation, target: Conversation) -> None:
    if source is target:
        return
    for name in (
        "status",
        "state",
        "customer_id",
        "contact_point_id",
        "account_id",
        "verified_at",
        "satisfaction",
        "last_turn_at",
        "handed_off_at",
        "closed_at",
    ):
        setattr(target, name, getattr(source, name))
    # Cached relations would be stale.
    for relation in ("customer", "account", "contact_point"):
        target._state.fields_cache.pop(relation, None)


def return_to_assistant(conversation: Conversation, *, agent_name: str = "") -> bool:
    """An agent (or the admin, or closing the hand-off task) gives the conversation back: the
    assistant answers the next message again. False when it was not with an adviser."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != ConversationStatus.HANDED_OFF:
            return False
        _give_back(locked)
        locked.save(update_fields=["status", "state"])
    _copy_back(locked, conversation)
    return True


# --- Agents (the console's conversation view) ----------------------------------------------

# The channels on which an agent's reply goes out through the outbox (the web chat's turn is
# its own delivery: the widget reads it from ``/chat/<slug>/turns``).
QUEUED_REPLY_CHANNELS = ("whatsapp", "sms", "rcs")
MAX_AGENT_TEXT = 1600


class ReplyRefused(ValueError):
    """The agent's reply cannot go out; the message says why and what to do instead."""


def reply_as_agent(
    conversation: Conversation,
    *,
    text: str,
    agent_name: str,
    template: Any = None,
    dedupe_key: str | None = None,
    user: "AbstractBaseUser | None" = None,
    now: dt.datetime | None = None,
) -> Turn:
    """An agent answers the customer in ``conversation``, on its channel and address.

    The reply is recorded as an agent ``Turn``. On the web chat the turn is the delivery. On
    WhatsApp, SMS and RCS a ``Message`` is queued (``channels.actions.queue_message``), so the
    worker checks the contact policy before it goes: a reply within 24 hours of the customer's
    last message on that channel counts as initiated by the customer (purpose ``reply``; a
    live reply within 30 minutes). On WhatsApp, once 24 hours have passed since the customer's
    last message only an approved template (``template``: a ``strategies.Template``) may go.
    A repeated ``dedupe_key`` (a double click) returns the first turn and sends nothing new.
    With ``user`` (the console), the conversation's open hand-off is claimed for them first
    (``claim_handoff``, in the same transaction): taken when unassigned, refused with
    ``TaskTakenByAnother`` when another agent has it (supervisors may answer any).
    Raises ``ReplyRefused`` with the reason.
    """
    from django.utils.translation import gettext

    from recaudo.channels.actions import queue_message
    from recaudo.conversations.queries import reply_window

    now = now or timezone.now()
    text = (text or "").strip()
    channel = conversation.channel
    if template is None and not text:
        raise ReplyRefused(gettext("The reply is empty: write a message or choose a template."))
    if len(text) > MAX_AGENT_TEXT:
        raise ReplyRefused(
            gettext("The reply is too long: at most %(count)d characters.")
            % {"count": MAX_AGENT_TEXT}
        )
    if channel not in (*QUEUED_REPLY_CHANNELS, "web", "terminal"):
        raise ReplyRefused(
            gettext(
                "A %(channel)s conversation cannot be answered in writing here: contact the "
                "customer from the customer's page."
            )
            % {"channel": conversation.get_channel_display()}
        )
    if template is not None:
        _check_template(conversation, template)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("creditor", "customer", "account", "contact_point")
            .get(pk=conversation.pk)
        )
        if user is not None:
            claim_handoff(locked, user=user)
        if dedupe_key:
            existing = Turn.objects.filter(
                conversation=locked, speaker=Speaker.AGENT, entities__dedupe_key=dedupe_key
            ).first()
            if existing is not None:
                return existing
        if locked.status == ConversationStatus.OPEN:
            # The assistant is answering: an agent writes only after a hand-off (or takes the
            # customer from the customer's page), so the customer never gets two voices at once.
            raise ReplyRefused(
                gettext(
                    "The assistant has this conversation: nobody asked for an agent. Contact the "
                    "customer from the customer's page instead."
                )
            )
        message: Message | None = None
        shown = text
        if channel in QUEUED_REPLY_CHANNELS:
            contact_point = _reply_contact_point(locked)
            recent = reply_window(locked, now=now).open
            if channel == "whatsapp" and template is None and not recent:
                raise ReplyRefused(
                    gettext(
                        "WhatsApp's 24-hour window is closed: the customer last wrote more than "
                        "24 hours ago. Free text cannot be sent; choose an approved WhatsApp "
                        "template instead."
                    )
                )
            payload: dict[str, Any] = {"agent": agent_name, "conversation": locked.pk}
            if recent:
                payload["purpose"] = "reply"
            if template is not None:
                shown = _template_text(template, locked, now)
            message, _created = queue_message(
                contact_point,
                channel=channel,
                body="" if template is not None else text,
                payload=payload,
                account=locked.account,
                template_id=template.pk if template is not None else None,
                initiated_by_customer=recent,
                dedupe_key=f"agent-reply:{locked.pk}:{dedupe_key}"[:200] if dedupe_key else None,
            )
        elif locked.status == ConversationStatus.CLOSED:
            raise ReplyRefused(
                gettext("The customer has left this chat (the conversation is closed).")
            )
        turn = Turn.objects.create(
            conversation=locked,
            speaker=Speaker.AGENT,
            text=shown,
            entities={"agent": agent_name, "dedupe_key": dedupe_key or ""},
            message=message,
            at=now,
        )
        if locked.account_id is not None:
            AccountEvent.objects.create(
                account_id=locked.account_id,
                kind=EventKind.CONVERSATION,
                at=now,
                as_of=now.astimezone(ZoneInfo(locked.creditor.timezone)).date(),
                actor=Actor.AGENT,
                actor_name=agent_name,
                data={
                    "conversation": locked.pk,
                    "channel": channel,
                    "agent": shown,
                    **({"message": message.pk} if message is not None else {}),
                },
            )
        locked.last_turn_at = now
        locked.save(update_fields=["last_turn_at"])
    _copy_back(locked, conversation)
    return turn


def _check_template(conversation: Conversation, template: Any) -> None:
    from django.utils.translation import gettext

    from recaudo.strategies.models import TemplateStatus

    if (
        conversation.channel != "whatsapp"
        or template.channel != "whatsapp"
        or template.creditor_id != conversation.creditor_id
        or template.status != TemplateStatus.APPROVED
        or not template.provider_template_name
    ):
        raise ReplyRefused(
            gettext(
                "That template cannot be sent here: only approved WhatsApp templates of this "
                "creditor with a provider template name, in a WhatsApp conversation."
            )
        )


def _template_text(template: Any, conversation: Conversation, now: dt.datetime) -> str:
    """The template as the customer will read it (the worker renders it again when sending)."""
    from recaudo.strategies.templating import render_template

    if conversation.customer is None:
        return str(template.name)
    try:
        rendered = render_template(
            template,
            creditor=conversation.creditor,
            customer=conversation.customer,
            account=conversation.account,
            as_of=now.astimezone(ZoneInfo(conversation.creditor.timezone)).date(),
            with_attachments=False,
        )
    except Exception:  # a preview only: the worker's render is the one that counts
        return str(template.name)
    return rendered.body or str(template.name)


def _reply_contact_point(conversation: Conversation) -> ContactPoint:
    from django.utils.translation import gettext

    point = conversation.contact_point
    if point is not None and point.value == conversation.address:
        return point
    found = (
        ContactPoint.objects.filter(
            customer_id=conversation.customer_id, value=conversation.address
        )
        .order_by("-created_at", "-id")
        .first()
        if conversation.customer_id is not None
        else None
    )
    if found is None:
        raise ReplyRefused(
            gettext(
                "The customer's address in this conversation is not on file, so no reply can "
                "be sent on %(channel)s. Add it as a contact point on the customer's page."
            )
            % {"channel": conversation.get_channel_display()}
        )
    return found


def give_back_to_assistant(
    conversation: Conversation, *, agent_name: str = "", user: "AbstractBaseUser | None" = None
) -> bool:
    """The agent is done: the conversation's open hand-off tasks are closed and the assistant
    answers the customer's next message again. False when there was nothing to give back.

    With ``user`` (the console) the hand-off is claimed for them first (``claim_handoff``):
    ``TaskTakenByAnother`` when another agent has it and ``user`` is not a supervisor."""
    from recaudo.staff.actions import close_task

    with transaction.atomic():
        if user is not None:
            claim_handoff(conversation, user=user)
        tasks = _open_handoffs(conversation).select_related("conversation")
        closed = [close_task(task, agent_name=agent_name) for task in tasks]
        returned = return_to_assistant(conversation, agent_name=agent_name)
    return returned or any(closed)


# --- Who may act on a hand-off ---------------------------------------------------------------


class TaskTakenByAnother(ReplyRefused):
    """Another agent has taken the task (or the conversation's hand-off): only they or a
    supervisor may answer, close it or give the conversation back. The message names them."""


def may_act_on_any_task(user: "AbstractBaseUser") -> bool:
    """Supervisors and administrators may act on tasks other agents have taken."""
    from recaudo.staff.roles import Role, roles_of

    return bool(roles_of(user) & {Role.SUPERVISOR.value, Role.ADMIN.value})


def claim_task(task: "Task", *, user: "AbstractBaseUser") -> None:
    """Before ``user`` acts on ``task``: an open (unassigned) task is taken for them with one
    conditional UPDATE (``staff.actions.take_task``); one another agent has taken raises
    ``TaskTakenByAnother`` naming that agent, unless ``user`` is a supervisor or an
    administrator (``may_act_on_any_task``). A closed task is left alone (the caller says so)."""
    from django.utils.translation import gettext

    from recaudo.staff.actions import take_task
    from recaudo.staff.models import TaskKind, TaskStatus

    if task.status == TaskStatus.OPEN and take_task(task, user=user):
        return
    # ``take_task`` re-read the task: another agent may have taken it first.
    if task.status != TaskStatus.ASSIGNED or task.assigned_to_id == user.pk:
        return
    if may_act_on_any_task(user):
        return
    holder = task.assigned_to.get_username() if task.assigned_to else gettext("another agent")
    if task.kind == TaskKind.HANDOFF:
        text = gettext(
            "%(agent)s has taken this hand-off: only they or a supervisor can answer the "
            "customer, close it or give the conversation back to the assistant."
        )
    else:
        text = gettext("%(agent)s has taken this task: only they or a supervisor can close it.")
    raise TaskTakenByAnother(text % {"agent": holder})


def claim_handoff(conversation: Conversation, *, user: "AbstractBaseUser") -> None:
    """``claim_task`` for each of the conversation's open hand-off tasks (usually one)."""
    for task in _open_handoffs(conversation).select_related("assigned_to").order_by("id"):
        claim_task(task, user=user)


def close_task_as_agent(
    task: "Task", *, user: "AbstractBaseUser", agent_name: str = "", outcome: str = ""
) -> bool:
    """The inbox's Close: ``claim_task`` for ``user``, then ``staff.actions.close_task``, in one
    transaction. With an ``outcome`` (what came of the task, in the agent's words) it is written
    as a note on the task's account timeline (``debts.actions.add_note``, actor agent) when
    the task is closed now. False when the task was already closed (no note is written);
    ``TaskTakenByAnother`` when another agent has it (and ``user`` is not a supervisor);
    ``ValueError`` for an outcome on a task without an account."""
    from django.utils.translation import gettext

    from recaudo.debts.actions import add_note
    from recaudo.staff.actions import close_task

    outcome = (outcome or "").strip()
    if outcome and task.account_id is None:
        raise ValueError(
            gettext(
                "This task has no account, so its outcome cannot go on a timeline: close it "
                "without one, or add a note on the customer's page."
            )
        )
    with transaction.atomic():
        claim_task(task, user=user)
        closed = close_task(task, agent_name=agent_name)
        if closed and outcome:
            assert task.account is not None
            add_note(task.account, text=outcome, actor=Actor.AGENT, actor_name=agent_name)
        return closed


def _open_handoffs(conversation: Conversation) -> "QuerySet[Task]":
    from recaudo.staff.models import Task, TaskKind, TaskStatus

    return Task.objects.filter(
        conversation=conversation,
        kind=TaskKind.HANDOFF,
        status__in=(TaskStatus.OPEN, TaskStatus.ASSIGNED),
    )
