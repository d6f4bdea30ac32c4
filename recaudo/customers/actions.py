"""Writes on a customer's contact preferences and consent (append-only ``Consent`` rows).

The assistant, the self-service page and the console call these; the contact policy reads the
result (preferred channels and hours, the consent in force per contact point and channel).
"""

from collections.abc import Collection, Sequence
from datetime import time

from django.db import transaction
from django.utils import timezone

from recaudo.customers.models import (
    CHANNELS_BY_MEDIUM,
    Channel,
    Consent,
    ConsentPurpose,
    ContactPointStatus,
    Customer,
)
from recaudo.customers.queries import carriers, consents_in_force


def update_preferences(
    customer: Customer,
    *,
    accepted_channels: Sequence[str],
    preferred_channel: str = "",
    hours_start: time | None,
    hours_end: time | None,
    source: str,
    asked: Collection[str] | None = None,
) -> list[str]:
    """Record the customer's answer about how we may contact them; return the channels whose
    consent changed (an empty list when only the preferences changed, or nothing did).

    ``asked`` are the channels the customer answered about (default: ``accepted_channels``):
    of those, the ones in ``accepted_channels`` are accepted and the others refused. Consent is
    written only for a channel whose answer changed: a channel accepted now that was not (its
    consent in force is a withdrawal, or nothing, on every contact point that carries it) is
    granted on those contact points; one accepted before and refused now is withdrawn on every
    contact point (``opt_out``). A channel accepted before and still accepted writes nothing,
    so a phone that opted out of SMS stays out when the customer changes only the hours.

    ``preferred_channel`` (one of the accepted, or empty) goes first in
    ``Customer.preferred_channels``, then the other accepted ones. Both hours set the
    preferred window; neither clears it. One transaction; ``ValueError`` for unknown channels,
    a preferred channel not accepted, or a window that is not a window.
    """
    from recaudo.customers.queries import accepted_channels as accepted_now

    chosen = list(dict.fromkeys(accepted_channels))
    answered = set(asked if asked is not None else chosen) | set(chosen)
    unknown = sorted(channel for channel in answered if channel not in Channel.values)
    if unknown:
        raise ValueError(f"unknown channels: {', '.join(unknown)}")
    if preferred_channel and preferred_channel not in chosen:
        raise ValueError("the preferred channel must be one of the accepted channels")
    if (hours_start is None) != (hours_end is None):
        raise ValueError("give both hours_start and hours_end, or neither")
    if hours_start is not None and hours_end is not None and hours_start >= hours_end:
        raise ValueError("hours_start must be before hours_end")
    now = timezone.now()
    changed: list[str] = []
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = set(accepted_now(customer, answered))
        for channel in chosen:
            if channel in before:
                continue
            points = carriers(customer, channel)
            latest = consents_in_force(points)
            for point in points:
                if latest.get((point.pk, channel)) is True:
                    continue
                Consent.objects.create(
                    contact_point=point,
                    channel=channel,
                    purpose=ConsentPurpose.COLLECTIONS,
                    granted=True,
                    source=source,
                    at=now,
                )
            if points:
                changed.append(channel)
        refused = [channel for channel in sorted(before) if channel not in chosen]
        for channel in refused:
            if opt_out(customer, channel=channel, source=source):
                changed.append(channel)
            customer.refresh_from_db(fields=["preferred_channels"])
        old = [str(channel) for channel in customer.preferred_channels or []]
        ordered = [preferred_channel] if preferred_channel else []
        ordered += chosen + [channel for channel in old if channel not in answered]
        preferred = list(dict.fromkeys(ordered))
        fields = []
        if preferred != old:
            customer.preferred_channels = preferred
            fields.append("preferred_channels")
        if (customer.preferred_hours_start, customer.preferred_hours_end) != (
            hours_start,
            hours_end,
        ):
            customer.preferred_hours_start = hours_start
            customer.preferred_hours_end = hours_end
            fields += ["preferred_hours_start", "preferred_hours_end"]
        if fields:
            customer.save(update_fields=[*fields, "updated_at"])
    return changed


def opt_out(customer: Customer, *, channel: str, source: str) -> int:
    """Withdraw consent for ``channel`` on every active contact point of the customer that
    carries it (``channels.actions.withdraw_consent``); return how many rows were written
    (0 when every one was already withdrawn). The channel also leaves the preferred ones."""
    from recaudo.channels.actions import withdraw_consent

    if channel not in Channel.values:
        raise ValueError(f"unknown channel: {channel}")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        written = 0
        points = customer.contact_points.filter(status=ContactPointStatus.ACTIVE).order_by("id")
        for point in points:
            if channel not in CHANNELS_BY_MEDIUM.get(point.medium, ()):
                continue
            if withdraw_consent(point, channel=channel, source=source) is not None:
                written += 1
        if channel in (customer.preferred_channels or []):
            customer.preferred_channels = [
                item for item in customer.preferred_channels if item != channel
            ]
            customer.save(update_fields=["preferred_channels", "updated_at"])
    return written
