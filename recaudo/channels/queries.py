"""Reads on the outbox used by more than one caller."""

from datetime import datetime

from recaudo.channels.models import Direction, Message


def last_inbound_at(*, channel: str, address: str) -> datetime | None:
    """When this address last wrote to us on ``channel`` (WhatsApp's 24-hour window)."""
    return (
        Message.objects.filter(direction=Direction.INBOUND, channel=channel, address=address)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
