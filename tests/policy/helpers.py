"""Builders for policy requests: local wall-clock times in a zone, every field defaulted."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from recaudo.policy.jurisdictions import CHANNELS, JURISDICTIONS
from recaudo.policy.types import ContactRequest, Interaction

MONDAY = "2026-03-09"  # a week without holidays in any jurisdiction, after the US DST change
TUESDAY = "2026-03-10"
WEDNESDAY = "2026-03-11"
FRIDAY = "2026-03-13"
SATURDAY = "2026-03-14"
SUNDAY = "2026-03-15"


def zone_of(jurisdiction: str) -> str:
    return JURISDICTIONS[jurisdiction].default_timezone


def local(text: str, zone: str) -> datetime:
    """``"2026-03-09 10:00"`` as wall-clock time in ``zone``; a trailing Z or offset is kept."""
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(zone))


def request(jurisdiction: str, when: str, channel: str = "sms", **fields: Any) -> ContactRequest:
    zones = fields.pop("timezones", (zone_of(jurisdiction),))
    # Colombia only allows authorised channels: authorise them all unless a test is about it.
    fields.setdefault("authorised_channels", CHANNELS)
    return ContactRequest(
        jurisdiction=jurisdiction,
        timezones=tuple(zones),
        at=local(when, zones[0]),
        channel=channel,
        **fields,
    )


def event(jurisdiction: str, when: str, channel: str = "sms", **fields: Any) -> Interaction:
    zone = fields.pop("zone", zone_of(jurisdiction))
    return Interaction(at=local(when, zone), channel=channel, **fields)
