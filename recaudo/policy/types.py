"""The contact policy's request and decision: plain values, no Django, so scripts and the
vectorised planner can build them as cheaply as the worker does."""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

OUTBOUND = "outbound"
INBOUND = "inbound"

RECIPIENT_ROLES = ("debtor", "co_debtor", "guarantor", "reference", "third_party")


@dataclass(frozen=True)
class Interaction:
    """One past contact from the interaction log, as the frequency rules count it."""

    at: datetime
    channel: str
    direction: str = OUTBOUND
    # False for a call that never connected (busy, network error): Reg F does not count it.
    connected: bool = True
    # A two-way exchange with the right party about the debt (a "direct contact" in Colombia,
    # a "telephone conversation" in Reg F, an effective phone contact in Chile).
    conversation: bool = False
    debt_id: str | None = None
    recipient_role: str = "debtor"
    # An outbound answer to something the customer asked (a reply, a receipt, the opt-out
    # confirmation): not a collector's attempt for any cap (compliance.md §2.6).
    initiated_by_customer: bool = False


@dataclass(frozen=True)
class CreditorLimits:
    """The creditor's own limits, stricter than the law; None means "no extra limit"."""

    max_per_day: int | None = None
    max_per_week: int | None = None
    hours_start: time | None = None
    hours_end: time | None = None
    allow_sundays_and_holidays: bool = True


@dataclass(frozen=True)
class ContactRequest:
    """May we contact this person, on this channel, at this instant?"""

    jurisdiction: str
    timezones: tuple[str, ...]
    at: datetime
    channel: str
    recipient_role: str = "debtor"
    debt_id: str | None = None
    initiated_by_customer: bool = False
    # None: the customer never stated which channels they authorise (default-deny countries
    # then refuse every channel; default-allow countries allow all).
    authorised_channels: tuple[str, ...] | None = None
    opted_out_channels: tuple[str, ...] = ()
    holds: tuple[str, ...] = ()
    history: tuple[Interaction, ...] = ()
    # The customer's own choice: channels they prefer (empty: no preference) and the hours
    # (local time) they want to be contacted in.
    preferred_channels: tuple[str, ...] = ()
    preferred_hours: tuple[time, time] | None = None
    creditor_limits: CreditorLimits = field(default_factory=CreditorLimits)
    # Why we write: "dunning" (collection reminders, the default), "reply" (answering the
    # customer), "promise_reminder" or "transactional" (receipts, confirmations).
    purpose: str = "dunning"
    # Coherent follow-up: an active promise or plan on track pauses dunning until this instant;
    # a settled debt stops it altogether.
    paused_until: datetime | None = None
    debt_settled: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    source: str
    reasons: tuple[str, ...]
    next_allowed_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "rule": self.rule,
            "source": self.source,
            "reasons": list(self.reasons),
            "next_allowed_at": (
                self.next_allowed_at.isoformat() if self.next_allowed_at is not None else None
            ),
        }
