"""Days, hours, holidays and time zones, per jurisdiction: table-driven, no clock."""

from datetime import date

import pytest

from recaudo.policy.decide import decide
from recaudo.policy.jurisdictions import JURISDICTIONS, holiday_dates
from tests.policy.helpers import FRIDAY, MONDAY, SATURDAY, SUNDAY, local, request

ALLOWED = None

# (jurisdiction, local time in its default zone, rule that refuses or None when allowed)
WINDOW_EDGES = [
    ("CO", f"{MONDAY} 06:59", "CO.hours"),
    ("CO", f"{MONDAY} 07:00", ALLOWED),
    ("CO", f"{MONDAY} 18:59", ALLOWED),
    ("CO", f"{MONDAY} 19:00", "CO.hours"),
    ("CO", f"{SATURDAY} 07:59", "CO.hours"),
    ("CO", f"{SATURDAY} 08:00", ALLOWED),
    ("CO", f"{SATURDAY} 14:59", ALLOWED),
    ("CO", f"{SATURDAY} 15:00", "CO.hours"),
    ("CO", f"{SUNDAY} 10:00", "CO.days"),
    ("MX", f"{MONDAY} 06:59", "MX.hours"),
    ("MX", f"{MONDAY} 07:00", ALLOWED),
    ("MX", f"{MONDAY} 21:59", ALLOWED),
    ("MX", f"{MONDAY} 22:00", "MX.hours"),
    ("MX", f"{SATURDAY} 10:00", ALLOWED),
    ("MX", f"{SUNDAY} 10:00", ALLOWED),
    ("CL", f"{MONDAY} 07:59", "CL.hours"),
    ("CL", f"{MONDAY} 08:00", ALLOWED),
    ("CL", f"{MONDAY} 19:59", ALLOWED),
    ("CL", f"{MONDAY} 20:00", "CL.hours"),
    ("CL", f"{SATURDAY} 08:00", ALLOWED),
    ("CL", f"{SATURDAY} 19:59", ALLOWED),
    ("CL", f"{SUNDAY} 10:00", "CL.days"),
    ("PE", f"{MONDAY} 06:59", "PE.hours"),
    ("PE", f"{MONDAY} 07:00", ALLOWED),
    ("PE", f"{MONDAY} 19:59", ALLOWED),
    ("PE", f"{MONDAY} 20:00", "PE.hours"),
    ("PE", f"{SATURDAY} 10:00", "PE.days"),
    ("PE", f"{SUNDAY} 10:00", "PE.days"),
    ("EC", f"{MONDAY} 06:59", "EC.hours"),
    ("EC", f"{MONDAY} 07:00", ALLOWED),
    ("EC", f"{MONDAY} 19:59", ALLOWED),
    ("EC", f"{MONDAY} 20:00", "EC.hours"),
    ("EC", f"{SATURDAY} 10:00", "EC.days"),
    ("EC", f"{SUNDAY} 10:00", "EC.days"),
    ("AR", f"{MONDAY} 08:59", "AR.hours"),
    ("AR", f"{MONDAY} 09:00", ALLOWED),
    ("AR", f"{MONDAY} 19:59", ALLOWED),
    ("AR", f"{MONDAY} 20:00", "AR.hours"),
    ("AR", f"{SATURDAY} 09:00", ALLOWED),
    ("AR", f"{SATURDAY} 12:59", ALLOWED),
    ("AR", f"{SATURDAY} 13:00", "AR.hours"),
    ("AR", f"{SUNDAY} 10:00", "AR.days"),
    ("BR-SP", f"{MONDAY} 07:59", "BR-SP.hours"),
    ("BR-SP", f"{MONDAY} 08:00", ALLOWED),
    ("BR-SP", f"{MONDAY} 19:59", ALLOWED),
    ("BR-SP", f"{MONDAY} 20:00", "BR-SP.hours"),
    ("BR-SP", f"{SATURDAY} 13:59", ALLOWED),
    ("BR-SP", f"{SATURDAY} 14:00", "BR-SP.hours"),
    ("BR-SP", f"{SUNDAY} 10:00", "BR-SP.days"),
    ("BR-RJ", f"{MONDAY} 08:59", "BR-RJ.hours"),
    ("BR-RJ", f"{MONDAY} 09:00", ALLOWED),
    ("BR-RJ", f"{MONDAY} 18:59", ALLOWED),
    ("BR-RJ", f"{MONDAY} 19:00", "BR-RJ.hours"),
    ("BR-RJ", f"{SATURDAY} 10:00", "BR-RJ.days"),
    ("ES", f"{MONDAY} 08:59", "ES.hours"),
    ("ES", f"{MONDAY} 09:00", ALLOWED),
    ("ES", f"{MONDAY} 20:59", ALLOWED),
    ("ES", f"{MONDAY} 21:00", "ES.hours"),
    ("ES", f"{SATURDAY} 10:00", "ES.days"),
    ("US", f"{MONDAY} 07:59", "US.hours"),
    ("US", f"{MONDAY} 08:00", ALLOWED),
    ("US", f"{MONDAY} 20:59", ALLOWED),
    ("US", f"{MONDAY} 21:00", "US.hours"),
    ("US", f"{SUNDAY} 10:00", ALLOWED),
    ("US-MA", f"{MONDAY} 07:59", "US-MA.hours"),
    ("US-MA", f"{MONDAY} 08:00", ALLOWED),
    ("US-MA", f"{MONDAY} 21:00", "US-MA.hours"),
]


@pytest.mark.parametrize(("jurisdiction", "when", "rule"), WINDOW_EDGES)
def test_window_edges(jurisdiction: str, when: str, rule: str | None) -> None:
    decision = decide(request(jurisdiction, when))
    assert decision.allowed is (rule is None)
    assert decision.rule == (rule or f"{jurisdiction}.allowed")


@pytest.mark.parametrize(
    ("when", "allowed", "rule"),
    [
        (f"{MONDAY} 18:49", True, "CO.allowed"),
        (f"{MONDAY} 18:50", False, "CO.voice_buffer"),
        (f"{SATURDAY} 14:50", False, "CO.voice_buffer"),
    ],
)
def test_calls_stop_ten_minutes_before_the_window_closes(
    when: str, allowed: bool, rule: str
) -> None:
    decision = decide(request("CO", when, "voice"))
    assert (decision.allowed, decision.rule) == (allowed, rule)


def test_the_buffer_is_only_for_calls() -> None:
    assert decide(request("CO", f"{MONDAY} 18:55", "sms")).allowed


# Compliance.md section 5, 2026. Weekend holidays are refused by the day rule first.
COMPLIANCE_HOLIDAYS_2026 = {
    "CO": [
        "01-01",
        "05-01",
        "07-20",
        "08-07",
        "12-08",
        "12-25",
        "01-12",
        "03-23",
        "06-29",
        "08-17",
        "10-12",
        "11-02",
        "11-16",
        "04-02",
        "04-03",
        "05-18",
        "06-08",
        "06-15",
    ],
    "PE": [
        "01-01",
        "04-02",
        "04-03",
        "05-01",
        "06-07",
        "06-29",
        "07-23",
        "07-28",
        "07-29",
        "08-06",
        "08-30",
        "10-08",
        "11-01",
        "12-08",
        "12-09",
        "12-25",
    ],
    "CL": [
        "01-01",
        "04-03",
        "04-04",
        "05-01",
        "05-21",
        "06-21",
        "06-29",
        "07-16",
        "08-15",
        "09-18",
        "09-19",
        "10-12",
        "10-31",
        "11-01",
        "12-08",
        "12-25",
    ],
    "EC": ["02-16", "02-17", "04-03", "05-01", "08-10", "10-09", "11-02", "11-03", "12-25"],
    "BR-SP": ["04-21", "05-01", "09-07", "10-12", "11-02", "11-15", "11-20", "12-25"],
    "BR-RJ": ["04-21", "05-01", "09-07", "10-12", "11-02", "11-15", "11-20", "12-25"],
}
HOLIDAY_CASES = [
    (code, f"2026-{day}") for code, days in COMPLIANCE_HOLIDAYS_2026.items() for day in days
]


@pytest.mark.parametrize(("jurisdiction", "day"), HOLIDAY_CASES)
def test_holidays_of_compliance_md_are_in_the_calendar_and_refused(
    jurisdiction: str, day: str
) -> None:
    assert date.fromisoformat(day) in holiday_dates(jurisdiction, 2026)
    decision = decide(request(jurisdiction, f"{day} 10:00"))
    assert not decision.allowed
    assert decision.rule in {f"{jurisdiction}.holidays", f"{jurisdiction}.days"}


@pytest.mark.parametrize("day", ["2026-01-12", "2026-03-23", "2026-06-29", "2026-11-16"])
def test_colombian_holidays_moved_to_monday(day: str) -> None:
    assert date.fromisoformat(day).weekday() == 0
    decision = decide(request("CO", f"{day} 10:00"))
    assert decision.rule == "CO.holidays"
    # The next allowed time is Tuesday at 07:00.
    assert decision.next_allowed_at == local(f"{day} 07:00", "America/Bogota").replace(
        day=date.fromisoformat(day).day + 1
    )


def test_colombia_also_blocks_the_2026_holiday_the_research_list_lacks() -> None:
    # The holidays package has 13 July 2026 (Virgen de Chiquinquirá, moved to Monday), which
    # compliance.md section 5 does not list: the engine blocks it (the conservative reading).
    assert decide(request("CO", "2026-07-13 10:00")).rule == "CO.holidays"


@pytest.mark.parametrize("day", ["01-01", "02-02", "03-16", "05-01", "09-16", "11-16", "12-25"])
def test_mexican_holidays_do_not_block(day: str) -> None:
    assert date.fromisoformat(f"2026-{day}") in holiday_dates("MX", 2026)
    assert decide(request("MX", f"2026-{day} 10:00")).allowed


def test_us_holidays_do_not_block() -> None:
    assert decide(request("US", "2026-07-04 10:00")).allowed


@pytest.mark.parametrize("jurisdiction", ["ES", "AR"])
def test_policy_holidays(jurisdiction: str) -> None:
    assert decide(request(jurisdiction, "2026-05-01 10:00")).rule == f"{jurisdiction}.holidays"


def test_every_jurisdiction_marks_policy_rules() -> None:
    assert JURISDICTIONS["AR"].hours.policy and JURISDICTIONS["ES"].hours.policy
    assert not JURISDICTIONS["CO"].hours.policy


# Daylight saving: instants in UTC, so the zone conversion is what is tested.
DST_CASES = [
    # United States, spring forward on 2026-03-08 (EST -05:00 → EDT -04:00).
    ("US", "America/New_York", "2026-03-07T12:59:00Z", False),  # 07:59 EST
    ("US", "America/New_York", "2026-03-07T13:00:00Z", True),  # 08:00 EST
    ("US", "America/New_York", "2026-03-08T11:59:00Z", False),  # 07:59 EDT
    ("US", "America/New_York", "2026-03-08T12:00:00Z", True),  # 08:00 EDT
    ("US", "America/New_York", "2026-03-09T00:59:00Z", True),  # 20:59 EDT on the 8th
    ("US", "America/New_York", "2026-03-09T01:00:00Z", False),  # 21:00 EDT
    # Fall back on 2026-11-01 (EDT → EST).
    ("US", "America/New_York", "2026-10-31T11:59:00Z", False),  # 07:59 EDT
    ("US", "America/New_York", "2026-10-31T12:00:00Z", True),  # 08:00 EDT
    ("US", "America/New_York", "2026-11-01T12:59:00Z", False),  # 07:59 EST
    ("US", "America/New_York", "2026-11-01T13:00:00Z", True),  # 08:00 EST
    ("US", "America/New_York", "2026-11-02T01:59:00Z", True),  # 20:59 EST on the 1st
    ("US", "America/New_York", "2026-11-02T02:00:00Z", False),  # 21:00 EST
    # Chile: back to -04:00 on Sunday 2026-04-05, to -03:00 on Sunday 2026-09-06.
    ("CL", "America/Santiago", "2026-04-02T10:59:00Z", False),  # Thu 07:59 -03:00
    ("CL", "America/Santiago", "2026-04-02T11:00:00Z", True),  # Thu 08:00 -03:00
    ("CL", "America/Santiago", "2026-04-06T11:59:00Z", False),  # Mon 07:59 -04:00
    ("CL", "America/Santiago", "2026-04-06T12:00:00Z", True),  # Mon 08:00 -04:00
    ("CL", "America/Santiago", "2026-09-04T11:59:00Z", False),  # Fri 07:59 -04:00
    ("CL", "America/Santiago", "2026-09-04T12:00:00Z", True),  # Fri 08:00 -04:00
    ("CL", "America/Santiago", "2026-09-07T10:59:00Z", False),  # Mon 07:59 -03:00
    ("CL", "America/Santiago", "2026-09-07T11:00:00Z", True),  # Mon 08:00 -03:00
    # Spain: to CEST on Sunday 2026-03-29, back to CET on Sunday 2026-10-25.
    ("ES", "Europe/Madrid", "2026-03-27T07:59:00Z", False),  # Fri 08:59 CET
    ("ES", "Europe/Madrid", "2026-03-27T08:00:00Z", True),  # Fri 09:00 CET
    ("ES", "Europe/Madrid", "2026-03-30T06:59:00Z", False),  # Mon 08:59 CEST
    ("ES", "Europe/Madrid", "2026-03-30T07:00:00Z", True),  # Mon 09:00 CEST
    ("ES", "Europe/Madrid", "2026-10-26T07:59:00Z", False),  # Mon 08:59 CET
    ("ES", "Europe/Madrid", "2026-10-26T08:00:00Z", True),  # Mon 09:00 CET
    ("ES", "Europe/Madrid", "2026-10-26T19:59:00Z", True),  # Mon 20:59 CET
    ("ES", "Europe/Madrid", "2026-10-26T20:00:00Z", False),  # Mon 21:00 CET
]


@pytest.mark.parametrize(("jurisdiction", "zone", "instant", "allowed"), DST_CASES)
def test_daylight_saving_days(jurisdiction: str, zone: str, instant: str, allowed: bool) -> None:
    decision = decide(request(jurisdiction, instant, timezones=(zone,)))
    assert decision.allowed is allowed, decision.reasons


@pytest.mark.parametrize(
    ("jurisdiction", "zone", "sunday", "next_allowed"),
    [
        ("CL", "America/Santiago", "2026-04-05 12:00", "2026-04-06T08:00:00-04:00"),
        ("CL", "America/Santiago", "2026-09-06 12:00", "2026-09-07T08:00:00-03:00"),
        ("ES", "Europe/Madrid", "2026-03-29 12:00", "2026-03-30T09:00:00+02:00"),
        ("ES", "Europe/Madrid", "2026-10-25 12:00", "2026-10-26T09:00:00+01:00"),
    ],
)
def test_next_allowed_across_a_dst_change(
    jurisdiction: str, zone: str, sunday: str, next_allowed: str
) -> None:
    decision = decide(request(jurisdiction, sunday, timezones=(zone,)))
    assert decision.rule == f"{jurisdiction}.days"
    assert decision.next_allowed_at is not None
    assert decision.next_allowed_at.isoformat() == next_allowed


BOTH_COASTS = ("America/New_York", "America/Los_Angeles")


@pytest.mark.parametrize(
    ("new_york_time", "allowed"),
    [
        (f"{MONDAY} 10:59", False),  # 07:59 in Los Angeles
        (f"{MONDAY} 11:00", True),  # 08:00 in Los Angeles
        (f"{MONDAY} 20:59", True),  # 17:59 in Los Angeles
        (f"{MONDAY} 21:00", False),  # too late in New York
    ],
)
def test_conflicting_time_zones_must_all_allow(new_york_time: str, allowed: bool) -> None:
    decision = decide(request("US", new_york_time, timezones=BOTH_COASTS))
    assert decision.allowed is allowed


def test_conflicting_time_zones_next_allowed() -> None:
    decision = decide(request("US", f"{MONDAY} 09:00", timezones=BOTH_COASTS))
    assert decision.rule == "US.hours"
    assert "America/Los_Angeles" in decision.reasons[0]
    assert decision.next_allowed_at == local(f"{MONDAY} 11:00", "America/New_York")


@pytest.mark.parametrize(
    ("jurisdiction", "when", "next_allowed"),
    [
        ("CO", f"{MONDAY} 19:30", "2026-03-10T07:00:00-05:00"),
        ("CO", f"{SATURDAY} 16:00", "2026-03-16T07:00:00-05:00"),  # skips Sunday
        ("CO", "2026-03-22 10:00", "2026-03-24T07:00:00-05:00"),  # Sunday, then a holiday
        ("PE", f"{FRIDAY} 20:30", "2026-03-16T07:00:00-05:00"),
        ("US", f"{MONDAY} 06:00", "2026-03-09T08:00:00-04:00"),
        ("MX", f"{MONDAY} 23:00", "2026-03-10T07:00:00-06:00"),
    ],
)
def test_next_allowed_at(jurisdiction: str, when: str, next_allowed: str) -> None:
    decision = decide(request(jurisdiction, when))
    assert not decision.allowed
    assert decision.next_allowed_at is not None
    assert decision.next_allowed_at.isoformat() == next_allowed
