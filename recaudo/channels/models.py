"""The outbox and the interaction log: every message in or out, on every channel, is a Message.

The contact policy counts attempts from these rows, the worker claims queued ones, provider
callbacks move their status, and the timeline and KPIs read them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.customers.models import Channel


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("outbound")
    INBOUND = "inbound", _("inbound")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    READ = "read", _("read")
    FAILED = "failed", _("failed")
    BLOCKED = "blocked", _("blocked by the contact policy")
    CANCELLED = "cancelled", _("cancelled")
    RECEIVED = "received", _("received")


# Outbound statuses that mean the provider took the message: each is one contact attempt.
ATTEMPTED_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ})


class RecipientRole(models.TextChoices):
    DEBTOR = "debtor", _("debtor")
    CO_DEBTOR = "co_debtor", _("co-debtor")
    GUARANTOR = "guarantor", _("guarantor")
    REFERENCE = "reference", _("reference")
    THIRD_PARTY = "third_party", _("third party")


class Message(models.Model):
    # No index of its own: message_creditor_log starts with it.
    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    # Empty for an inbound message from an address we do not know.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    account = models.ForeignKey(
        "debts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    contact_point = models.ForeignKey(
        "customers.ContactPoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    provider = models.CharField(
        _("provider"), max_length=30, blank=True, default="", help_text=_("e.g. fake, twilio")
    )
    address = models.CharField(
        _("address"),
        max_length=254,
        help_text=_("Where it goes (outbound) or where it came from (inbound)."),
    )
    recipient_role = models.CharField(
        _("recipient role"),
        max_length=12,
        choices=RecipientRole.choices,
        default=RecipientRole.DEBTOR,
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    # Channel specifics: provider template name and parameters, buttons, attachments.
    payload = models.JSONField(_("channel data"), default=dict, blank=True)

    # No index on template and step: nothing reads messages by them, and each index on this
    # table is written again on every status change.
    template = models.ForeignKey(
        "strategies.Template",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )
    strategy = models.ForeignKey(
        "strategies.Strategy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    step = models.ForeignKey(
        "strategies.Step",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    variant = models.CharField(_("experiment variant"), max_length=50, blank=True, default="")

    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    # A repeated plan, API call or webhook carries the same key and creates nothing new.
    dedupe_key = models.CharField(
        _("deduplication key"), max_length=200, null=True, blank=True, unique=True
    )
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True, default="")
    # A claim is a lease: a worker killed mid-send leaves the row to be taken again after it.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    provider_message_id = models.CharField(
        _("provider message id"), max_length=200, null=True, blank=True
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")

    policy_rule = models.CharField(_("policy rule"), max_length=60, blank=True, default="")
    policy_source = models.CharField(_("legal source"), max_length=200, blank=True, default="")
    policy_reasons = models.JSONField(_("policy reasons"), default=list, blank=True)

    # How the contact policy counts this interaction (see recaudo.policy.types.Interaction).
    connected = models.BooleanField(_("connected"), default=True)
    conversation = models.BooleanField(_("conversation with the right party"), default=False)
    initiated_by_customer = models.BooleanField(_("initiated by the customer"), default=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"],
                condition=Q(provider_message_id__isnull=False),
                name="message_unique_provider_id",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"], name="message_due"),
            models.Index(fields=["customer", "created_at"], name="message_customer"),
            models.Index(fields=["account", "created_at"], name="message_account"),
            # Who wrote from this address, and when (inbound matching, WhatsApp's window).
            models.Index(fields=["address", "created_at"], name="message_address"),
            # The planner's "last step" and "last reply" reads over a creditor's recent log.
            models.Index(
                fields=["creditor", "direction", "created_at"], name="message_creditor_log"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.address} ({self.status})"


class WebhookEvent(models.Model):
    """A provider callback already received: the same event id is never handled twice.

    A status for a message the worker has not recorded yet (providers report "sent" within
    milliseconds of the API call) waits here, ``applied`` false, until the worker records the
    provider's id and applies it.
    """

    provider = models.CharField(_("provider"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=200)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    applied = models.BooleanField(_("applied"), default=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique"),
        ]
        indexes = [
            models.Index(
                fields=["received_at"], condition=Q(applied=False), name="webhook_event_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
