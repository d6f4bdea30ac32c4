"""Frequency caps, each with its country's notion of an attempt, counted from the history."""

from datetime import datetime

import pytest

from recaudo.policy.decide import decide
from recaudo.policy.types import INBOUND, Interaction
from tests.policy.helpers import MONDAY, SATURDAY, TUESDAY, WEDNESDAY, event, local, request


def check(
    jurisdiction: str, when: str, channel: str, history: list[Interaction], **fields: object
) -> tuple[bool, str, datetime | None]:
    decision = decide(request(jurisdiction, when, channel, history=tuple(history), **fields))
    return decision.allowed, decision.rule, decision.next_allowed_at


# --- Colombia: 1 contact a day (every outbound attempt); one channel a week after a talk ---

CO_CASES = [
    ("nothing before", [], "sms", True, "CO.allowed"),
    ("an SMS this morning", [event("CO", f"{MONDAY} 08:00")], "email", False, "CO.one_per_day"),
    (
        "an unanswered call this morning counts",
        [event("CO", f"{MONDAY} 08:00", "voice", connected=False)],
        "sms",
        False,
        "CO.one_per_day",
    ),
    ("an SMS yesterday", [event("CO", "2026-03-08 18:00")], "sms", True, "CO.allowed"),
    (
        "our answer to the customer this morning is not an attempt",
        [event("CO", f"{MONDAY} 08:00", "whatsapp", initiated_by_customer=True)],
        "sms",
        True,
        "CO.allowed",
    ),
    (
        "the customer wrote this morning (inbound never counts)",
        [event("CO", f"{MONDAY} 08:00", direction=INBOUND)],
        "sms",
        True,
        "CO.allowed",
    ),
    (
        "a talk on WhatsApp 3 days ago: another channel waits",
        [event("CO", "2026-03-06 10:00", "whatsapp", conversation=True)],
        "voice",
        False,
        "CO.one_channel_per_week",
    ),
    (
        "a talk on WhatsApp 3 days ago: WhatsApp again is fine",
        [event("CO", "2026-03-06 10:00", "whatsapp", conversation=True)],
        "whatsapp",
        True,
        "CO.allowed",
    ),
    (
        "a talk on WhatsApp 7 days ago: the week is over",
        [event("CO", "2026-03-02 10:00", "whatsapp", conversation=True)],
        "voice",
        True,
        "CO.allowed",
    ),
    (
        "a guarantor's contact does not count for the debtor",
        [event("CO", f"{MONDAY} 08:00", recipient_role="guarantor")],
        "sms",
        True,
        "CO.allowed",
    ),
]


@pytest.mark.parametrize(
    ("history", "channel", "allowed", "rule"),
    [case[1:] for case in CO_CASES],
    ids=[case[0] for case in CO_CASES],
)
def test_colombia(history: list[Interaction], channel: str, allowed: bool, rule: str) -> None:
    assert check("CO", f"{MONDAY} 12:00", channel, history)[:2] == (allowed, rule)


def test_colombia_next_allowed_is_tomorrow_morning() -> None:
    result = check("CO", f"{MONDAY} 12:00", "sms", [event("CO", f"{MONDAY} 08:00")])
    assert result[2] == local(f"{TUESDAY} 07:00", "America/Bogota")


def test_colombia_second_channel_waits_a_full_rolling_week() -> None:
    talk = event("CO", "2026-03-06 10:00", "whatsapp", conversation=True)
    result = check("CO", f"{MONDAY} 12:00", "voice", [talk])
    assert result[2] == local("2026-03-13 10:00", "America/Bogota")


# --- Chile: 1 effective phone contact or visit a week; other media 2 a week, 48 h apart ---

CL_CASES = [
    (
        "SMS 2 days apart",
        [event("CL", f"{MONDAY} 10:00")],
        f"{WEDNESDAY} 10:00",
        "sms",
        True,
        "CL.allowed",
    ),
    (
        "SMS 1 day apart",
        [event("CL", f"{MONDAY} 10:00")],
        f"{TUESDAY} 10:00",
        "sms",
        False,
        "CL.other_media_48h",
    ),
    (
        "email 47 hours after an SMS",
        [event("CL", f"{MONDAY} 10:00")],
        f"{WEDNESDAY} 09:00",
        "email",
        False,
        "CL.other_media_48h",
    ),
    (
        # Clocks go forward on Sunday 6 September: 48 h by the wall clock is 47.5 h elapsed.
        "47.5 hours after an SMS, across the change to summer time",
        [event("CL", "2026-09-05 10:00")],
        "2026-09-07 10:30",
        "sms",
        False,
        "CL.other_media_48h",
    ),
    (
        "third message in a week",
        [event("CL", "2026-03-07 10:00"), event("CL", f"{MONDAY} 10:00")],
        f"{WEDNESDAY} 10:00",
        "email",
        False,
        "CL.other_media_per_week",
    ),
    (
        "a call does not count for other media",
        [event("CL", f"{MONDAY} 10:00", "voice", conversation=True)],
        f"{TUESDAY} 10:00",
        "sms",
        True,
        "CL.allowed",
    ),
    (
        "an effective call this week",
        [event("CL", f"{MONDAY} 10:00", "voice", conversation=True)],
        f"{WEDNESDAY} 10:00",
        "voice",
        False,
        "CL.phone_visit_per_week",
    ),
    (
        "a visit after an effective call",
        [event("CL", f"{MONDAY} 10:00", "voice", conversation=True)],
        f"{WEDNESDAY} 10:00",
        "visit",
        False,
        "CL.phone_visit_per_week",
    ),
    (
        "an unanswered call yesterday",
        [event("CL", f"{MONDAY} 10:00", "voice")],
        f"{TUESDAY} 10:00",
        "voice",
        True,
        "CL.allowed",
    ),
    (
        "an unanswered call this morning",
        [event("CL", f"{TUESDAY} 09:00", "voice")],
        f"{TUESDAY} 12:00",
        "voice",
        False,
        "CL.unanswered_calls_per_day",
    ),
    (
        "inbound SMS does not count",
        [event("CL", f"{TUESDAY} 09:00", direction=INBOUND)],
        f"{TUESDAY} 12:00",
        "sms",
        True,
        "CL.allowed",
    ),
]


@pytest.mark.parametrize(
    ("history", "when", "channel", "allowed", "rule"),
    [case[1:] for case in CL_CASES],
    ids=[case[0] for case in CL_CASES],
)
def test_chile(
    history: list[Interaction], when: str, channel: str, allowed: bool, rule: str
) -> None:
    assert check("CL", when, channel, history)[:2] == (allowed, rule)


def test_chile_next_sms_48_hours_later() -> None:
    result = check("CL", f"{TUESDAY} 10:00", "sms", [event("CL", f"{MONDAY} 10:00")])
    assert result[2] == local(f"{WEDNESDAY} 10:00", "America/Santiago")


def test_chile_third_message_waits_for_the_first_to_age_out() -> None:
    history = [event("CL", "2026-03-07 10:00"), event("CL", f"{MONDAY} 10:00")]
    result = check("CL", f"{WEDNESDAY} 10:00", "sms", history)
    assert result[2] == local("2026-03-14 10:00", "America/Santiago")


# --- Ecuador: 1 a day across channels ---


def test_ecuador_one_a_day_across_channels() -> None:
    history = [event("EC", f"{MONDAY} 08:00", "email")]
    assert check("EC", f"{MONDAY} 12:00", "sms", history)[:2] == (False, "EC.one_per_day")
    assert check("EC", f"{TUESDAY} 12:00", "sms", history)[:2] == (True, "EC.allowed")


# --- United States: Reg F 7-in-7 per debt, and 7 days after a telephone conversation ---


def calls(days: list[str], **fields: object) -> list[Interaction]:
    return [event("US", f"{day} 10:00", "voice", debt_id="D1", **fields) for day in days]


SEVEN_DAYS = [f"2026-03-{day:02d}" for day in range(3, 10)]  # Tue 3rd to Mon 9th


def test_us_eighth_call_in_seven_days_is_refused() -> None:
    allowed, rule, next_at = check(
        "US", f"{MONDAY} 15:00", "voice", calls(SEVEN_DAYS), debt_id="D1"
    )
    assert (allowed, rule) == (False, "US.calls_7_in_7")
    # The call of the 3rd leaves the 7-day period on the 10th: 08:00 that day.
    assert next_at == local(f"{TUESDAY} 08:00", "America/New_York")


@pytest.mark.parametrize(
    ("history", "fields", "allowed"),
    [
        (calls(SEVEN_DAYS[1:]), {"debt_id": "D1"}, True),  # only 6
        (calls(SEVEN_DAYS[:1], connected=False) + calls(SEVEN_DAYS[1:]), {"debt_id": "D1"}, True),
        (calls(SEVEN_DAYS), {"debt_id": "D2"}, True),  # another debt
        (calls(SEVEN_DAYS), {"debt_id": None}, False),  # unknown debt: counts them all
    ],
    ids=["six calls", "a call that never connected", "another debt", "debt unknown"],
)
def test_us_what_counts_as_a_call(
    history: list[Interaction], fields: dict[str, object], allowed: bool
) -> None:
    assert check("US", f"{MONDAY} 15:00", "voice", history, **fields)[0] is allowed


def test_us_texts_are_not_calls() -> None:
    assert check("US", f"{MONDAY} 15:00", "sms", calls(SEVEN_DAYS), debt_id="D1")[0]


@pytest.mark.parametrize(
    ("when", "allowed"),
    [
        ("2026-03-02 18:00", False),  # day 1, later the same day
        ("2026-03-08 20:00", False),  # day 7
        ("2026-03-09 08:00", True),  # day 8
    ],
)
def test_us_no_calls_for_seven_days_after_a_conversation(when: str, allowed: bool) -> None:
    # The customer called us (inbound) on Monday the 2nd: the conversation counts all the same.
    talk = event(
        "US", "2026-03-02 10:00", "voice", direction=INBOUND, conversation=True, debt_id="D1"
    )
    decision = check("US", when, "voice", [talk], debt_id="D1")
    assert decision[0] is allowed
    if not allowed:
        assert decision[1] == "US.call_after_conversation"
        assert decision[2] == local("2026-03-09 08:00", "America/New_York")


def test_us_massachusetts_two_calls_or_texts_per_seven_days() -> None:
    history = [
        event("US-MA", "2026-03-05 10:00", "sms", debt_id="D1"),
        event("US-MA", "2026-03-07 10:00", "voice", debt_id="D1", connected=False),
    ]
    refused = check("US-MA", f"{MONDAY} 10:00", "voice", history, debt_id="D1")
    assert refused[:2] == (False, "US-MA.two_per_7_days")
    assert refused[2] == local("2026-03-12 08:00", "America/New_York")
    assert check("US-MA", f"{MONDAY} 10:00", "email", history, debt_id="D1")[0]
    assert check("US", f"{MONDAY} 10:00", "voice", history, debt_id="D1")[0]


def test_replies_to_the_customer_are_not_capped() -> None:
    history = [event("CO", f"{MONDAY} 08:00")]
    decision = decide(
        request("CO", f"{MONDAY} 12:00", "sms", history=tuple(history), initiated_by_customer=True)
    )
    assert decision.allowed


def test_future_events_in_the_history_are_ignored() -> None:
    history = [event("CO", f"{SATURDAY} 08:00")]
    assert check("CO", f"{MONDAY} 12:00", "sms", history)[0]
