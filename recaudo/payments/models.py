"""Online payments: a checkout at a payment provider, and the provider callbacks already handled.

A ``Checkout`` is one attempt to pay an amount on one account through one provider. Its
``public_id`` (random, unguessable) travels to the provider as the reference it sends back in
its webhook, and names the checkout in the sandbox page and the return page.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.lib.fields import money_field


class CheckoutPurpose(models.TextChoices):
    PAYMENT = "payment", _("payment")
    PLAN_DOWN_PAYMENT = "plan_down_payment", _("payment plan down payment")
    SETTLEMENT = "settlement", _("settlement")


class CheckoutStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("checkout status", "open")
    PAID = "paid", pgettext_lazy("checkout status", "paid")
    EXPIRED = "expired", pgettext_lazy("checkout status", "expired")
    CANCELLED = "cancelled", pgettext_lazy("checkout status", "cancelled")
    FAILED = "failed", pgettext_lazy("checkout status", "failed")


def new_public_id() -> str:
    """128 random bits, URL-safe: nobody can guess another customer's checkout."""
    return secrets.token_urlsafe(16)


class Checkout(models.Model):
    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.PROTECT, related_name="checkouts"
    )
    account = models.ForeignKey("debts.Account", on_delete=models.PROTECT, related_name="checkouts")
    public_id = models.CharField(
        _("public id"), max_length=40, unique=True, default=new_public_id, editable=False
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    purpose = models.CharField(
        _("purpose"),
        max_length=20,
        choices=CheckoutPurpose.choices,
        default=CheckoutPurpose.PAYMENT,
    )
    plan = models.ForeignKey(
        "debts.Plan", on_delete=models.PROTECT, null=True, blank=True, related_name="checkouts"
    )
    provider = models.CharField(_("provider"), max_length=30)
    provider_reference = models.CharField(
        _("provider reference"),
        max_length=255,
        blank=True,
        default="",
        help_text=_(
            "The provider's id for this checkout (Stripe session, Mercado Pago preference)."
        ),
    )
    url = models.CharField(_("checkout address"), max_length=1000, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment = models.ForeignKey(
        "debts.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="checkouts"
    )

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "status", "created_at"], name="checkout_account_open"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="checkout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.public_id}"


class PaymentWebhookEvent(models.Model):
    """A payment provider's notification already handled: the same event id is never applied
    twice (a provider's retry, a replay)."""

    provider = models.CharField(_("provider"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=200)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    applied = models.BooleanField(
        _("applied"), default=True, help_text=_("False when it changed nothing (e.g. not paid).")
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment webhook event")
        verbose_name_plural = _("payment webhook events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payment_webhook_event_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
