"""Reads of the access audit log (``AuditEntry``) for the compliance officer's screen and export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

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
