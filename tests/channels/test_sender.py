import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from recaudo.channels.base import ProviderError
from recaudo.channels.models import Message, MessageStatus
from recaudo.channels.sender import MAX_ATTEMPTS, Sender, backoff, claim_batch
from recaudo.customers.models import ContactPointStatus
from recaudo.debts.models import AccountStatus
from tests.channels.helpers import (
    NOW,
    RecordingProvider,
    allow,
    make_message,
    permanent,
    refuse_until,
    transient,
)

pytestmark = pytest.mark.django_db


def sender(provider: RecordingProvider | None = None, **overrides: Any) -> Sender:
    chosen = provider or RecordingProvider()
    defaults: dict[str, Any] = {
        "worker_id": "w1",
        "policy_check": allow,
        "check_content": lambda message, rendered: [],
        "provider_lookup": lambda kind: chosen,
        "clock": lambda: NOW,
    }
    return Sender(**(defaults | overrides))


def reloaded(message: Message) -> Message:
    return Message.objects.get(id=message.id)


# Claiming


def test_claim_takes_due_messages_and_leases_them() -> None:
    due = make_message()
    due_earlier = make_message(send_after=NOW - dt.timedelta(minutes=1))
    later = make_message(send_after=NOW + dt.timedelta(minutes=1))

    claimed = claim_batch("w1", now=NOW, limit=10)

    assert {m.id for m in claimed} == {due.id, due_earlier.id}
    row = reloaded(due)
    assert row.status == MessageStatus.SENDING
    assert row.claimed_by == "w1"
    assert row.claimed_until == NOW + dt.timedelta(minutes=5)
    assert row.attempts == 1
    assert reloaded(later).status == MessageStatus.QUEUED


def test_a_claimed_message_is_not_claimed_again_while_leased() -> None:
    make_message()
    assert len(claim_batch("w1", now=NOW, limit=10)) == 1
    assert claim_batch("w2", now=NOW + dt.timedelta(minutes=4), limit=10) == []


def test_an_expired_lease_lets_another_worker_take_the_message() -> None:
    message = make_message()
    claim_batch("w1", now=NOW, limit=10)  # w1 dies here

    claimed = claim_batch("w2", now=NOW + dt.timedelta(minutes=6), limit=10)

    assert [m.id for m in claimed] == [message.id]
    assert reloaded(message).claimed_by == "w2"
    assert reloaded(message).attempts == 2


def test_claim_respects_the_limit_oldest_first() -> None:
    messages = [make_message() for _ in range(5)]
    claimed = claim_batch("w1", now=NOW, limit=2)
    assert [m.id for m in claimed] == [messages[0].id, messages[1].id]


def test_inbound_and_final_messages_are_never_claimed() -> None:
    message = make_message()
    Message.objects.filter(id=message.id).update(status=MessageStatus.BLOCKED)
    assert claim_batch("w1", now=NOW, limit=10) == []


def test_a_worker_that_lost_its_claim_records_nothing() -> None:
    message = make_message()
    provider = RecordingProvider()
    first = sender(provider, worker_id="w1")
    [claimed] = claim_batch("w1", now=NOW, limit=10)
    # The lease ran out and w2 took it.
    claim_batch("w2", now=NOW + dt.timedelta(minutes=6), limit=10)

    assert first.process(claimed) == "claim_lost"
    row = reloaded(message)
    assert row.status == MessageStatus.SENDING
    assert row.claimed_by == "w2"


# Sending and recording


def test_a_sent_message_records_the_provider_id_and_uses_its_id_as_idempotency_key() -> None:
    message = make_message()
    provider = RecordingProvider()

    counts = sender(provider).run_batch(10)

    assert counts["sent"] == 1
    assert [m.id for m in provider.sent] == [message.id]
    assert provider.sent[0].to == message.address
    assert provider.sent[0].body == message.body
    row = reloaded(message)
    assert row.status == MessageStatus.SENT
    assert row.provider == "fake"
    assert row.provider_message_id == f"rec-{message.id}"
    assert row.sent_at == NOW
    assert row.claimed_until is None


def test_running_again_sends_nothing_twice() -> None:
    make_message()
    provider = RecordingProvider()
    sender(provider).run_batch(10)
    sender(provider, worker_id="w2").run_batch(10)
    assert len(provider.sent) == 1


def test_a_transient_error_requeues_with_exponential_backoff() -> None:
    message = make_message()
    provider = RecordingProvider(errors=[transient(), transient()])

    assert sender(provider).run_batch(10)["retry"] == 1
    row = reloaded(message)
    assert row.status == MessageStatus.QUEUED
    assert row.send_after == NOW + dt.timedelta(minutes=1)
    assert row.error == "timeout"

    later = NOW + dt.timedelta(minutes=1)
    assert sender(provider, clock=lambda: later).run_batch(10)["retry"] == 1
    assert reloaded(message).send_after == later + dt.timedelta(minutes=2)

    last = later + dt.timedelta(minutes=2)
    assert sender(provider, clock=lambda: last).run_batch(10)["sent"] == 1
    assert reloaded(message).status == MessageStatus.SENT
    assert reloaded(message).attempts == 3


def test_wrong_credentials_never_use_up_a_messages_attempts() -> None:
    message = make_message()
    Message.objects.filter(id=message.id).update(attempts=MAX_ATTEMPTS)
    expired = ProviderError("token expired", code="configuration")
    provider = RecordingProvider(errors=[expired])

    assert sender(provider).run_batch(10)["waiting_for_configuration"] == 1

    row = reloaded(message)
    assert (row.status, row.attempts) == (MessageStatus.QUEUED, MAX_ATTEMPTS)
    assert row.send_after == NOW + dt.timedelta(hours=1)


def test_backoff_doubles() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]


def test_an_unexpected_exception_is_transient() -> None:
    message = make_message()
    provider = RecordingProvider(errors=[ConnectionResetError("peer")])
    assert sender(provider).run_batch(10)["retry"] == 1
    assert "ConnectionResetError" in reloaded(message).error


def test_after_the_last_attempt_the_message_fails() -> None:
    message = make_message()
    Message.objects.filter(id=message.id).update(attempts=MAX_ATTEMPTS - 1)
    provider = RecordingProvider(errors=[transient()])

    assert sender(provider).run_batch(10)["failed"] == 1
    row = reloaded(message)
    assert row.status == MessageStatus.FAILED
    assert row.failed_at == NOW
    assert "gave up after 6 attempts" in row.error


def test_a_permanent_error_fails_and_marks_a_bad_address_invalid() -> None:
    message = make_message()
    provider = RecordingProvider(errors=[permanent("invalid_number")])

    assert sender(provider).run_batch(10)["failed"] == 1
    row = reloaded(message)
    assert row.status == MessageStatus.FAILED
    assert row.error.startswith("invalid_number")
    assert row.contact_point is not None
    assert row.contact_point.status == ContactPointStatus.INVALID


def test_a_permanent_error_about_the_content_keeps_the_contact_point() -> None:
    message = make_message()
    provider = RecordingProvider(errors=[permanent("template_rejected")])
    sender(provider).run_batch(10)
    row = reloaded(message)
    assert row.status == MessageStatus.FAILED
    assert row.contact_point is not None
    assert row.contact_point.status == ContactPointStatus.ACTIVE


def test_a_message_to_an_invalid_contact_point_is_not_sent() -> None:
    message = make_message()
    assert message.contact_point is not None
    message.contact_point.status = ContactPointStatus.INVALID
    message.contact_point.save()
    provider = RecordingProvider()
    assert sender(provider).run_batch(10)["failed"] == 1
    assert provider.sent == []


def test_rcs_not_capable_falls_back_to_sms() -> None:
    message = make_message(channel="rcs", payload={"link": "https://pay"})
    provider = RecordingProvider(
        errors=[ProviderError("no RCS", permanent=True, code="not_capable")]
    )

    assert sender(provider).run_batch(10)["fallback"] == 1
    row = reloaded(message)
    assert row.status == MessageStatus.QUEUED
    assert row.channel == "sms"
    assert row.payload == {"link": "https://pay", "fallback_from": "rcs"}
    assert row.attempts == 0
    assert row.dedupe_key == message.dedupe_key

    assert sender(provider).run_batch(10)["sent"] == 1
    assert provider.sent[0].channel == "sms"


# Checks right before sending


@pytest.mark.parametrize("status", [AccountStatus.PAID, AccountStatus.CLOSED])
def test_a_message_for_a_settled_account_is_cancelled(status: str) -> None:
    message = make_message()
    assert message.account is not None
    message.account.status = status
    message.account.save()
    provider = RecordingProvider()

    assert sender(provider).run_batch(10)["cancelled"] == 1
    assert provider.sent == []
    assert reloaded(message).status == MessageStatus.CANCELLED


def test_policy_refusal_with_a_near_next_time_requeues_keeping_the_reason() -> None:
    message = make_message()
    later = NOW + dt.timedelta(hours=3)
    provider = RecordingProvider()

    counts = sender(provider, policy_check=refuse_until(later)).run_batch(10)

    assert counts["deferred"] == 1
    assert provider.sent == []
    row = reloaded(message)
    assert row.status == MessageStatus.QUEUED
    assert row.send_after == later
    assert row.attempts == 0
    assert row.policy_rule == "hours"
    assert row.policy_reasons == ["outside hours"]


@pytest.mark.parametrize("later", [None, NOW + dt.timedelta(days=3)])
def test_policy_refusal_without_a_near_time_blocks_with_reasons(later: dt.datetime | None) -> None:
    message = make_message()
    provider = RecordingProvider()

    assert (
        sender(provider, policy_check=refuse_until(later, "opt_out")).run_batch(10)["blocked"] == 1
    )
    row = reloaded(message)
    assert row.status == MessageStatus.BLOCKED
    assert row.policy_rule == "opt_out"
    assert row.policy_source == "Ley 2300 de 2023, art. 3"
    assert row.policy_reasons == ["outside hours"]
    assert provider.sent == []


def test_the_policy_sees_the_message_at_sending_time() -> None:
    message = make_message()
    seen: list[tuple[int, dt.datetime]] = []

    def check(checked: Message, at: dt.datetime) -> Any:
        seen.append((checked.id, at))
        return allow(checked, at)

    sender(policy_check=check).run_batch(10)
    assert seen == [(message.id, NOW)]


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


def test_a_templated_message_is_rendered_right_before_sending() -> None:
    from recaudo.strategies.models import Template

    message = make_message(body="")
    template = Template.objects.create(
        creditor=message.creditor, code="reminder", name="Reminder", channel="sms", body="x"
    )
    Message.objects.filter(id=message.id).update(template=template)
    provider = RecordingProvider()
    dates = []

    def render(rendered_message: Message, as_of: dt.date) -> Rendered:
        dates.append(as_of)
        return Rendered(subject="", body="Debe $ 100.000", payload={"link": "https://p"})

    sender(provider, render=render).run_batch(10)

    assert dates == [dt.date(2026, 3, 10)]
    assert provider.sent[0].body == "Debe $ 100.000"
    assert provider.sent[0].payload == {"link": "https://p"}
    assert reloaded(message).body == "Debe $ 100.000"


def test_a_rendered_text_that_fails_the_content_check_is_blocked_not_sent() -> None:
    from recaudo.channels.sender import content_check
    from recaudo.strategies.models import Template

    message = make_message(body="")
    template = Template.objects.create(
        creditor=message.creditor,
        code="threat",
        name="Threat",
        channel="sms",
        body="{{ first_name }}, pague hoy o iniciaremos un embargo.",
    )
    Message.objects.filter(id=message.id).update(template=template)
    provider = RecordingProvider()

    outcome = sender(provider, check_content=content_check).run_batch(10)

    assert outcome["blocked"] == 1
    assert provider.sent == []
    row = reloaded(message)
    assert (row.status, row.policy_rule) == (MessageStatus.BLOCKED, "content")
    assert any("embargo" in reason.lower() for reason in row.policy_reasons)


def test_a_render_error_fails_the_message() -> None:
    from recaudo.strategies.models import Template

    message = make_message()
    template = Template.objects.create(
        creditor=message.creditor, code="reminder", name="Reminder", channel="sms", body="x"
    )
    Message.objects.filter(id=message.id).update(template=template)

    def render(rendered_message: Message, as_of: dt.date) -> Rendered:
        raise KeyError("amount")

    assert sender(render=render).run_batch(10)["failed"] == 1
    assert "render" in reloaded(message).error


def test_a_stop_request_gives_the_rest_of_the_batch_back() -> None:
    first, second = make_message(), make_message()
    provider = RecordingProvider()
    calls = iter([False, True])

    counts = sender(provider, should_stop=lambda: next(calls)).run_batch(10)

    assert counts == {"claimed": 2, "sent": 1, "released": 1}
    assert reloaded(first).status == MessageStatus.SENT
    row = reloaded(second)
    assert row.status == MessageStatus.QUEUED
    assert row.attempts == 0


def test_a_policy_error_is_retried_not_fatal() -> None:
    first, second = make_message(), make_message()
    provider = RecordingProvider()

    def check(message: Message, at: dt.datetime) -> Any:
        if message.id == first.id:
            raise LookupError("no jurisdiction")
        return allow(message, at)

    counts = sender(provider, policy_check=check).run_batch(10)

    assert counts == {"claimed": 2, "retry": 1, "sent": 1}
    row = reloaded(first)
    assert row.status == MessageStatus.QUEUED
    assert "no jurisdiction" in row.error
    assert reloaded(second).status == MessageStatus.SENT
