"""Every write on the outbox and the interaction log.

The worker (``sender.py``), the webhook view, the admin and the fake provider's simulations
call these; nothing else writes ``Message`` rows.
"""

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from recaudo.channels.base import InboundMessage, StatusUpdate
from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.channels.optout import opted_out_channel
from recaudo.customers.models import (
    Channel,
    Consent,
    ConsentPurpose,
    ContactPoint,
    ContactPointStatus,
    Medium,
)
from recaudo.debts.models import Account, AccountEvent, EventKind
from recaudo.staff.actions import open_task
from recaudo.staff.models import TaskKind
from recaudo.strategies.queries import latest_approved

logger = logging.getLogger(__name__)

# Outbound progress; a status update never moves a message to a lower rank.
STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.READ: 4,
}
OPT_OUT_SOURCE = "reply"


def queue_message(
    contact_point: ContactPoint,
    *,
    channel: str,
    body: str = "",
    subject: str = "",
    payload: dict[str, Any] | None = None,
    account: Account | None = None,
    template_id: int | None = None,
    send_after: datetime | None = None,
    dedupe_key: str | None = None,
    initiated_by_customer: bool = False,
    provider: str = "",
) -> tuple[Message, bool]:
    """Queue one outbound message to ``contact_point``; return it and whether it is new.

    A ``dedupe_key`` already in the outbox returns the existing message and queues nothing.
    """
    customer = contact_point.customer
    if dedupe_key is not None:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                creditor_id=customer.creditor_id,
                customer=customer,
                account=account,
                contact_point=contact_point,
                direction=Direction.OUTBOUND,
                channel=channel,
                provider=provider,
                address=contact_point.value,
                recipient_role=contact_point.role,
                subject=subject,
                body=body,
                payload=payload or {},
                template_id=template_id,
                send_after=send_after,
                dedupe_key=dedupe_key,
                initiated_by_customer=initiated_by_customer,
            )
    except IntegrityError:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if dedupe_key is None or existing is None:
            raise
        return existing, False
    return message, True


def cancel_queued_messages(
    account: Account,
    *,
    reason: str,
    actor: str,
    actor_name: str = "",
    purposes: Collection[str] | None = None,
) -> int:
    """Cancel every message still queued for ``account``; return how many.

    With ``purposes``, only the messages with one of those policy purposes (the payload's
    ``purpose``; without one, ``reply`` when the customer started it, else ``dunning``, as
    the contact policy reads it), so receipts and answers to the customer still go.
    Writes one ``messages_cancelled`` event on the account's timeline when any was cancelled.
    A message a worker has already claimed is not touched here: the worker checks the account
    again right before sending and cancels it then if the account is settled.
    """
    now = timezone.now()
    with transaction.atomic():
        queued = Message.objects.filter(account=account, status=MessageStatus.QUEUED)
        if purposes is not None:
            queued = queued.filter(_purpose_in(purposes))
        count = queued.update(status=MessageStatus.CANCELLED, error=reason[:500])
        if count:
            AccountEvent.objects.create(
                account=account,
                kind=EventKind.MESSAGES_CANCELLED,
                at=now,
                as_of=timezone.localdate(now),
                actor=actor,
                actor_name=actor_name,
                data={"count": count, "reason": reason},
            )
    return count


def _purpose_in(purposes: Collection[str]) -> Q:
    """Messages whose policy purpose (see ``policy.context``) is one of ``purposes``."""
    condition = Q(payload__purpose__in=list(purposes))
    if "dunning" in purposes:
        condition |= Q(payload__purpose__isnull=True, initiated_by_customer=False)
    if "reply" in purposes:
        condition |= Q(payload__purpose__isnull=True, initiated_by_customer=True)
    return condition


def mark_contact_point_invalid(contact_point: ContactPoint, *, reason: str) -> bool:
    """Mark an active contact point invalid (a bounced address, a number out of service)."""
    changed = ContactPoint.objects.filter(
        id=contact_point.id, status=ContactPointStatus.ACTIVE
    ).update(status=ContactPointStatus.INVALID, updated_at=timezone.now())
    if changed:
        contact_point.status = ContactPointStatus.INVALID
        logger.info("contact point %s marked invalid: %s", contact_point.id, reason)
    return bool(changed)


def apply_status_update(update: StatusUpdate, *, provider: str) -> Message | None:
    """Move an outbound message forward (sent → delivered → read) or to failed.

    Never backwards: a late "sent" after "read" is ignored, and so is anything after failed,
    blocked or cancelled. A permanent failure marks the contact point invalid. Returns the
    message, or None when no outbound message has that provider id.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(
                provider=provider,
                provider_message_id=update.provider_message_id,
                direction=Direction.OUTBOUND,
            )
            .first()
        )
        if message is None:
            logger.warning(
                "status update for unknown %s message %s", provider, update.provider_message_id
            )
            return None
        fields = _status_fields(message, update)
        if fields:
            Message.objects.filter(id=message.id).update(**fields)
            for name, value in fields.items():
                setattr(message, name, value)
    if update.status == MessageStatus.FAILED and update.permanent and message.contact_point:
        mark_contact_point_invalid(message.contact_point, reason=update.error)
    return message


def _status_fields(message: Message, update: StatusUpdate) -> dict[str, Any]:
    fields = _status_change(message, update)
    if update.connected is not None and update.connected != message.connected:
        fields["connected"] = update.connected
    return fields


def _status_change(message: Message, update: StatusUpdate) -> dict[str, Any]:
    current = message.status
    if current not in STATUS_RANK:
        return {}  # failed, blocked, cancelled: final
    if update.status == MessageStatus.FAILED:
        if current in (MessageStatus.DELIVERED, MessageStatus.READ):
            return {}
        return {"status": MessageStatus.FAILED, "failed_at": update.at, "error": update.error}
    new = MessageStatus(update.status) if update.status in STATUS_RANK else None
    if new is None or STATUS_RANK[new] <= STATUS_RANK[MessageStatus(current)]:
        return {}
    fields: dict[str, Any] = {"status": new}
    if message.sent_at is None:
        fields["sent_at"] = update.at
    if new in (MessageStatus.DELIVERED, MessageStatus.READ) and message.delivered_at is None:
        fields["delivered_at"] = update.at
    if new == MessageStatus.READ:
        fields["read_at"] = update.at
    return fields


def record_inbound(inbound: InboundMessage, *, provider: str) -> Message | None:
    """Record a message a customer sent us, and opt them out when it asks to stop.

    The sender is matched by address across all creditors. When several customers share the
    address, the message is recorded once, for the customer (and account) of the last outbound
    message to that address: that is the conversation the person is answering. With no outbound
    yet, the most recently added contact point wins. An unknown address is logged and not
    recorded (a message needs a creditor). A repeated provider id records nothing new.

    A new message that is not an opt-out, nor the answer to the menu of a call we made, goes to
    the self-service assistant, which queues its replies (``conversations.inbound``).
    """
    existing = Message.objects.filter(
        provider=provider, provider_message_id=inbound.provider_message_id
    ).first()
    if existing is not None:
        return existing
    medium, address = _medium_and_address(inbound.channel, inbound.from_address)
    contact_point, last_outbound = _match_sender(medium, address)
    if contact_point is None:
        logger.warning("inbound %s message from unknown address on %s", provider, inbound.channel)
        return None
    try:
        with transaction.atomic():
            message = Message.objects.create(
                creditor_id=contact_point.customer.creditor_id,
                customer=contact_point.customer,
                account_id=last_outbound.account_id if last_outbound else None,
                contact_point=contact_point,
                direction=Direction.INBOUND,
                channel=inbound.channel,
                provider=provider,
                address=address,
                recipient_role=contact_point.role,
                body=inbound.body,
                payload=inbound.payload | {"received_at": inbound.received_at.isoformat()},
                status=MessageStatus.RECEIVED,
                provider_message_id=inbound.provider_message_id,
                initiated_by_customer=True,
                conversation=True,
            )
    except IntegrityError:
        # The same webhook processed concurrently.
        return Message.objects.filter(
            provider=provider, provider_message_id=inbound.provider_message_id
        ).first()
    stop = opted_out_channel(inbound.body, inbound.channel)
    if stop is not None:
        opt_out_from_reply(message, channel=stop)
    elif message.channel == Channel.VOICE and not message.payload.get("assistant"):
        act_on_voice_choice(message)  # the menu of a call we made
    else:
        _answer_by_assistant(message)
    return message


def _answer_by_assistant(message: Message) -> None:
    """Hand the message to the self-service assistant (it queues its replies). Its failure
    never loses the inbound record: it runs in a savepoint, and is logged."""
    try:
        from recaudo.conversations.inbound import answer_inbound

        with transaction.atomic():
            answer_inbound(message)
    except Exception:
        logger.exception("the assistant could not answer inbound message %s", message.id)


def _medium_and_address(channel: str, raw: str) -> tuple[str, str]:
    if channel == Channel.EMAIL:
        return Medium.EMAIL, raw.strip().lower()
    if channel == Channel.PUSH:
        return Medium.PUSH, raw.strip()
    value = raw.strip()
    for prefix in ("whatsapp:", "tel:", "sms:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    digits = "".join(ch for ch in value if ch.isdigit())
    return Medium.PHONE, f"+{digits}" if digits else value


def _match_sender(medium: str, address: str) -> tuple[ContactPoint | None, Message | None]:
    last_outbound = (
        Message.objects.filter(
            direction=Direction.OUTBOUND, address=address, contact_point__isnull=False
        )
        .exclude(status__in=[MessageStatus.QUEUED, MessageStatus.CANCELLED, MessageStatus.BLOCKED])
        .select_related("contact_point__customer")
        .order_by("-created_at", "-id")
        .first()
    )
    if last_outbound is not None and last_outbound.contact_point is not None:
        return last_outbound.contact_point, last_outbound
    contact_point = (
        ContactPoint.objects.filter(medium=medium, value=address)
        .select_related("customer")
        .order_by("-created_at", "-id")
        .first()
    )
    return contact_point, None


def opt_out_from_reply(message: Message, *, channel: str) -> bool:
    """Withdraw consent for ``channel`` on the address the reply came from, and confirm it once.

    Every contact point of the creditor with that address loses the channel (an opt-out is per
    address, whoever else has the number on file). Returns False, and writes nothing, when that
    channel was already opted out, so a repeated STOP never queues a second confirmation.
    """
    contact_point = message.contact_point
    if contact_point is None:
        return False
    with transaction.atomic():
        same_address = list(
            # Locked: concurrent STOPs for one address are handled one after the other.
            ContactPoint.objects.select_for_update()
            .filter(
                customer__creditor_id=message.creditor_id,
                medium=contact_point.medium,
                value=contact_point.value,
            )
            .order_by("id")
        )
        withdrawn = [
            withdraw_consent(point, channel=channel, source=OPT_OUT_SOURCE)
            for point in same_address
        ]
        consent = next(
            (
                row
                for point, row in zip(same_address, withdrawn, strict=True)
                if point == contact_point
            ),
            None,
        )
        if consent is None:
            return False
        language = message.customer.language if message.customer else "es"
        with translation.override(language or "es"):
            body = (
                gettext(
                    "Done: we will not call you any more. If you need anything about your "
                    "account, you can still write to us here."
                )
                if channel == Channel.VOICE and message.channel != Channel.VOICE
                else gettext(
                    "Done: we will not write to you on this channel any more. If you need "
                    "anything about your account, you can still write to us here."
                )
            )
        queue_message(
            contact_point,
            channel=message.channel,
            body=body,
            account=message.account,
            payload={"purpose": "transactional", "reply_to": message.id},
            dedupe_key=f"opt-out-confirmation:{consent.id}",
            initiated_by_customer=True,
        )
    return True


def withdraw_consent(contact_point: ContactPoint, *, channel: str, source: str) -> Consent | None:
    """Record that ``contact_point`` may no longer be contacted on ``channel`` for collections.

    Returns the new consent row, or None when the consent in force is already a withdrawal.
    """
    with transaction.atomic():
        latest = (
            Consent.objects.filter(
                contact_point=contact_point, channel=channel, purpose=ConsentPurpose.COLLECTIONS
            )
            .order_by("-at", "-id")
            .first()
        )
        if latest is not None and not latest.granted:
            return None
        return Consent.objects.create(
            contact_point=contact_point,
            channel=channel,
            purpose=ConsentPurpose.COLLECTIONS,
            granted=False,
            source=source,
            at=timezone.now(),
        )


# The template of the SMS that carries a payment link (see strategies/default_templates.py).
PAYMENT_LINK_TEMPLATE = "payment-link"


def act_on_voice_choice(message: Message) -> None:
    """What the person chose after an outbound call (a key or a word, parsed by the voice
    provider into ``payload["choice"]``): a payment link by SMS, or an adviser. A payment link
    with no approved SMS template, or no account to link to, goes to an adviser instead."""
    choice = message.payload.get("choice")
    if choice not in ("payment_link", "adviser") or message.customer is None:
        return
    account = _account_of_call(message)
    if choice == "payment_link" and _queue_payment_link(message, account):
        return
    language = message.customer.language or settings.LANGUAGE_CODE
    with translation.override(language):
        reason = (
            gettext("Asked for a payment link during a call; no SMS could be prepared.")
            if choice == "payment_link"
            else gettext("Asked to talk to an adviser during a call.")
        )
    open_task(
        message.customer,
        kind=TaskKind.HANDOFF,
        reason=reason,
        account=account,
        dedupe_key=f"voice-choice:{message.id}",
    )


def _account_of_call(message: Message) -> Account | None:
    call_id = message.payload.get("message_id")
    call = Message.objects.filter(id=call_id).select_related("account").first() if call_id else None
    return call.account if call is not None and call.account is not None else message.account


def _queue_payment_link(message: Message, account: Account | None) -> bool:
    template = latest_approved(message.creditor, PAYMENT_LINK_TEMPLATE, Channel.SMS)
    if template is None or account is None or message.contact_point is None:
        return False
    queue_message(
        message.contact_point,
        channel=Channel.SMS,
        account=account,
        template_id=template.id,
        payload={"purpose": "reply", "reply_to": message.id},
        dedupe_key=f"voice-payment-link:{message.id}",
        initiated_by_customer=True,
    )
    return True
