"""``recaudo.policy.queries``: rule ids in words, refused messages and their counts by rule."""

import datetime as dt

import pytest
from django.utils import translation

from recaudo.channels.models import Message, MessageStatus
from recaudo.policy.jurisdictions import JURISDICTIONS
from recaudo.policy.queries import (
    BlockedFilter,
    counts_by_rule,
    describe_rule,
    known_rules,
    reasons_of,
    refused_messages,
)
from tests.factories import make_customer


@translation.override("en")
def test_every_rule_of_every_jurisdiction_has_a_title_source_and_grade() -> None:
    for jurisdiction in JURISDICTIONS.values():
        for spec in jurisdiction.rule_specs():
            described = describe_rule(spec.rule)
            assert described.title and described.title != spec.rule, spec.rule
            assert described.source == spec.source
            assert described.confidence == spec.confidence
            assert described.jurisdiction == jurisdiction.name


@pytest.mark.parametrize(
    ("rule", "title", "policy"),
    [
        ("CO.hours", "Outside the allowed hours", False),
        ("AR.days", "Day of the week not allowed", True),
        ("CO.voice_buffer", "Calls stop shortly before the window closes", True),
        ("hold.dispute", "Hold: The debt is disputed", False),
        ("creditor.max_per_day", "The creditor's daily limit of contacts", True),
        ("customer.preferred_hours", "Outside the customer's preferred hours", True),
        ("CO.allowed", "Every rule allows the contact", False),
        ("content", "The message text failed the content check", False),
        ("", "Cancelled before sending", False),
        ("XX.something", "XX.something", False),
    ],
)
def test_rules_in_words(rule: str, title: str, policy: bool) -> None:
    with translation.override("en"):
        described = describe_rule(rule)
    assert described.title.startswith(title)
    assert described.policy is policy


def test_known_rules_are_sorted_and_described() -> None:
    rules = [described.rule for described in known_rules()]
    assert rules == sorted(rules)
    assert {"CO.hours", "US.calls_7_in_7", "hold.settled", "creditor.hours"} <= set(rules)


@pytest.mark.django_db
def test_refused_messages_and_counts_by_rule() -> None:
    customer = make_customer()

    def message(status: str, rule: str, **fields: object) -> Message:
        return Message.objects.create(
            creditor=customer.creditor,
            customer=customer,
            direction="outbound",
            channel="sms",
            address="+573001234567",
            status=status,
            policy_rule=rule,
            **fields,
        )

    hours = message(MessageStatus.BLOCKED, "CO.hours", policy_reasons=["fuera de horario"])
    days = message(MessageStatus.BLOCKED, "CO.days")
    hold = message(MessageStatus.BLOCKED, "hold.dispute")
    cancelled = message(MessageStatus.CANCELLED, "", error="account paid")
    message(MessageStatus.SENT, "")
    everything = BlockedFilter()
    assert list(refused_messages(everything)) == [cancelled, hold, days, hours]
    assert list(refused_messages(BlockedFilter(rule="CO."))) == [days, hours]
    assert list(refused_messages(BlockedFilter(status="cancelled"))) == [cancelled]
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert not refused_messages(BlockedFilter(since=tomorrow)).exists()
    counts = {described.rule: count for described, count in counts_by_rule(everything)}
    assert counts == {"CO.hours": 1, "CO.days": 1, "hold.dispute": 1, "": 1}
    assert reasons_of(hours) == ["fuera de horario"]
    assert reasons_of(cancelled) == ["account paid"]
