"""Work for people: the agents' queue of calls to make, hand-offs and payments to check."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    CALL = "call", _("call the customer")
    HANDOFF = "handoff", _("hand-off to an adviser")
    CHECK_PAYMENT = "check_payment", _("check a reported payment")
    REVIEW = "review", _("review")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    ASSIGNED = "assigned", _("assigned")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Task(models.Model):
    creditor = models.ForeignKey("debts.Creditor", on_delete=models.PROTECT, related_name="tasks")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tasks"
    )
    account = models.ForeignKey(
        "debts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # Higher first: the console orders the queue by it (stage, balance, score, waiting time).
    priority = models.IntegerField(_("priority"), default=0)
    reason = models.TextField(_("reason"), blank=True, default="")
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step = models.ForeignKey(
        "strategies.Step", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The assistant's conversation a hand-off comes from: its transcript, for the agent.
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    dedupe_key = models.CharField(
        _("deduplication key"), max_length=200, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-priority", "created_at"]
        indexes = [models.Index(fields=["status", "-priority"], name="task_queue")]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id}"
