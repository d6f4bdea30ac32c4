"""The collections ledger: creditors, accounts, instalments, payments and the account timeline."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recaudo.lib.fields import money_field


class Creditor(models.Model):
    """The tenant: every customer and account belongs to exactly one creditor.

    The fields after ``timezone`` configure the refresh engine for this creditor's portfolio.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. CO"))
    currency = models.CharField(_("default currency"), max_length=3)
    timezone = models.CharField(_("timezone"), max_length=64, default="America/Bogota")
    past_due_tolerance = money_field(
        _("past-due tolerance"),
        default=0,
        help_text=_("An unpaid remainder up to this amount does not make an instalment past due."),
    )
    preventive_days = models.PositiveSmallIntegerField(
        _("preventive window (days)"),
        default=5,
        help_text=_("Accounts not past due whose next due date is this close are preventive."),
    )
    administrative_from_days = models.PositiveSmallIntegerField(
        _("administrative stage from (days past due)"), default=1
    )
    pre_legal_from_days = models.PositiveSmallIntegerField(
        _("pre-legal stage from (days past due)"), default=61
    )
    legal_handoff_from_days = models.PositiveSmallIntegerField(
        _("legal hand-off stage from (days past due)"), default=121
    )
    bucket_bounds = models.JSONField(
        _("bucket upper bounds (days past due)"),
        default=list,
        blank=True,
        help_text=_(
            "Upper bound of each bucket after 'current', e.g. [30, 60, 90, 120, 180]; "
            "empty means that default. Days past due above the last bound fall in the last bucket."
        ),
    )
    default_segment = models.CharField(_("default segment"), max_length=100, default="general")
    contact_limits = models.JSONField(
        _("own contact limits"),
        default=dict,
        blank=True,
        help_text=_(
            'Limits stricter than the law, e.g. {"max_per_day": 1, "max_per_week": 3, '
            '"hours_start": "08:00", "hours_end": "19:00", '
            '"allow_sundays_and_holidays": false}.'
        ),
    )
    # What the assistant, the console and the API may agree with a customer.
    promise_max_days = models.PositiveSmallIntegerField(
        _("latest promise (days from today)"),
        default=15,
        help_text=_("A promise to pay must fall within this many days."),
    )
    promise_min_percent = models.DecimalField(
        _("minimum promise (% of the overdue amount)"),
        max_digits=5,
        decimal_places=2,
        default=50,
        help_text=_(
            "A promise must cover at least this share of the overdue amount (of the balance "
            "when nothing is overdue)."
        ),
    )
    adviser_hours_start = models.TimeField(_("advisers from"), default=dt.time(8, 0))
    adviser_hours_end = models.TimeField(_("advisers until"), default=dt.time(18, 0))
    adviser_saturdays = models.BooleanField(
        _("advisers work on Saturdays"),
        default=False,
        help_text=_("Advisers never work on Sundays or the creditor country's holidays."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A bad value would stop the worker and the planner for every customer of the creditor.
        from recaudo.policy.parsing import PolicyRequestError, parse_creditor_limits

        try:
            parse_creditor_limits(self.contact_limits, "contact_limits")
        except PolicyRequestError as error:
            raise ValidationError({"contact_limits": error.message}) from error


class ProductType(models.TextChoices):
    CREDIT_CARD = "credit_card", _("credit card")
    PERSONAL_LOAN = "personal_loan", _("personal loan")
    MICROCREDIT = "microcredit", _("microcredit")
    AUTO_LOAN = "auto_loan", _("auto loan")
    MORTGAGE = "mortgage", _("mortgage")
    UTILITY = "utility", _("utility")
    TELECOM = "telecom", _("telecom")
    BUY_NOW_PAY_LATER = "bnpl", _("buy now, pay later")
    OTHER = "other", _("other")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PROMISE = "promise", _("promise to pay")
    PLAN = "plan", _("payment plan")
    DISPUTE = "dispute", _("in dispute")
    LEGAL = "legal", _("legal")
    PAID = "paid", _("paid")
    WRITTEN_OFF = "written_off", _("written off")
    CLOSED = "closed", _("closed")


# Statuses the refresh engine never changes and whose accounts are out of collection.
TERMINAL_STATUSES = frozenset({AccountStatus.PAID, AccountStatus.WRITTEN_OFF, AccountStatus.CLOSED})


class Stage(models.TextChoices):
    CURRENT = "current", _("current")
    PREVENTIVE = "preventive", _("preventive")
    ADMINISTRATIVE = "administrative", _("administrative")
    PRE_LEGAL = "pre_legal", _("pre-legal")
    LEGAL_HANDOFF = "legal_handoff", _("legal hand-off")
    CLOSED = "closed", _("closed")


class Account(models.Model):
    # No index of its own: the unique and composite indexes below all start with creditor_id,
    # and every index on this table makes the nightly write-back slower.
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="accounts", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="accounts"
    )
    external_id = models.CharField(_("external id"), max_length=100)
    product_type = models.CharField(_("product type"), max_length=20, choices=ProductType.choices)
    currency = models.CharField(_("currency"), max_length=3)
    original_amount = money_field(_("original amount"))
    opened_at = models.DateField(_("opened on"), null=True, blank=True)
    balance = money_field(_("balance"))
    balance_as_of = models.DateField(
        _("balance as of"),
        help_text=_(
            "Date of the balance reported by the creditor. Payments made after it reduce the "
            "balance; earlier ones are already included in it."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )

    # Written by the refresh engine (recaudo.portfolio.refresh), as of ``computed_as_of``.
    days_past_due = models.IntegerField(_("days past due"), default=0)
    overdue_amount = money_field(_("overdue amount"), default=0)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True)
    bucket = models.CharField(_("bucket"), max_length=20, default="current")
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.CURRENT
    )
    segment = models.CharField(_("segment"), max_length=100, blank=True, default="")
    segment_rule = models.ForeignKey(
        "portfolio.SegmentRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment rule"),
    )
    score = models.FloatField(_("propensity to pay"), null=True, blank=True)
    computed_as_of = models.DateField(_("computed as of"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_id"], name="account_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["creditor", "stage", "bucket"], name="account_stage_bucket"),
            models.Index(fields=["creditor", "segment"], name="account_segment"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Instalment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="instalments")
    # Set on the instalments a payment plan created (the plan's new schedule).
    plan = models.ForeignKey(
        "Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instalments",
        verbose_name=_("payment plan"),
    )
    # Set on the creditor's unpaid instalments a payment plan replaced (closed at what was paid):
    # the import leaves them alone and allocation keeps what they had.
    superseded_by = models.ForeignKey(
        "Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="superseded_instalments",
        verbose_name=_("superseded by plan"),
    )
    number = models.PositiveIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount_due = money_field(_("amount due"))
    amount_paid = money_field(
        _("amount paid"),
        default=0,
        help_text=_("Payments allocated to this instalment, oldest instalment first."),
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["account", "due_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="instalment_unique_number"),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="instalment_due_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} #{self.number}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    CARD = "card", _("card")
    DIRECT_DEBIT = "direct_debit", _("direct debit")
    PAYMENT_LINK = "payment_link", _("payment link")
    WALLET = "wallet", _("wallet")
    OTHER = "other", _("other")


class Payment(models.Model):
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="payments")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    amount = money_field(_("amount"))
    paid_at = models.DateTimeField(_("paid at"))
    method = models.CharField(
        _("method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.OTHER
    )
    channel = models.CharField(_("channel"), max_length=40, blank=True, default="")
    external_reference = models.CharField(
        _("external reference"),
        max_length=120,
        help_text=_("Unique per creditor: a repeated import or a provider retry is ignored."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_reference"], name="payment_unique_reference"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["account", "paid_at"], name="payment_account_paid_at")]

    def __str__(self) -> str:
        return self.external_reference


class Actor(models.TextChoices):
    SYSTEM = "system", _("system")
    AGENT = "agent", _("agent")
    CUSTOMER = "customer", _("customer")
    API = "api", _("API")


class EventKind(models.TextChoices):
    CREATED = "created", _("account created")
    UPDATED = "updated", _("account data changed")
    BALANCE_CHANGED = "balance_changed", _("balance changed")
    INSTALMENT_ADDED = "instalment_added", _("instalment added")
    INSTALMENT_CHANGED = "instalment_changed", _("instalment changed")
    CONTACT_POINT_ADDED = "contact_point_added", _("contact point added")
    PAYMENT_RECORDED = "payment_recorded", _("payment recorded")
    STATUS_CHANGED = "status_changed", _("status changed")
    BUCKET_CHANGED = "bucket_changed", _("bucket changed")
    STAGE_CHANGED = "stage_changed", _("stage changed")
    SEGMENT_CHANGED = "segment_changed", _("segment changed")
    PROMISE_MADE = "promise_made", _("promise to pay made")
    HOLD_PLACED = "hold_placed", _("collection hold placed")
    HOLD_RELEASED = "hold_released", _("collection hold released")
    MESSAGES_CANCELLED = "messages_cancelled", _("queued messages cancelled")
    NOTE = "note", _("note")
    PROMISE_KEPT = "promise_kept", _("promise to pay kept")
    PROMISE_BROKEN = "promise_broken", _("promise to pay broken")
    PLAN_AGREED = "plan_agreed", _("payment plan agreed")
    PLAN_COMPLETED = "plan_completed", _("payment plan completed")
    PLAN_BROKEN = "plan_broken", _("payment plan broken")
    PAYMENT_REPORTED = "payment_reported", _("customer reported a payment")
    CANNOT_PAY = "cannot_pay", _("customer cannot pay")
    DISPUTE_OPENED = "dispute_opened", _("debt disputed")
    STATEMENT_SENT = "statement_sent", _("statement sent")
    PAYMENT_LINK_SENT = "payment_link_sent", _("payment link sent")
    CONVERSATION = "conversation", _("assistant conversation")


class AccountEvent(models.Model):
    """One line of an account's timeline. Append-only: rows are never updated or deleted.

    Transitions (bucket, stage, segment, status) keep ``from_value`` and ``to_value`` in columns
    so roll and cure rates are plain SQL aggregations; ``as_of`` is the portfolio date they refer to.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("when"), db_index=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True, default="")
    from_value = models.CharField(_("from"), max_length=100, blank=True, default="")
    to_value = models.CharField(_("to"), max_length=100, blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "at"], name="event_account_at"),
            models.Index(fields=["kind", "as_of"], name="event_kind_as_of"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class PromiseStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("promise status", "active")
    KEPT = "kept", _("kept")
    BROKEN = "broken", _("broken")
    CANCELLED = "cancelled", _("cancelled")


class Promise(models.Model):
    """A customer's promise to pay ``amount`` by ``promised_date``.

    While it is active and its date has not passed, dunning for the account is paused.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="promises")
    amount = money_field(_("amount"))
    promised_date = models.DateField(_("promised date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.ACTIVE
    )
    channel = models.CharField(_("channel"), max_length=40, blank=True, default="")
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "status"], name="promise_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.promised_date}"


class HoldKind(models.TextChoices):
    """Legal or customer situations that stop collection contact until released."""

    DISPUTE = "dispute", _("debt disputed")
    LAWSUIT_SERVED = "lawsuit_served", _("lawsuit served")
    INSOLVENCY = "insolvency", _("insolvency proceedings")
    ATTORNEY = "attorney", _("represented by an attorney")
    CEASE_REQUEST = "cease_request", _("asked to stop contact")
    DECEASED = "deceased", _("deceased")


class Hold(models.Model):
    """A stop on contact for a customer (``account`` empty) or for one of their accounts."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="holds"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="holds"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HoldKind.choices)
    note = models.TextField(_("note"), blank=True, default="")
    started_at = models.DateTimeField(_("since"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # The account's status before a dispute hold set it to ``dispute``: restored on release.
    status_before = models.CharField(
        _("status before"), max_length=20, choices=AccountStatus.choices, blank=True, default=""
    )
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True, default="")

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["customer", "released_at"], name="hold_customer_open")]

    def __str__(self) -> str:
        return self.kind


class HardshipReason(models.TextChoices):
    """Why a customer says they cannot pay (the assistant's ``reason`` entity)."""

    LOST_JOB = "lost_job", _("lost their job")
    ILLNESS = "illness", _("illness")
    LOWER_INCOME = "lower_income", _("lower income")
    FORGOT = "forgot", _("forgot")
    NO_BILL = "no_bill", _("never got the bill")
    OTHER = "other", _("other")


class PlanPolicy(models.Model):
    """What payment plans a creditor offers, for one stage and segment (blank: any).

    The most specific policy for an account wins: stage and segment, then stage, then
    segment, then the creditor-wide one.
    """

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="plan_policies")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True, default="")
    max_instalments = models.PositiveSmallIntegerField(_("maximum instalments"), default=6)
    min_down_payment_percent = models.DecimalField(
        _("minimum down payment (% of the balance)"), max_digits=5, decimal_places=2, default=10
    )
    min_instalment = money_field(_("minimum instalment"), default=0)
    settlement_discount_percent = models.DecimalField(
        _("discount for paying in one go (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("0 offers no settlement."),
    )

    class Meta:
        verbose_name = _("payment plan policy")
        verbose_name_plural = _("payment plan policies")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "stage", "segment"], name="plan_policy_unique_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creditor} {self.stage or '*'} {self.segment or '*'}"


class PlanKind(models.TextChoices):
    INSTALMENTS = "instalments", _("instalments")
    SETTLEMENT = "settlement", _("settlement in one payment")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("plan status", "active")
    COMPLETED = "completed", _("completed")
    BROKEN = "broken", pgettext_lazy("plan status", "broken")
    CANCELLED = "cancelled", pgettext_lazy("plan status", "cancelled")


class Plan(models.Model):
    """A payment plan the customer agreed: its instalments replace the account's unpaid ones."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    total = money_field(_("total to pay"))
    discount = money_field(_("discount"), default=0)
    down_payment = money_field(_("down payment"), default=0)
    instalment_count = models.PositiveSmallIntegerField(_("instalments"))
    instalment_amount = money_field(_("instalment amount"))
    first_due_date = models.DateField(_("first due date"))
    # Paid before the plan beyond what the account's instalments took (an account without
    # instalments, an overpayment): already counted in the balance the plan was agreed on, so
    # it never pays the plan's instalments (portfolio/allocation.py).
    paid_before = money_field(_("paid before the plan, unallocated"), default=0)
    channel = models.CharField(_("channel"), max_length=40, blank=True, default="")
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "status"], name="plan_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="plan_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.total}"
