"""A policy request as JSON → ``ContactRequest``: one parser for ``recaudo policy check`` and the API.

Every error names the field (``history[2].at``) and says how to fix it.
"""

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from recaudo.policy.i18n import gettext as _
from recaudo.policy.jurisdictions import CHANNELS, HOLD_KINDS, JURISDICTIONS
from recaudo.policy.rules import PURPOSES, zone
from recaudo.policy.types import (
    INBOUND,
    OUTBOUND,
    RECIPIENT_ROLES,
    ContactRequest,
    CreditorLimits,
    Interaction,
)

REQUEST_FIELDS = (
    "jurisdiction",
    "timezones",
    "at",
    "channel",
    "recipient_role",
    "debt_id",
    "initiated_by_customer",
    "authorised_channels",
    "opted_out_channels",
    "holds",
    "history",
    "purpose",
    "preferred_channels",
    "preferred_hours",
    "creditor_limits",
    "paused_until",
    "debt_settled",
)
HISTORY_FIELDS = (
    "at",
    "channel",
    "direction",
    "connected",
    "conversation",
    "debt_id",
    "recipient_role",
    "initiated_by_customer",
)
LIMIT_FIELDS = (
    "max_per_day",
    "max_per_week",
    "hours_start",
    "hours_end",
    "allow_sundays_and_holidays",
)


class PolicyRequestError(ValueError):
    """A field of a policy request is missing or wrong; ``message`` says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyRequestError(field, _("Send a JSON object."))
    return value


def _no_unknown(data: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in data:
        if key not in known:
            raise PolicyRequestError(
                f"{prefix}{key}",
                _("Unknown field; the fields are: %(fields)s.") % {"fields": ", ".join(known)},
            )


def _choice(value: Any, field: str, choices: tuple[str, ...] | Mapping[str, Any]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise PolicyRequestError(
            field, _("Use one of: %(choices)s.") % {"choices": ", ".join(choices)}
        )
    return value


def _choices(value: Any, field: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise PolicyRequestError(field, _('Send a list, e.g. ["sms"].'))
    return tuple(_choice(item, f"{field}[{index}]", choices) for index, item in enumerate(value))


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyRequestError(field, _("Send true or false."))
    return value


def _instant(value: Any, field: str) -> datetime:
    message = _('Send an ISO 8601 date and time with its offset, e.g. "2026-03-02T10:00:00-05:00".')
    if not isinstance(value, str):
        raise PolicyRequestError(field, message)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PolicyRequestError(field, message) from None
    if moment.tzinfo is None:
        raise PolicyRequestError(field, message)
    return moment


def _clock(value: Any, field: str) -> time:
    message = _('Send a local time as "HH:MM", e.g. "08:00".')
    if not isinstance(value, str):
        raise PolicyRequestError(field, message)
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise PolicyRequestError(field, message) from None


def _optional_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PolicyRequestError(field, _("Send text (or null)."))
    return str(value)


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyRequestError(field, _("Send a whole number, 0 or more (or null)."))
    return value


def _timezones(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise PolicyRequestError(
            field, _('Send a list of IANA time zones, e.g. ["America/Bogota"].')
        )
    for index, name in enumerate(value):
        if not _is_zone(name):
            raise PolicyRequestError(
                f"{field}[{index}]",
                _('Unknown time zone; use an IANA name such as "America/Bogota".'),
            )
    return tuple(value)


def _is_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def parse_interaction(value: Any, field: str) -> Interaction:
    data = _object(value, field)
    _no_unknown(data, HISTORY_FIELDS, f"{field}.")
    for required in ("at", "channel"):
        if required not in data:
            raise PolicyRequestError(f"{field}.{required}", _("This field is required."))
    return Interaction(
        at=_instant(data["at"], f"{field}.at"),
        channel=_choice(data["channel"], f"{field}.channel", CHANNELS),
        direction=_choice(
            data.get("direction", OUTBOUND), f"{field}.direction", (OUTBOUND, INBOUND)
        ),
        connected=_bool(data.get("connected", True), f"{field}.connected"),
        conversation=_bool(data.get("conversation", False), f"{field}.conversation"),
        debt_id=_optional_text(data.get("debt_id"), f"{field}.debt_id"),
        recipient_role=_choice(
            data.get("recipient_role", "debtor"), f"{field}.recipient_role", RECIPIENT_ROLES
        ),
        initiated_by_customer=_bool(
            data.get("initiated_by_customer", False), f"{field}.initiated_by_customer"
        ),
    )


def parse_creditor_limits(value: Any, field: str = "creditor_limits") -> CreditorLimits:
    """Creditor limits from JSON (also ``Creditor.contact_limits``); missing keys: no limit."""
    if value is None:
        return CreditorLimits()
    data = _object(value, field)
    _no_unknown(data, LIMIT_FIELDS, f"{field}.")
    start, end = data.get("hours_start"), data.get("hours_end")
    return CreditorLimits(
        max_per_day=_count(data.get("max_per_day"), f"{field}.max_per_day"),
        max_per_week=_count(data.get("max_per_week"), f"{field}.max_per_week"),
        hours_start=None if start is None else _clock(start, f"{field}.hours_start"),
        hours_end=None if end is None else _clock(end, f"{field}.hours_end"),
        allow_sundays_and_holidays=_bool(
            data.get("allow_sundays_and_holidays", True),
            f"{field}.allow_sundays_and_holidays",
        ),
    )


def _preferred_hours(value: Any, field: str) -> tuple[time, time] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise PolicyRequestError(field, _('Send two local times, e.g. ["08:00", "12:00"].'))
    return _clock(value[0], f"{field}[0]"), _clock(value[1], f"{field}[1]")


def parse_request(value: Any) -> ContactRequest:
    """A ``ContactRequest`` from decoded JSON, or ``PolicyRequestError`` naming the bad field."""
    data = _object(value, "request")
    _no_unknown(data, REQUEST_FIELDS, "")
    for required in ("jurisdiction", "at", "channel"):
        if required not in data:
            raise PolicyRequestError(required, _("This field is required."))
    jurisdiction = _choice(data["jurisdiction"], "jurisdiction", JURISDICTIONS)
    timezones = data.get("timezones")
    authorised = data.get("authorised_channels")
    history = data.get("history", [])
    if not isinstance(history, list):
        raise PolicyRequestError("history", _("Send a list of past interactions."))
    paused_until = data.get("paused_until")
    return ContactRequest(
        jurisdiction=jurisdiction,
        timezones=(
            (JURISDICTIONS[jurisdiction].default_timezone,)
            if timezones is None
            else _timezones(timezones, "timezones")
        ),
        at=_instant(data["at"], "at"),
        channel=_choice(data["channel"], "channel", CHANNELS),
        recipient_role=_choice(
            data.get("recipient_role", "debtor"), "recipient_role", RECIPIENT_ROLES
        ),
        debt_id=_optional_text(data.get("debt_id"), "debt_id"),
        initiated_by_customer=_bool(
            data.get("initiated_by_customer", False), "initiated_by_customer"
        ),
        authorised_channels=(
            None if authorised is None else _choices(authorised, "authorised_channels", CHANNELS)
        ),
        opted_out_channels=_choices(
            data.get("opted_out_channels", []), "opted_out_channels", CHANNELS
        ),
        holds=_choices(data.get("holds", []), "holds", HOLD_KINDS),
        history=tuple(
            parse_interaction(item, f"history[{index}]") for index, item in enumerate(history)
        ),
        purpose=_choice(data.get("purpose", "dunning"), "purpose", PURPOSES),
        preferred_channels=_choices(
            data.get("preferred_channels", []), "preferred_channels", CHANNELS
        ),
        preferred_hours=_preferred_hours(data.get("preferred_hours"), "preferred_hours"),
        creditor_limits=parse_creditor_limits(data.get("creditor_limits")),
        paused_until=None if paused_until is None else _instant(paused_until, "paused_until"),
        debt_settled=_bool(data.get("debt_settled", False), "debt_settled"),
    )
