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


class AuditAction(models.TextChoices):
    LOGIN = "login", _("logged in")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKED_OUT = "locked_out", _("locked out")
    LOGOUT = "logout", _("logged out")
    SESSION_EXPIRED = "session_expired", _("session expired")
    VIEWED_CUSTOMER = "viewed_customer", _("opened a customer")
    VIEWED_CONVERSATION = "viewed_conversation", _("opened a conversation")
    ACTED = "acted", _("acted on an account")
    EDITED = "edited", _("edited configuration")
    EXPORTED = "exported", _("exported data")
    DENIED = "denied", _("was denied access")


class AuditEntry(models.Model):
    """Who did or saw what, when, from where. Append-only; the compliance officer reads it.

    Business facts stay on the account's timeline (``AccountEvent``); this log is about people's
    access: logins, customers opened, exports, configuration edits, denied pages.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too: the log must still say who it was after a user is deleted.
    username = models.CharField(_("user name"), max_length=150)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    account = models.ForeignKey(
        "debts.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    path = models.CharField(_("page"), max_length=300, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="audit_customer_at"),
            models.Index(fields=["username", "-at"], name="audit_username_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.at:%Y-%m-%d %H:%M}"


class LoginLock(models.Model):
    """Failed logins per user name; ``locked_until`` is set after too many in a row."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)

    class Meta:
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")

    def __str__(self) -> str:
        return self.username
