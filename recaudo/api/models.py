"""API keys for creditors' systems and the stored responses of idempotent API writes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key a creditor's system sends as ``Authorization: Bearer <key>``.

    The key is ``<prefix>.<secret>``. Only the prefix (to find the row and to recognise the key in
    lists) and a keyed hash of the secret are stored; the full key is shown once, at creation.
    """

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses this key."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    hashed_secret = models.CharField(_("hashed secret"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["creditor", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class IdempotencyKey(models.Model):
    """The response given to a write sent with an ``Idempotency-Key`` header, kept for retries."""

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(_("key"), max_length=255)
    endpoint = models.CharField(_("endpoint"), max_length=100)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, help_text=_("SHA-256 of the request body.")
    )
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
