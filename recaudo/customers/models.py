"""The people and companies who owe, how to reach them, and what they agreed to."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    PERSON = "person", _("person")
    COMPANY = "company", _("company")


class CustomerType(models.TextChoices):
    RETAIL = "retail", _("retail")
    SME = "sme", _("SME")
    CORPORATE = "corporate", _("corporate")
    VIP = "vip", _("VIP")
    EMPLOYEE = "employee", _("employee")
    OTHER = "other", _("other")


class Customer(models.Model):
    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.PROTECT, related_name="customers"
    )
    external_id = models.CharField(_("external id"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    first_name = models.CharField(_("first names"), max_length=150, blank=True, default="")
    last_name = models.CharField(
        _("last names or company name"), max_length=200, blank=True, default=""
    )
    document_type = models.CharField(_("document type"), max_length=10)
    document_number = models.CharField(_("document number"), max_length=30)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(
        _("region"),
        max_length=3,
        blank=True,
        default="",
        help_text=_(
            "ISO 3166-2 subdivision after the country, e.g. SP for São Paulo or MA for "
            "Massachusetts: some contact rules are per state."
        ),
    )
    timezone = models.CharField(_("timezone"), max_length=64)
    language = models.CharField(_("language"), max_length=10, default="es")
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.RETAIL
    )
    vulnerable = models.BooleanField(
        _("vulnerable"),
        default=False,
        help_text=_("Needs special care: illness, bereavement, disability, financial hardship."),
    )
    preferred_channels = models.JSONField(
        _("preferred channels"),
        default=list,
        blank=True,
        help_text=_('Channels the customer prefers, most preferred first, e.g. ["whatsapp"].'),
    )
    preferred_hours_start = models.TimeField(_("preferred from"), null=True, blank=True)
    preferred_hours_end = models.TimeField(_("preferred until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_id"], name="customer_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "document_number"], name="customer_document"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.external_id

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class Medium(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")
    ADDRESS = "address", _("postal address")
    PUSH = "push", _("app (push)")


class ContactRole(models.TextChoices):
    DEBTOR = "debtor", _("debtor")
    CO_DEBTOR = "co_debtor", _("co-debtor")
    GUARANTOR = "guarantor", _("guarantor")
    # References are kept for the record and never contacted.
    REFERENCE = "reference", _("reference")


class ContactPointStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("contact point status", "active")
    INVALID = "invalid", _("invalid")
    OPTED_OUT = "opted_out", _("opted out")


class ContactPoint(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    value = models.CharField(
        _("value"), max_length=254, help_text=_("Phones in E.164, e-mails in lower case.")
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ContactRole.choices, default=ContactRole.DEBTOR
    )
    name = models.CharField(
        _("contact name"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Who answers here, when it is not the customer (co-debtor, guarantor)."),
    )
    verified = models.BooleanField(_("verified"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ContactPointStatus.choices,
        default=ContactPointStatus.ACTIVE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "medium", "value"], name="contact_point_unique_value"
            ),
        ]
        indexes = [models.Index(fields=["medium", "value"], name="contact_point_value")]

    def __str__(self) -> str:
        return f"{self.get_medium_display()}: {self.value}"


class Channel(models.TextChoices):
    """Ways to reach a contact point; a phone carries several (SMS, WhatsApp, voice, RCS)."""

    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    RCS = "rcs", "RCS"
    VOICE = "voice", _("voice call")
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("push notification")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")


CHANNELS_BY_MEDIUM: dict[str, tuple[str, ...]] = {
    Medium.PHONE: (Channel.SMS, Channel.WHATSAPP, Channel.RCS, Channel.VOICE),
    Medium.EMAIL: (Channel.EMAIL,),
    Medium.ADDRESS: (Channel.LETTER, Channel.VISIT),
    Medium.PUSH: (Channel.PUSH,),
}


class ConsentPurpose(models.TextChoices):
    COLLECTIONS = "collections", _("collections")
    MARKETING = "marketing", _("marketing")


class Consent(models.Model):
    """One grant or withdrawal of consent for a channel on a contact point.

    Append-only: the newest row per (contact point, channel, purpose) is the one in force, and
    the older rows are the audit trail (when, how and through which source it changed).
    """

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="consents"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(
        _("purpose"),
        max_length=12,
        choices=ConsentPurpose.choices,
        default=ConsentPurpose.COLLECTIONS,
    )
    granted = models.BooleanField(_("granted"))
    source = models.CharField(
        _("source"),
        max_length=100,
        help_text=_("Where it came from: import, web form, WhatsApp reply, agent, API ..."),
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["contact_point", "channel", "purpose", "at"], name="consent_latest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {'+' if self.granted else '-'}"
