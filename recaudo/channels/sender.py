"""The worker's job: claim due messages, check them once more, send, record the outcome.

Exactly-once, in short (docs/outbox.md has the long form):

1. **Claim.** A batch of due rows moves to ``sending`` in one short transaction, with
   ``claimed_by`` and a lease (``claimed_until``). On PostgreSQL the rows are picked with
   ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent workers take disjoint rows without
   waiting; on SQLite the ``UPDATE`` repeats the "still due" condition and writes are serialised
   by the database, so a row moves to ``sending`` once. Either way only one worker holds a row.
2. **Record.** Every outcome is written with ``UPDATE ... WHERE id = %s AND status = 'sending'
   AND claimed_by = <this worker>``: a worker that lost its claim changes nothing.
3. **Lease.** A worker killed mid-send leaves its rows in ``sending``; when the lease expires
   they are due again and another worker takes them. A worker stops working through a batch
   before the lease runs out (and gives the rest back), so a live worker's rows are never
   taken from under it.
4. **The window that remains** is a worker killed after the provider accepted a message and
   before the row was recorded: the next worker sends it again with the same idempotency key
   (the message id), which the provider uses to drop the repeat, and ``provider_message_id`` is
   unique per provider, so one row never stands for two provider messages.
"""

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from recaudo.channels.actions import mark_contact_point_invalid, withdraw_consent
from recaudo.channels.base import OutboundMessage, Provider, ProviderError
from recaudo.channels.http_errors import CODE_CONFIGURATION
from recaudo.channels.models import Direction, Message, MessageStatus
from recaudo.channels.queries import last_inbound_at
from recaudo.channels.registry import get_provider, provider_kind_for
from recaudo.channels.webhooks import apply_pending_statuses
from recaudo.customers.models import Channel, ContactPointStatus
from recaudo.debts.models import TERMINAL_STATUSES
from recaudo.policy.types import Decision

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# A worker stops working through a batch once this share of the lease has gone by.
LEASE_SAFETY = 0.8
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
# A message the policy refuses now but allows within this horizon waits in the queue;
# beyond it, it is blocked (the next day's plan proposes it again if still relevant).
RESCHEDULE_HORIZON = timedelta(hours=24)
# ProviderError codes that say the address itself is bad: the contact point becomes invalid.
INVALID_ADDRESS_CODES = frozenset(
    {
        "invalid_address",
        "invalid_number",
        "invalid_phone",
        "invalid_email",
        "not_mobile",
        "unreachable",
        "unknown_recipient",
        "bounced",
    }
)
# The recipient opted out at the provider (replied STOP to the carrier, blocked the sender).
OPTED_OUT = "opted_out"
# The RCS provider's "this phone cannot receive RCS": the message goes again as SMS.
NOT_CAPABLE = "not_capable"


class Rendered(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


PolicyCheck = Callable[[Message, datetime], Decision]
Render = Callable[[Message, date], Rendered]
# The content check on the rendered text: the reasons it may not be sent (empty: it may).
ContentCheck = Callable[[Message, Rendered], list[str]]
ProviderLookup = Callable[[str], Provider]
CONTENT_SOURCE = "Content check before sending (docs/templates.md)"


class ContentRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def contact_policy_check(message: Message, at: datetime) -> Decision:
    """The contact policy's decision for this message at ``at`` (the default check)."""
    from recaudo.policy.context import contact_request_for_message
    from recaudo.policy.decide import decide

    return decide(contact_request_for_message(message, at=at))


class ContactPolicy:
    """The contact policy for one claimed batch: every customer's inputs (consents, holds,
    history, limits) read once for the batch, in a constant number of queries, then one
    decision per message at the moment it goes. A second message to the same customer in the
    batch is checked on fresh inputs, so it sees the first one in the history."""

    def __init__(self, messages: list[Message], at: datetime) -> None:
        from recaudo.policy.context import contact_requests_for_messages

        first: dict[int | None, Message] = {}
        for message in messages:
            first.setdefault(message.customer_id, message)
        self.requests = contact_requests_for_messages(first.values(), at=at)

    def __call__(self, message: Message, at: datetime) -> Decision:
        from recaudo.policy.decide import decide

        request = self.requests.get(message.id)
        if request is None:
            return contact_policy_check(message, at)
        return decide(replace(request, at=at))


def batch_policy(messages: list[Message], at: datetime) -> PolicyCheck:
    """The policy check the worker uses for a batch (the real contact policy)."""
    return ContactPolicy(messages, at)


def render_template(message: Message, as_of: date) -> Rendered:
    from recaudo.strategies.templating import render_for_message

    rendered: Rendered = render_for_message(message, as_of=as_of)
    return rendered


def content_check(message: Message, rendered: Rendered) -> list[str]:
    """The template content check on the text about to go out (compliance.md §2.10: checked
    on the rendered message, not only when the template was approved)."""
    from recaudo.strategies.templating import check_rendered

    return [str(finding) for finding in check_rendered(message, rendered)]  # type: ignore[arg-type]


def due(now: datetime) -> Q:
    """Queued and due, or left in ``sending`` by a worker whose lease has expired."""
    queued = Q(status=MessageStatus.QUEUED) & (Q(send_after__isnull=True) | Q(send_after__lte=now))
    abandoned = Q(status=MessageStatus.SENDING, claimed_until__lt=now)
    return Q(direction=Direction.OUTBOUND) & (queued | abandoned)


def claim_batch(
    worker_id: str, *, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Message]:
    """Move up to ``limit`` due messages to ``sending`` for ``worker_id`` and return them."""
    until = now + lease
    with transaction.atomic():
        candidates = Message.objects.filter(due(now)).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The condition is repeated: on a database without row locks this is the
        # compare-and-set that keeps two workers from taking the same row.
        Message.objects.filter(due(now), id__in=ids).update(
            status=MessageStatus.SENDING,
            claimed_by=worker_id,
            claimed_until=until,
            attempts=F("attempts") + 1,
        )
    return list(
        Message.objects.filter(
            id__in=ids,
            status=MessageStatus.SENDING,
            claimed_by=worker_id,
            claimed_until=until,
        )
        .select_related("account", "contact_point", "creditor", "customer", "template")
        .order_by("id")
    )


def release(messages: list[Message], worker_id: str) -> int:
    """Give claimed messages back to the queue untouched (a stop, or a lease running out)."""
    return Message.objects.filter(
        id__in=[message.id for message in messages],
        status=MessageStatus.SENDING,
        claimed_by=worker_id,
    ).update(status=MessageStatus.QUEUED, claimed_until=None, attempts=F("attempts") - 1)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the first, second, third ... failed attempt."""
    delay = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_MAX)


def _never_stop() -> bool:
    return False


@dataclass
class Sender:
    """One worker's sending loop body; every dependency can be replaced in tests."""

    worker_id: str
    lease: timedelta = LEASE
    # None: the contact policy (``batch_policy``) and the template renderer.
    policy_check: PolicyCheck | None = None
    render: Render | None = None
    check_content: ContentCheck = content_check
    provider_lookup: ProviderLookup = get_provider
    clock: Callable[[], datetime] = timezone.now
    should_stop: Callable[[], bool] = _never_stop
    counts: Counter[str] = field(default_factory=Counter)

    def run_batch(self, limit: int = 100) -> Counter[str]:
        """Claim one batch and process it; return this batch's outcome counts."""
        started = time.monotonic()
        now = self.clock()
        messages = claim_batch(self.worker_id, now=now, limit=limit, lease=self.lease)
        batch: Counter[str] = Counter(claimed=len(messages))
        if not messages:
            return batch
        check = self.policy_check or self._batch_policy(messages, now)
        deadline = started + self.lease.total_seconds() * LEASE_SAFETY
        for index, message in enumerate(messages):
            if self.should_stop() or time.monotonic() > deadline:
                batch["released"] += release(messages[index:], self.worker_id)
                break
            batch[self.process(message, check)] += 1
        # Statuses that overtook this batch's records (one cheap query when there are none).
        applied = apply_pending_statuses(now=self.clock())
        if applied:
            batch["pending_statuses_applied"] = applied
        self.counts.update(batch)
        return batch

    @staticmethod
    def _batch_policy(messages: list[Message], at: datetime) -> PolicyCheck:
        try:
            return batch_policy(messages, at)
        except Exception:
            logger.exception("could not read the policy inputs of a batch; checking one by one")
            return contact_policy_check

    def process(self, message: Message, check: PolicyCheck | None = None) -> str:
        """Check, render, send and record one claimed message; return the outcome's name."""
        now = self.clock()
        account = message.account
        if account is not None and account.status in TERMINAL_STATUSES:
            return self._finish(
                message,
                "cancelled",
                status=MessageStatus.CANCELLED,
                error=f"account {account.status}",
            )
        contact_point = message.contact_point
        if contact_point is not None and contact_point.status == ContactPointStatus.INVALID:
            return self._finish(
                message,
                "failed",
                status=MessageStatus.FAILED,
                failed_at=now,
                error="invalid contact point",
            )
        try:
            decision = (check or self.policy_check or contact_policy_check)(message, now)
        except Exception as error:
            logger.exception("the contact policy failed on message %s", message.id)
            return self._retry(message, f"policy: {type(error).__name__}: {error}", now)
        if not decision.allowed:
            return self._refused(message, decision, now)
        try:
            outbound, stored = self._outbound(message, now)
        except ContentRefused as refused:
            return self._finish(
                message,
                "blocked",
                status=MessageStatus.BLOCKED,
                policy_rule="content",
                policy_source=CONTENT_SOURCE,
                policy_reasons=refused.reasons,
            )
        except Exception as error:
            logger.exception("message %s could not be rendered", message.id)
            return self._finish(
                message,
                "failed",
                status=MessageStatus.FAILED,
                failed_at=now,
                error=f"render: {error}"[:1000],
            )
        kind = message.provider or provider_kind_for(message.channel)
        try:
            result = self.provider_lookup(kind).send(outbound)
        except ProviderError as error:
            return self._provider_error(message, error, kind, now)
        except Exception as error:
            # A bug or an unwrapped network error: treated as transient, never lost.
            logger.exception("provider %s raised on message %s", kind, message.id)
            return self._retry(message, f"{type(error).__name__}: {error}", now)
        status = (
            MessageStatus.DELIVERED
            if result.status == MessageStatus.DELIVERED
            else MessageStatus.SENT
        )
        fields: dict[str, Any] = {
            "status": status,
            "provider": kind,
            "provider_message_id": result.provider_message_id,
            "sent_at": now,
            "error": "",
            **stored,
        }
        if status == MessageStatus.DELIVERED:
            fields["delivered_at"] = now
        try:
            if connection.in_atomic_block:  # tests: keep the outer transaction usable
                with transaction.atomic():
                    outcome = self._finish(message, "sent", **fields)
            else:
                # One statement in autocommit: a failure leaves nothing to roll back.
                outcome = self._finish(message, "sent", **fields)
            return outcome
        except IntegrityError:
            # Another row already holds this provider id: keep the send, note the clash.
            logger.error("provider id %s already recorded", result.provider_message_id)
            fields["provider_message_id"] = None
            fields["error"] = f"duplicate provider id {result.provider_message_id}"
            return self._finish(message, "sent", **fields)

    def _outbound(self, message: Message, now: datetime) -> tuple[OutboundMessage, dict[str, Any]]:
        subject, body, payload = message.subject, message.body, dict(message.payload)
        stored: dict[str, Any] = {}
        if message.template_id is not None:
            as_of = now.astimezone(ZoneInfo(message.creditor.timezone)).date()
            rendered = (self.render or render_template)(message, as_of)
            refusals = self.check_content(message, rendered)
            if refusals:
                raise ContentRefused(refusals)
            subject, body = rendered.subject, rendered.body
            payload = payload | dict(rendered.payload or {})
            if rendered.html:
                payload["html"] = rendered.html
            stored = {"subject": subject[:200], "body": body, "payload": payload}
        last_inbound = (
            last_inbound_at(channel=message.channel, address=message.address)
            if message.channel == Channel.WHATSAPP
            else None
        )
        outbound = OutboundMessage(
            id=message.id,
            channel=message.channel,
            to=message.address,
            body=body,
            subject=subject,
            payload=payload,
            last_inbound_at=last_inbound,
        )
        return outbound, stored

    def _refused(self, message: Message, decision: Decision, now: datetime) -> str:
        policy = {
            "policy_rule": decision.rule[:60],
            "policy_source": decision.source[:200],
            "policy_reasons": list(decision.reasons),
        }
        later = decision.next_allowed_at
        if later is not None and now < later <= now + RESCHEDULE_HORIZON:
            # Not an attempt: give back the one the claim counted.
            return self._finish(
                message,
                "deferred",
                status=MessageStatus.QUEUED,
                send_after=later,
                attempts=F("attempts") - 1,
                **policy,
            )
        return self._finish(message, "blocked", status=MessageStatus.BLOCKED, **policy)

    def _provider_error(
        self, message: Message, error: ProviderError, kind: str, now: datetime
    ) -> str:
        text = f"{error.code}: {error}" if error.code else str(error)
        if error.code == NOT_CAPABLE and message.channel == Channel.RCS:
            return self._finish(
                message,
                "fallback",
                status=MessageStatus.QUEUED,
                channel=Channel.SMS,
                provider=provider_kind_for(Channel.SMS),
                payload=dict(message.payload) | {"fallback_from": Channel.RCS},
                send_after=None,
                attempts=F("attempts") - 1,
                error=text[:1000],
            )
        if error.code == CODE_CONFIGURATION:
            return self._wait_for_configuration(message, text, now)
        if not error.permanent:
            return self._retry(message, text, now)
        outcome = self._finish(
            message,
            "failed",
            status=MessageStatus.FAILED,
            provider=kind,
            failed_at=now,
            error=text[:1000],
        )
        if outcome == "failed" and message.contact_point is not None:
            if error.code in INVALID_ADDRESS_CODES:
                mark_contact_point_invalid(message.contact_point, reason=text)
            elif error.code == OPTED_OUT:
                withdraw_consent(message.contact_point, channel=message.channel, source=kind)
        return outcome

    def _wait_for_configuration(self, message: Message, text: str, now: datetime) -> str:
        """Our credentials or account are wrong: wait, without spending the message's attempts,
        until the operator fixes them (`recaudo check` names what is missing)."""
        logger.error("provider configuration: %s", text)
        return self._finish(
            message,
            "waiting_for_configuration",
            status=MessageStatus.QUEUED,
            send_after=now + BACKOFF_MAX,
            attempts=F("attempts") - 1,
            error=text[:1000],
        )

    def _retry(self, message: Message, text: str, now: datetime) -> str:
        if message.attempts >= MAX_ATTEMPTS:
            return self._finish(
                message,
                "failed",
                status=MessageStatus.FAILED,
                failed_at=now,
                error=f"gave up after {message.attempts} attempts: {text}"[:1000],
            )
        return self._finish(
            message,
            "retry",
            status=MessageStatus.QUEUED,
            send_after=now + backoff(message.attempts),
            error=text[:1000],
        )

    def _finish(self, message: Message, outcome: str, **fields: Any) -> str:
        """Record an outcome, only while this worker still holds the claim."""
        updated = Message.objects.filter(
            id=message.id, status=MessageStatus.SENDING, claimed_by=self.worker_id
        ).update(claimed_until=None, **fields)
        if not updated:
            logger.warning("message %s: claim lost before recording %s", message.id, outcome)
            return "claim_lost"
        return outcome
