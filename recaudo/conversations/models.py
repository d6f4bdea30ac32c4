"""Conversations with the self-service assistant, on any channel, and their turns."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ConversationChannel(models.TextChoices):
    WEB = "web", _("web chat")
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    RCS = "rcs", "RCS"
    VOICE = "voice", _("voice call")
    TERMINAL = "terminal", _("terminal")


class ConversationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("conversation status", "open")
    # With a person: the assistant stays quiet until an agent gives the conversation back.
    HANDED_OFF = "handed_off", _("with an adviser")
    CLOSED = "closed", pgettext_lazy("conversation status", "closed")


class Conversation(models.Model):
    """One conversation on one channel and address (a phone number, a web chat session).

    ``state`` is the assistant's memory between turns (the active flow, its step and what it
    has gathered); it lives here so it survives restarts. The customer is known once the
    assistant has a candidate; nothing about a debt is said before ``verified_at``.
    """

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.PROTECT, related_name="conversations"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConversationChannel.choices)
    address = models.CharField(
        _("address"), max_length=254, help_text=_("Phone in E.164, or the web chat session.")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conversations",
    )
    contact_point = models.ForeignKey(
        "customers.ContactPoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The account the conversation is about, once the customer chose one.
    account = models.ForeignKey(
        "debts.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ConversationStatus.choices,
        default=ConversationStatus.OPEN,
    )
    language = models.CharField(_("language"), max_length=10, default="es")
    state = models.JSONField(_("state"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_turn_at = models.DateTimeField(_("last turn at"))
    handed_off_at = models.DateTimeField(_("handed off at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_turn_at"]
        indexes = [
            models.Index(
                fields=["creditor", "channel", "address", "status"], name="conversation_address"
            ),
            models.Index(fields=["customer", "last_turn_at"], name="conversation_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}"


class Speaker(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    ASSISTANT = "assistant", _("assistant")
    AGENT = "agent", _("agent")


class Turn(models.Model):
    """One message in a conversation. Append-only."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    speaker = models.CharField(_("speaker"), max_length=10, choices=Speaker.choices)
    text = models.TextField(_("text"), blank=True, default="")
    # The customer's turn: what the assistant understood.
    intent = models.CharField(_("intent"), max_length=40, blank=True, default="")
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    entities = models.JSONField(_("entities"), default=dict, blank=True)
    # The assistant's turn: the options it offered, [{"id": ..., "title": ..., "url": ...}].
    options = models.JSONField(_("options"), default=list, blank=True)
    # The channel message that carried it (WhatsApp, SMS, ...), when there is one.
    message = models.ForeignKey(
        "channels.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("turn")
        verbose_name_plural = _("turns")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["conversation", "at"], name="turn_conversation_at")]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]}"


class Verification(models.Model):
    """Identity checks of one customer, shared by every channel and the self-service page:
    three failures lock verification for everyone asking as that customer."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="verification"
    )
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # The one-time code, hashed; it is sent to a contact point on file and expires.
    code_hash = models.CharField(_("code hash"), max_length=128, blank=True, default="")
    code_expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    code_contact_point = models.ForeignKey(
        "customers.ContactPoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Failures older than the lock's duration are forgotten.
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    # Codes sent, for the per-customer limits (one a minute, five an hour).
    last_code_sent_at = models.DateTimeField(_("last code sent at"), null=True, blank=True)
    codes_window_start = models.DateTimeField(_("codes counted since"), null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(_("codes sent since then"), default=0)

    class Meta:
        verbose_name = _("identity verification")
        verbose_name_plural = _("identity verifications")

    def __str__(self) -> str:
        return str(self.customer_id)


class VerificationAttempt(models.Model):
    """Failed identity checks for a document number that matches no customer of the creditor.

    Keyed by an HMAC of the normalised document (never the number itself), so an unknown
    document is counted and locked across conversations exactly like a known one, and the
    answers never tell whether someone is a customer.
    """

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="verification_attempts"
    )
    key_hash = models.CharField(_("document key"), max_length=64)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity check of an unknown document")
        verbose_name_plural = _("identity checks of unknown documents")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "key_hash"], name="verification_attempt_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.key_hash[:8]}"


class CannedReply(models.Model):
    """A ready answer an agent picks in the conversation view. Placeholders in braces
    (``{nombre}``, ``{nombre_completo}``, ``{acreedor}``, ``{saldo}``, ``{asesor}``) are filled
    for the customer on the server (``conversations.queries.fill_placeholders``)."""

    # Empty: offered for every creditor.
    creditor = models.ForeignKey(
        "debts.Creditor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_("Placeholders: {nombre}, {nombre_completo}, {acreedor}, {saldo}, {asesor}."),
    )
    language = models.CharField(_("language"), max_length=10, default="es")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title
