"""Reads on a customer's contact points and consent, used by more than one caller (the
reminders and plan terms in ``debts``, receipts in ``payments``, the self-service page and the
assistant)."""

from collections.abc import Iterable

from recaudo.customers.models import (
    CHANNELS_BY_MEDIUM,
    Consent,
    ConsentPurpose,
    ContactPoint,
    ContactPointStatus,
    ContactRole,
    Customer,
    Medium,
)


def consents_in_force(points: Iterable[ContactPoint]) -> dict[tuple[int, str], bool]:
    """``{(contact point id, channel): granted}`` of the consent in force for collections (the
    newest row) on each of ``points``; a pair with no row is missing (nothing was said). One
    query."""
    ids = [point.pk for point in points]
    latest: dict[tuple[int, str], bool] = {}
    if not ids:
        return latest
    rows = (
        Consent.objects.filter(contact_point__in=ids, purpose=ConsentPurpose.COLLECTIONS)
        .order_by("-at", "-id")
        .values_list("contact_point_id", "channel", "granted")
    )
    for point_id, channel, granted in rows:
        latest.setdefault((point_id, channel), granted)
    return latest


def consent_in_force(point: ContactPoint, channel: str) -> bool | None:
    """True (granted), False (withdrawn) or None (nothing said) for collections on ``channel``
    through ``point``."""
    return consents_in_force([point]).get((point.pk, channel))


def carriers(customer: Customer, channel: str) -> list[ContactPoint]:
    """The customer's own active contact points that carry ``channel``, the verified and
    newest first."""
    media = [medium for medium, channels in CHANNELS_BY_MEDIUM.items() if channel in channels]
    return list(
        customer.contact_points.filter(
            medium__in=media, status=ContactPointStatus.ACTIVE, role=ContactRole.DEBTOR
        ).order_by("-verified", "-created_at", "-id")
    )


def reachable_contact_point(customer: Customer, channel: str) -> ContactPoint | None:
    """The customer's first carrier of ``channel`` (see ``carriers``) whose consent in force
    for it is not a withdrawal (the contact policy still decides at sending time)."""
    points = carriers(customer, channel)
    latest = consents_in_force(points)
    return next((point for point in points if latest.get((point.pk, channel), True)), None)


def email_on_file(customer: Customer) -> ContactPoint | None:
    """The customer's own active e-mail address (never a co-debtor's or a reference's), the
    verified and newest first."""
    return (
        customer.contact_points.filter(
            medium=Medium.EMAIL, status=ContactPointStatus.ACTIVE, role=ContactRole.DEBTOR
        )
        .order_by("-verified", "-created_at", "-id")
        .first()
    )


def accepted_channels(customer: Customer, channels: Iterable[str]) -> list[str]:
    """Of ``channels``, those an active contact point of the customer carries without a
    withdrawal in force for it (consent granted, or nothing said): where we may still write.
    Two queries."""
    wanted = list(dict.fromkeys(channels))
    points = list(
        customer.contact_points.filter(
            status=ContactPointStatus.ACTIVE, role=ContactRole.DEBTOR
        ).order_by("id")
    )
    latest = consents_in_force(points)
    return [
        channel
        for channel in wanted
        if any(
            channel in CHANNELS_BY_MEDIUM.get(point.medium, ())
            and latest.get((point.pk, channel), True)
            for point in points
        )
    ]
