"""Reads about the contact policy's decisions for people: what a rule id means, which messages
it blocked and how many per rule, and when each could go now.

The rule ids are stable strings (``"CO.hours"``, ``"hold.dispute"``); ``describe_rule`` turns
one into a short title in the active language, with its legal source and confidence from the
jurisdictions' data (``jurisdictions.py``), so screens and exports never show bare ids alone.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet

from recaudo.channels.models import Message, MessageStatus
from recaudo.policy.i18n import gettext as _
from recaudo.policy.i18n import gettext_noop
from recaudo.policy.jurisdictions import (
    GENERIC_HOLD,
    JURISDICTIONS,
    LOW,
    VOICE_BUFFER,
    RuleSpec,
    UnknownJurisdiction,
)
from recaudo.policy.rules import (
    COHERENCE_SOURCE,
    CREDITOR_SOURCE,
    CUSTOMER_SOURCE,
    HOLD_REASONS,
    LIVE_REPLY_SOURCE,
)
from recaudo.policy.types import Decision

# What a rule is about, by the part of its id after the jurisdiction ("CO.hours" -> "hours").
RULE_TITLES: Mapping[str, str] = {
    "allowed": gettext_noop("Every rule allows the contact"),
    "live_reply": gettext_noop("Answer to the customer's own message"),
    "days": gettext_noop("Day of the week not allowed"),
    "hours": gettext_noop("Outside the allowed hours"),
    "holidays": gettext_noop("Public holiday"),
    "recipient_role": gettext_noop("This person may not be contacted about the debt"),
    "opt_out": gettext_noop("The customer opted out of this channel"),
    "consent": gettext_noop("Consent for the channel"),
    "authorised_channels": gettext_noop("Channel not authorised by the customer"),
    "voice_buffer": gettext_noop("Calls stop shortly before the window closes"),
    "one_per_day": gettext_noop("At most one contact a day"),
    "one_channel_per_week": gettext_noop("Only one channel in the week after a direct contact"),
    "phone_visit_per_week": gettext_noop("At most one phone contact or visit a week"),
    "unanswered_calls_per_day": gettext_noop("At most one unanswered call a day"),
    "other_media_per_week": gettext_noop("At most two messages a week"),
    "other_media_48h": gettext_noop("Messages at least 48 hours apart"),
    "calls_7_in_7": gettext_noop("At most 7 calls in 7 days about a debt"),
    "call_after_conversation": gettext_noop("No calls for 7 days after a telephone conversation"),
    "two_per_7_days": gettext_noop("At most 2 calls or texts in 7 days about a debt"),
}
# Rules whose id has a fixed prefix instead of a jurisdiction.
FIXED_TITLES: Mapping[str, str] = {
    "coherence.debt_settled": gettext_noop("The debt is settled"),
    "coherence.promise_pause": gettext_noop("Paused by a promise or payment plan on track"),
    "creditor.sundays_and_holidays": gettext_noop(
        "The creditor does not contact on Sundays or holidays"
    ),
    "creditor.hours": gettext_noop("Outside the creditor's contact hours"),
    "creditor.max_per_day": gettext_noop("The creditor's daily limit of contacts"),
    "creditor.max_per_week": gettext_noop("The creditor's weekly limit of contacts"),
    "customer.preferred_channels": gettext_noop("The customer prefers other channels"),
    "customer.preferred_hours": gettext_noop("Outside the customer's preferred hours"),
    "content": gettext_noop("The message text failed the content check"),
}
FIXED_SOURCES: Mapping[str, str] = {
    "coherence": COHERENCE_SOURCE,
    "creditor": CREDITOR_SOURCE,
    "customer": CUSTOMER_SOURCE,
}
HOLD_TITLE = gettext_noop("Hold: %(reason)s")
CANCELLED_TITLE = gettext_noop("Cancelled before sending")


@dataclass(frozen=True)
class RuleDescription:
    """A rule id in words: its title, the jurisdiction, the legal source and how sure it is."""

    rule: str
    title: str
    jurisdiction: str  # the jurisdiction's name, "" for creditor, customer and engine rules
    source: str
    confidence: str  # "high", "medium", "low" or "" when not graded
    policy: bool  # an engine or business default, not a rule of law


@lru_cache(maxsize=1)
def _specs() -> dict[str, tuple[str, RuleSpec]]:
    """Every graded rule of every jurisdiction, by id, with its jurisdiction's name."""
    found: dict[str, tuple[str, RuleSpec]] = {}
    for code, jurisdiction in JURISDICTIONS.items():
        for spec in jurisdiction.rule_specs():
            found[spec.rule] = (jurisdiction.name, spec)
        buffer = RuleSpec(
            f"{code}.{VOICE_BUFFER.rule}", VOICE_BUFFER.source, VOICE_BUFFER.confidence, True
        )
        found[buffer.rule] = (jurisdiction.name, buffer)
    return found


def describe_rule(rule: str) -> RuleDescription:
    """``"CO.hours"`` -> "Outside the allowed hours", Colombia, its source and confidence.

    Unknown ids are described by themselves (a rule added later still shows something).
    """
    prefix, _dot, suffix = rule.partition(".")
    graded = _specs().get(rule)
    if graded is not None:
        name, spec = graded
        title = RULE_TITLES.get(suffix, rule)
        return RuleDescription(rule, _(title), name, spec.source, spec.confidence, spec.policy)
    if prefix == "hold":
        reason = HOLD_REASONS.get(suffix)
        title = _(HOLD_TITLE) % {"reason": _(reason)} if reason else rule
        return RuleDescription(rule, title, "", GENERIC_HOLD, "", False)
    if rule in FIXED_TITLES:
        source = FIXED_SOURCES.get(prefix, "")
        policy = prefix in FIXED_SOURCES
        return RuleDescription(rule, _(FIXED_TITLES[rule]), "", source, "", policy)
    jurisdiction = JURISDICTIONS.get(prefix)
    if jurisdiction is not None and suffix in ("allowed", "live_reply"):
        source = jurisdiction.law if suffix == "allowed" else LIVE_REPLY_SOURCE
        return RuleDescription(rule, _(RULE_TITLES[suffix]), jurisdiction.name, source, "", False)
    if not rule:
        return RuleDescription(rule, _(CANCELLED_TITLE), "", "", "", False)
    return RuleDescription(rule, rule, "", "", LOW, False)


def known_rules() -> list[RuleDescription]:
    """Every rule id the engine can decide with, for filters and documentation, sorted by id."""
    ids = set(_specs()) | set(FIXED_TITLES) | {f"hold.{kind}" for kind in HOLD_REASONS}
    return [describe_rule(rule) for rule in sorted(ids)]


# Blocked messages ------------------------------------------------------------------------

REFUSED_STATUSES = (MessageStatus.BLOCKED, MessageStatus.CANCELLED)


@dataclass(frozen=True)
class BlockedFilter:
    """The compliance officer's filters on refused messages; None or "" means any."""

    creditor_id: int | None = None
    channel: str = ""
    rule: str = ""  # a full id ("CO.hours") or a prefix ending in "." ("CO.", "hold.")
    status: str = ""  # "blocked", "cancelled" or "" for both
    since: date | None = None
    until: date | None = None  # inclusive
    zone: str = "UTC"  # the zone the dates are days of


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def refused_messages(filters: BlockedFilter, *, with_rule: bool = True) -> QuerySet[Message]:
    """Messages the policy blocked (or that were cancelled before sending), newest first."""
    statuses = [filters.status] if filters.status in REFUSED_STATUSES else list(REFUSED_STATUSES)
    messages = Message.objects.filter(status__in=statuses)
    if filters.creditor_id is not None:
        messages = messages.filter(creditor_id=filters.creditor_id)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    if filters.since is not None:
        messages = messages.filter(created_at__gte=_day_start(filters.since, filters.zone))
    if filters.until is not None:
        end = _day_start(filters.until + timedelta(days=1), filters.zone)
        messages = messages.filter(created_at__lt=end)
    if with_rule and filters.rule:
        if filters.rule.endswith("."):
            messages = messages.filter(policy_rule__startswith=filters.rule)
        else:
            messages = messages.filter(policy_rule=filters.rule)
    return messages.order_by("-created_at", "-id")


def counts_by_rule(filters: BlockedFilter) -> list[tuple[RuleDescription, int]]:
    """How many refused messages each rule accounts for in the period (the rule filter aside),
    most frequent first; cancelled messages without a rule are counted under ``""``."""
    rows = (
        refused_messages(filters, with_rule=False)
        .order_by()
        .values("policy_rule")
        .annotate(total=Count("id"))
        .order_by("-total", "policy_rule")
    )
    return [(describe_rule(row["policy_rule"]), row["total"]) for row in rows]


def decisions_now(messages: Iterable[Message], *, at: datetime) -> dict[int, Decision]:
    """What the policy says about each message if it were sent at ``at`` (the next allowed time
    of a blocked one), by message id, reading the inputs of all of them in a fixed number of
    queries. Messages without a customer, or of a country the policy does not know, are left
    out; when the inputs cannot be read at all (a creditor's invalid limits), all of them are."""
    from recaudo.policy.context import contact_requests_for_messages
    from recaudo.policy.decide import decide

    try:
        requests = contact_requests_for_messages(
            [message for message in messages if message.customer_id is not None], at=at
        )
    except (ValueError, KeyError):  # a creditor's limits or a zone the policy cannot read
        return {}
    found: dict[int, Decision] = {}
    for message_id, request in requests.items():
        try:
            found[message_id] = decide(request)
        except (UnknownJurisdiction, ValueError, KeyError):  # unknown country or zone
            continue
    return found


def reasons_of(message: Message) -> list[str]:
    """The reasons stored with a refused message, as a list of texts (the error of a cancelled
    one when it has none)."""
    reasons: Any = message.policy_reasons
    if isinstance(reasons, str):
        reasons = [reasons]
    texts = [str(reason) for reason in reasons or [] if reason]
    if not texts and message.error:
        texts = [message.error]
    return texts
