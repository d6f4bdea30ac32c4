"""Holds, roles, coherence, consent and opt-outs, the creditor's limits and the customer's choices."""

from dataclasses import replace
from datetime import time

import pytest
from django.utils import translation

from recaudo.policy.decide import decide
from recaudo.policy.jurisdictions import HOLD_KINDS, JURISDICTIONS, UnknownJurisdiction
from recaudo.policy.types import INBOUND, CreditorLimits
from tests.policy.helpers import MONDAY, SUNDAY, TUESDAY, event, local, request

ALL = sorted(JURISDICTIONS)


@pytest.mark.parametrize("jurisdiction", ALL)
@pytest.mark.parametrize("role", ["reference", "third_party"])
def test_references_and_third_parties_never(jurisdiction: str, role: str) -> None:
    decision = decide(request(jurisdiction, f"{MONDAY} 12:00", recipient_role=role))
    assert (decision.allowed, decision.rule) == (False, f"{jurisdiction}.recipient_role")
    assert decision.next_allowed_at is None


@pytest.mark.parametrize("jurisdiction", ALL)
@pytest.mark.parametrize("role", ["co_debtor", "guarantor"])
def test_co_debtors_and_guarantors_under_the_same_conditions(jurisdiction: str, role: str) -> None:
    assert decide(request(jurisdiction, f"{MONDAY} 12:00", recipient_role=role)).allowed


@pytest.mark.parametrize("hold", HOLD_KINDS)
def test_holds_stop_everything(hold: str) -> None:
    decision = decide(request("MX", f"{MONDAY} 12:00", holds=(hold,)))
    assert (decision.allowed, decision.rule, decision.next_allowed_at) == (
        False,
        f"hold.{hold}",
        None,
    )


def test_holds_come_before_everything_else() -> None:
    decision = decide(
        request("CO", f"{SUNDAY} 03:00", recipient_role="reference", holds=("attorney",))
    )
    assert decision.rule == "hold.attorney"


@pytest.mark.parametrize(
    ("jurisdiction", "hold", "source_part"),
    [
        ("US", "attorney", "1006.6(b)(2)"),
        ("US", "cease_request", "1006.6(c)"),
        ("US", "dispute", "1006.38"),
        ("CL", "lawsuit_served", "art. 37"),
        ("CO", "deceased", "compliance.md"),
    ],
)
def test_hold_sources(jurisdiction: str, hold: str, source_part: str) -> None:
    decision = decide(request(jurisdiction, f"{MONDAY} 12:00", holds=(hold,)))
    assert source_part in decision.source


@pytest.mark.parametrize(
    ("fields", "allowed", "rule"),
    [
        ({"debt_settled": True}, False, "coherence.debt_settled"),
        ({"debt_settled": True, "purpose": "transactional"}, True, "MX.allowed"),
        ({"holds": ("settled",), "purpose": "reply"}, True, "MX.allowed"),
        ({"paused_until": "2026-03-12 00:00"}, False, "coherence.promise_pause"),
        ({"paused_until": "2026-03-12 00:00", "purpose": "promise_reminder"}, True, "MX.allowed"),
        ({"paused_until": "2026-03-09 11:00"}, True, "MX.allowed"),
    ],
)
def test_coherent_follow_up(fields: dict[str, object], allowed: bool, rule: str) -> None:
    if isinstance(fields.get("paused_until"), str):
        fields["paused_until"] = local(str(fields["paused_until"]), "America/Mexico_City")
    decision = decide(request("MX", f"{MONDAY} 12:00", **fields))
    assert (decision.allowed, decision.rule) == (allowed, rule)


def test_a_paused_dunning_resumes_at_the_next_window_after_the_promise() -> None:
    decision = decide(
        request("CO", f"{MONDAY} 12:00", paused_until=local("2026-03-12 00:00", "America/Bogota"))
    )
    assert decision.next_allowed_at == local("2026-03-12 07:00", "America/Bogota")


# --- Consent: Colombia default-deny; the rest default-allow, honouring opt-outs ---


@pytest.mark.parametrize(
    ("jurisdiction", "authorised", "channel", "allowed", "rule"),
    [
        ("CO", None, "sms", False, "CO.authorised_channels"),
        ("CO", ("email",), "sms", False, "CO.authorised_channels"),
        ("CO", ("email",), "email", True, "CO.allowed"),
        ("MX", None, "sms", True, "MX.allowed"),
        ("US", None, "voice", True, "US.allowed"),
        ("PE", ("email",), "sms", True, "PE.allowed"),
    ],
)
def test_channel_authorisation(
    jurisdiction: str, authorised: tuple[str, ...] | None, channel: str, allowed: bool, rule: str
) -> None:
    decision = decide(
        request(jurisdiction, f"{MONDAY} 12:00", channel, authorised_channels=authorised)
    )
    assert (decision.allowed, decision.rule) == (allowed, rule)
    if not allowed:
        assert decision.next_allowed_at is None


def test_colombia_answers_a_conversation_the_customer_started_on_an_unauthorised_channel() -> None:
    decision = decide(
        request("CO", f"{MONDAY} 12:00", "whatsapp", authorised_channels=None, purpose="reply")
    )
    assert decision.allowed


@pytest.mark.parametrize("jurisdiction", ALL)
def test_opt_outs_everywhere(jurisdiction: str) -> None:
    decision = decide(request(jurisdiction, f"{MONDAY} 12:00", opted_out_channels=("sms",)))
    assert (decision.allowed, decision.rule) == (False, f"{jurisdiction}.opt_out")
    other = decide(request(jurisdiction, f"{MONDAY} 12:00", "email", opted_out_channels=("sms",)))
    assert other.allowed


@pytest.mark.parametrize(
    ("jurisdiction", "history", "allowed"),
    [
        ("US", [event("US", f"{MONDAY} 09:00", direction=INBOUND)], True),
        (
            "US",
            [
                event("US", f"{MONDAY} 09:00", direction=INBOUND),
                event("US", f"{MONDAY} 09:05"),
            ],
            False,
        ),
        ("US", [], False),
        ("CO", [event("CO", f"{MONDAY} 09:00", direction=INBOUND)], False),
    ],
    ids=["US answers once", "US already answered", "US nothing to answer", "CO opt-out wins"],
)
def test_answering_once_on_an_opted_out_medium(
    jurisdiction: str, history: list[object], allowed: bool
) -> None:
    decision = decide(
        request(
            jurisdiction,
            f"{MONDAY} 12:00",
            opted_out_channels=("sms",),
            initiated_by_customer=True,
            history=tuple(history),
        )
    )
    assert decision.allowed is allowed


# --- The creditor's own limits ---


@pytest.mark.parametrize(
    ("jurisdiction", "when", "limits", "history", "rule"),
    [
        ("CO", f"{MONDAY} 08:30", CreditorLimits(hours_start=time(9)), [], "creditor.hours"),
        ("CO", f"{MONDAY} 17:00", CreditorLimits(hours_end=time(17)), [], "creditor.hours"),
        ("CO", f"{MONDAY} 09:00", CreditorLimits(hours_start=time(9)), [], "CO.allowed"),
        (
            "MX",
            f"{SUNDAY} 12:00",
            CreditorLimits(allow_sundays_and_holidays=False),
            [],
            "creditor.sundays_and_holidays",
        ),
        (
            "MX",
            "2026-03-16 12:00",
            CreditorLimits(allow_sundays_and_holidays=False),
            [],
            "creditor.sundays_and_holidays",
        ),
        (
            "MX",
            f"{MONDAY} 12:00",
            CreditorLimits(max_per_day=1),
            [event("MX", f"{MONDAY} 08:00")],
            "creditor.max_per_day",
        ),
        (
            "MX",
            f"{MONDAY} 12:00",
            CreditorLimits(max_per_week=2),
            [event("MX", "2026-03-04 08:00"), event("MX", "2026-03-06 08:00")],
            "creditor.max_per_week",
        ),
        (
            "MX",
            f"{MONDAY} 12:00",
            CreditorLimits(max_per_week=2),
            [event("MX", "2026-03-01 08:00"), event("MX", "2026-03-06 08:00")],
            "MX.allowed",
        ),
    ],
)
def test_creditor_limits(
    jurisdiction: str, when: str, limits: CreditorLimits, history: list[object], rule: str
) -> None:
    decision = decide(request(jurisdiction, when, creditor_limits=limits, history=tuple(history)))
    assert decision.rule == rule
    assert decision.allowed is rule.endswith(".allowed")


def test_creditor_hours_next_allowed() -> None:
    decision = decide(
        request("CO", f"{MONDAY} 08:30", creditor_limits=CreditorLimits(hours_start=time(9)))
    )
    assert decision.next_allowed_at == local(f"{MONDAY} 09:00", "America/Bogota")


def test_creditor_hours_that_never_meet_the_law_are_never_allowed() -> None:
    limits = CreditorLimits(hours_start=time(20), hours_end=time(22))
    decision = decide(request("CO", f"{MONDAY} 12:00", creditor_limits=limits))
    assert not decision.allowed
    assert decision.next_allowed_at is None


# --- The customer's choices ---


def test_preferred_channels() -> None:
    decision = decide(request("MX", f"{MONDAY} 12:00", "sms", preferred_channels=("whatsapp",)))
    assert (decision.allowed, decision.rule, decision.next_allowed_at) == (
        False,
        "customer.preferred_channels",
        None,
    )
    assert "whatsapp" in decision.reasons[0]
    preferred = request("MX", f"{MONDAY} 12:00", "whatsapp", preferred_channels=("whatsapp",))
    assert decide(preferred).allowed


@pytest.mark.parametrize(
    ("when", "hours", "allowed", "next_allowed"),
    [
        (f"{MONDAY} 10:00", (time(18), time(20)), False, f"{MONDAY} 18:00"),
        (f"{MONDAY} 18:00", (time(18), time(20)), True, f"{MONDAY} 18:00"),
        (f"{MONDAY} 20:00", (time(18), time(20)), False, f"{TUESDAY} 18:00"),
        # Preferred hours outside the law's window: the law wins, so never.
        (f"{MONDAY} 10:00", (time(22), time(23)), False, None),
    ],
)
def test_preferred_hours(
    when: str, hours: tuple[time, time], allowed: bool, next_allowed: str | None
) -> None:
    decision = decide(request("CO", when, preferred_hours=hours))
    assert decision.allowed is allowed
    expected = None if next_allowed is None else local(next_allowed, "America/Bogota")
    assert decision.next_allowed_at == expected


def test_decision_as_json() -> None:
    decision = decide(request("CO", f"{SUNDAY} 10:00"))
    assert decision.as_json() == {
        "allowed": False,
        "rule": "CO.days",
        "source": "Ley 2300 de 2023, art. 3: Monday to Saturday",
        "reasons": list(decision.reasons),
        "next_allowed_at": "2026-03-16T07:00:00-05:00",
    }


def test_unknown_jurisdiction() -> None:
    with pytest.raises(UnknownJurisdiction, match="CO, MX"):
        decide(replace(request("CO", f"{MONDAY} 10:00"), jurisdiction="XX"))


def test_reasons_in_spanish() -> None:
    with translation.override("es"):
        decision = decide(request("CO", f"{SUNDAY} 10:00"))
    assert decision.reasons == (
        "No se contacta el domingo en Colombia (2026-03-15, America/Bogota).",
    )


def test_reasons_in_english() -> None:
    with translation.override("en"):
        decision = decide(request("CO", f"{SUNDAY} 10:00"))
    assert decision.reasons == ("No contact on Sunday in Colombia (2026-03-15, America/Bogota).",)


def test_no_cap_looks_back_further_than_the_history_decide_keeps() -> None:
    from recaudo.policy.rules import LOOKBACK

    longest = max(max(cap.days, cap.gap.days + 1) for j in JURISDICTIONS.values() for cap in j.caps)
    assert LOOKBACK.days > longest


def test_every_rule_id_is_unique_and_sourced() -> None:
    specs = [spec for j in JURISDICTIONS.values() for spec in j.rule_specs()]
    assert len({spec.rule for spec in specs}) == len(specs)
    assert all(spec.source and spec.confidence in {"high", "medium", "low"} for spec in specs)


def test_a_wall_time_is_not_an_instant() -> None:
    naive = replace(
        request("CO", f"{MONDAY} 10:00"), at=local(f"{MONDAY} 10:00", "UTC").replace(tzinfo=None)
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(naive)


# --- Live replies: the assistant answering the customer's own message ------------------------


def _live(when: str, *, said_at: str, channel: str = "whatsapp", **fields: object) -> object:
    return request(
        "CO",
        when,
        channel,
        purpose="reply",
        initiated_by_customer=True,
        history=(event("CO", said_at, channel, direction=INBOUND, initiated_by_customer=True),),
        **fields,
    )


@pytest.mark.parametrize(
    "when",
    [f"{SUNDAY} 23:10", f"{MONDAY} 05:30", "2026-12-08 22:00"],  # Sunday, dawn, a holiday
)
def test_a_live_reply_is_not_held_by_days_hours_or_holidays(when: str) -> None:
    decision = decide(_live(when, said_at=when))
    assert decision.allowed
    assert decision.rule == "CO.live_reply"


def test_a_reply_the_customer_did_not_ask_for_recently_waits_for_the_window() -> None:
    decision = decide(_live(f"{MONDAY} 23:10", said_at=f"{MONDAY} 22:30"))
    assert not decision.allowed
    assert decision.rule.startswith("CO.")
    assert decision.next_allowed_at is not None


def test_a_message_on_another_channel_does_not_make_a_live_reply() -> None:
    live = _live(f"{MONDAY} 23:10", said_at=f"{MONDAY} 23:05", channel="whatsapp")
    decision = decide(replace(live, channel="sms"))  # type: ignore[type-var]
    assert not decision.allowed


def test_a_live_reply_answers_on_an_opted_out_channel_but_not_past_a_lawsuit() -> None:
    opted_out = _live(
        f"{MONDAY} 23:10", said_at=f"{MONDAY} 23:05", opted_out_channels=("whatsapp",)
    )
    assert decide(opted_out).rule == "CO.live_reply"
    sued = _live(f"{MONDAY} 23:10", said_at=f"{MONDAY} 23:05", holds=("lawsuit_served",))
    assert not decide(sued).allowed


def test_a_dunning_message_on_an_opted_out_channel_is_still_refused() -> None:
    dunning = request(
        "CO",
        f"{MONDAY} 10:10",
        "whatsapp",
        opted_out_channels=("whatsapp",),
        history=(event("CO", f"{MONDAY} 10:05", "whatsapp", direction=INBOUND),),
    )
    assert not decide(dunning).allowed


def test_a_live_reply_acknowledges_a_dispute() -> None:
    disputing = _live(f"{MONDAY} 23:10", said_at=f"{MONDAY} 23:05", holds=("dispute",))
    assert decide(disputing).allowed
