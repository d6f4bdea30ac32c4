"""Reads of the access audit log (``AuditEntry``) for the compliance officer's screen and export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from recaudo.staff.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Filters on the audit log; empty values mean any."""

    username: str = ""  # contains, case-insensitive
    action: str = ""
    customer: str = ""  # the customer's external id, document number or internal id
    creditor_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    zone: str = "UTC"  # the zone the dates are days of


def audit_entries(filters: AuditFilter) -> QuerySet[AuditEntry]:
    """Audit lines matching ``filters``, newest first, with their creditor, customer, account."""
    entries = AuditEntry.objects.select_related("creditor", "customer", "account")
    if filters.username:
        entries = entries.filter(username__icontains=filters.username.strip())
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.customer:
        text = filters.customer.strip()
        match = Q(customer__external_id=text) | Q(customer__document_number=text)
        if text.isdigit():
            match |= Q(customer_id=int(text))
        entries = entries.filter(match)
    if filters.creditor_id is not None:
        entries = entries.filter(creditor_id=filters.creditor_id)
    zone = ZoneInfo(filters.zone)
    if filters.since is not None:
        entries = entries.filter(at__gte=datetime.combine(filters.since, time(0), tzinfo=zone))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=zone)
        entries = entries.filter(at__lt=end)
    return entries.order_by("-at", "-id")


def _plain(value: Any, *, nested: bool = False) -> str:
    """A JSON value for people: no quotes, no Python ``None``/``True``, lists and objects
    spelled out (``name: x; weight: 50``)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        inner = "; ".join(
            f"{key}: {_plain(item, nested=isinstance(item, dict))}" for key, item in value.items()
        )
        return f"({inner})" if nested else inner
    if isinstance(value, list | tuple):
        inner = ", ".join(_plain(item, nested=True) for item in value)
        return f"[{inner}]" if nested else inner
    if value == "":
        return '""'
    return str(value)


def audit_detail_lines(detail: Any) -> list[str]:
    """An audit line's ``detail`` as lines for people: ``key: value`` (keys in alphabetical
    order, the same on every database), then one line per entry of ``changes``, ``field: before
    → after``; a change from or to nothing (``created``, ``removed``) shows only the side that
    exists. Empty detail: no lines."""
    if not detail:
        return []
    if not isinstance(detail, dict):
        return [_plain(detail)]
    lines = [f"{key}: {_plain(detail[key])}" for key in sorted(detail) if key != "changes"]
    changes = detail.get("changes")
    if isinstance(changes, dict):
        for field in sorted(changes):
            change = changes[field]
            if isinstance(change, list | tuple) and len(change) == 2:
                before, after = change
                if before is None and isinstance(after, dict):
                    lines.append(f"{field}: {_plain(after)}")
                elif after is None and isinstance(before, dict):
                    lines.append(f"{field}: {_plain(before)}")
                else:
                    lines.append(f"{field}: {_plain(before)} → {_plain(after)}")
            else:
                lines.append(f"{field}: {_plain(change)}")
    elif "changes" in detail:
        lines.append(f"changes: {_plain(changes)}")
    return lines
