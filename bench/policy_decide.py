"""Microseconds per ``decide()`` call: ``.venv/bin/python bench/policy_decide.py`` (no Django needed).

Prints the figure for typical requests: allowed with a short history, refused at night (the
next allowed time is searched), refused by a cap, and two candidate time zones.
"""

import platform
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from recaudo.policy.decide import decide
from recaudo.policy.types import ContactRequest, Interaction

BOGOTA = ZoneInfo("America/Bogota")
NEW_YORK = ZoneInfo("America/New_York")


def _history(zone: ZoneInfo, channel: str, days: int) -> tuple[Interaction, ...]:
    """One event a day at 09:00, the last one today."""
    start = datetime(2026, 3, 9, 9, tzinfo=zone)
    return tuple(
        Interaction(at=start - timedelta(days=day), channel=channel, debt_id="D1")
        for day in range(days)
    )


def scenarios() -> dict[str, ContactRequest]:
    colombia = ContactRequest(
        jurisdiction="CO",
        timezones=("America/Bogota",),
        at=datetime(2026, 3, 9, 10, tzinfo=BOGOTA),
        channel="sms",
        authorised_channels=("sms", "whatsapp"),
        history=_history(BOGOTA, "sms", 11)[1:],  # none today
    )
    return {
        "CO allowed, 10 past events": colombia,
        "CO refused at 22:00 (next allowed searched)": ContactRequest(
            **(colombia.__dict__ | {"at": datetime(2026, 3, 9, 22, tzinfo=BOGOTA)})
        ),
        "US 8th call refused (next allowed searched)": ContactRequest(
            jurisdiction="US",
            timezones=("America/New_York", "America/Los_Angeles"),
            at=datetime(2026, 3, 9, 15, tzinfo=NEW_YORK),
            channel="voice",
            debt_id="D1",
            history=_history(NEW_YORK, "voice", 7),
        ),
        "US allowed, two zones": ContactRequest(
            jurisdiction="US",
            timezones=("America/New_York", "America/Los_Angeles"),
            at=datetime(2026, 3, 9, 15, tzinfo=NEW_YORK),
            channel="sms",
            debt_id="D1",
            history=_history(NEW_YORK, "voice", 3),
        ),
    }


def measure(request: ContactRequest, calls: int = 20_000) -> float:
    decide(request)  # warm the caches (zones, holiday sets)
    started = time.perf_counter()
    for _ in range(calls):
        decide(request)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    print(
        f"decide() on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {platform.processor() or 'cpu'}"
    )
    for name, request in scenarios().items():
        print(f"{measure(request):8.1f} µs/call  {name}")


if __name__ == "__main__":
    main()
