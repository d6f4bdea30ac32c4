"""What to say (templates) and when and how (strategies, steps, experiments)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.customers.models import Channel


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    RETIRED = "retired", _("retired")


class Template(models.Model):
    """One version of a message on one channel. A step names a template by ``code`` and sends
    the newest approved version for its channel; an approved version is never edited: a change
    is a new version (messages keep the exact version they used)."""

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="templates"
    )
    code = models.SlugField(_("code"), max_length=80, help_text=_("e.g. reminder-before-due"))
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    # A stage of debts.Stage, or empty for any stage.
    stage = models.CharField(_("stage"), max_length=20, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, default="es")
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(
        _("text"), help_text=_("Variables in double braces, e.g. {{ first_name }}.")
    )
    # WhatsApp (and other providers with pre-approved templates): the approved name, and the
    # variables that fill its parameters, in order.
    provider_template_name = models.CharField(
        _("provider template name"), max_length=200, blank=True, default=""
    )
    provider_template_params = models.JSONField(
        _("provider template parameters"), default=list, blank=True
    )
    buttons = models.JSONField(_("buttons"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["creditor", "code", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "code", "channel", "version"],
                name="template_unique_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Strategy(models.Model):
    """The contact plan for one segment of a creditor's portfolio (empty segment: any)."""

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="strategies"
    )
    name = models.CharField(_("name"), max_length=200)
    segment = models.CharField(
        _("segment"), max_length=100, blank=True, default="", help_text=_("Empty: every segment.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["creditor", "name"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="strategy_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StepTrigger(models.TextChoices):
    # offset_days relative to the oldest unpaid due date: -3 is three days before, 10 is ten
    # days past due.
    DUE_DATE = "due_date", _("days from the due date")
    # offset_days after the account entered ``stage``.
    STAGE_ENTRY = "stage_entry", _("days after entering a stage")
    # offset_days after a promise to pay was broken (the refresh's ``promise_broken`` event).
    PROMISE_BROKEN = "promise_broken", _("days after a promise was broken")


class StepAction(models.TextChoices):
    MESSAGE = "message", _("send a message")
    CALL_TASK = "call_task", _("call task for an agent")
    HANDOFF = "handoff", _("hand-off to an adviser")
    LETTER = "letter", _("letter (PDF by e-mail)")
    WAIT = "wait", _("wait")


class Step(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    trigger = models.CharField(
        _("trigger"), max_length=20, choices=StepTrigger.choices, default=StepTrigger.DUE_DATE
    )
    offset_days = models.IntegerField(_("days"))
    stage = models.CharField(_("stage"), max_length=20, blank=True, default="")
    action = models.CharField(_("action"), max_length=20, choices=StepAction.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, default=""
    )
    template_code = models.SlugField(_("template"), max_length=80, blank=True, default="")
    # e.g. {"no_reply_since_last_step": true, "no_active_promise": true,
    #       "score_min": 0.2, "score_max": 0.8}
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "order"], name="step_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id}.{self.order} {self.name}"


class Experiment(models.Model):
    """Champion/challenger: accounts of ``segment`` split by a stable hash over the variants."""

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="experiments"
    )
    name = models.CharField(_("name"), max_length=200)
    segment = models.CharField(_("segment"), max_length=100, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="experiment_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. champion, challenger"))
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="variants")
    weight = models.PositiveSmallIntegerField(_("weight"), default=50)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="variant_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
