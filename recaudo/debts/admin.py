"""Admin for the ledger. The timeline and payments are read-only here: they change through actions."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from recaudo.debts.actions import place_hold, release_hold
from recaudo.debts.models import (
    Account,
    AccountEvent,
    Actor,
    Creditor,
    Hold,
    Instalment,
    Payment,
    Plan,
    PlanPolicy,
    Promise,
)
from recaudo.portfolio.models import SegmentRule


class SegmentRuleInline(admin.TabularInline):
    model = SegmentRule
    extra = 0
    ordering = ["position", "id"]
    fields = [
        "position",
        "segment",
        "active",
        "min_balance",
        "max_balance",
        "min_tenure_months",
        "max_tenure_months",
        "min_days_past_due",
        "max_days_past_due",
        "min_score",
        "max_score",
        "customer_types",
        "product_types",
        "stages",
        "description",
    ]


class PlanPolicyInline(admin.TabularInline):
    model = PlanPolicy
    extra = 0
    fields = [
        "stage",
        "segment",
        "max_instalments",
        "min_down_payment_percent",
        "min_instalment",
        "settlement_discount_percent",
    ]


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "currency", "timezone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SegmentRuleInline, PlanPolicyInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "country", "currency", "timezone"]}),
        (
            _("Refresh engine"),
            {
                "fields": [
                    "past_due_tolerance",
                    "preventive_days",
                    "administrative_from_days",
                    "pre_legal_from_days",
                    "legal_handoff_from_days",
                    "bucket_bounds",
                    "default_segment",
                ]
            },
        ),
        (_("Contact"), {"fields": ["contact_limits"]}),
        (
            _("Agreements and advisers"),
            {
                "fields": [
                    "promise_max_days",
                    "promise_min_percent",
                    "adviser_hours_start",
                    "adviser_hours_end",
                    "adviser_saturdays",
                ]
            },
        ),
    ]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InstalmentInline(ReadOnlyInline):
    model = Instalment
    fields = ["number", "due_date", "amount_due", "amount_paid", "plan"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_at", "amount", "method", "channel", "external_reference"]


class AccountEventInline(ReadOnlyInline):
    model = AccountEvent
    fields = ["at", "kind", "as_of", "from_value", "to_value", "actor", "actor_name", "data"]
    ordering = ["-at", "-id"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "customer",
        "creditor",
        "product_type",
        "balance",
        "currency",
        "status",
        "days_past_due",
        "bucket",
        "stage",
        "segment",
        "score",
    ]
    list_filter = ["creditor", "status", "stage", "bucket", "product_type", "segment"]
    search_fields = ["external_id", "customer__external_id", "customer__document_number"]
    list_select_related = ["customer", "creditor"]
    raw_id_fields = ["customer"]
    readonly_fields = [
        "days_past_due",
        "overdue_amount",
        "next_due_date",
        "bucket",
        "stage",
        "segment",
        "segment_rule",
        "score",
        "computed_as_of",
        "created_at",
        "updated_at",
    ]
    inlines = [InstalmentInline, PaymentInline, AccountEventInline]


@admin.register(Instalment)
class InstalmentAdmin(admin.ModelAdmin):
    list_display = ["account", "number", "due_date", "amount_due", "amount_paid"]
    search_fields = ["account__external_id"]
    raw_id_fields = ["account"]
    list_select_related = ["account"]
    date_hierarchy = "due_date"


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["external_reference", "account", "amount", "paid_at", "method", "channel"]
    list_filter = ["creditor", "method"]
    search_fields = ["external_reference", "account__external_id"]
    list_select_related = ["account"]
    date_hierarchy = "paid_at"

    # Payments are recorded through imports, the API or the console so allocation, balance and
    # timeline stay consistent; the admin only shows them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ["at", "account", "kind", "from_value", "to_value", "as_of", "actor"]
    list_filter = ["kind", "actor"]
    search_fields = ["account__external_id"]
    list_select_related = ["account"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = [
        "account",
        "amount",
        "promised_date",
        "status",
        "channel",
        "actor",
        "created_at",
    ]
    list_filter = ["status", "actor"]
    search_fields = ["account__external_id"]
    list_select_related = ["account"]

    # Promises are made through the assistant, the console or the API (make_promise).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ["customer", "account", "kind", "started_at", "released_at", "actor_name"]
    list_filter = ["kind", ("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["customer__external_id", "customer__document_number"]
    list_select_related = ["customer", "account"]
    raw_id_fields = ["customer", "account"]
    fields = ["customer", "account", "kind", "note"]
    actions = ["release"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Hold, form: Any, change: bool) -> None:
        obj.pk = place_hold(
            obj.customer,
            kind=obj.kind,
            account=obj.account,
            note=obj.note,
            actor=Actor.AGENT,
            actor_name=request.user.get_username(),
        ).pk

    @admin.action(description=_("Release the selected holds"))
    def release(self, request: HttpRequest, queryset: QuerySet[Hold]) -> None:
        for hold in queryset.filter(released_at__isnull=True):
            release_hold(hold, actor=Actor.AGENT, actor_name=request.user.get_username())


class PlanInstalmentInline(ReadOnlyInline):
    model = Instalment
    fk_name = "plan"
    fields = ["number", "due_date", "amount_due", "amount_paid"]
    ordering = ["due_date", "number"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Plans are agreed through the assistant, the self-service page, the console or the API
    (``agree_plan``); the admin only shows them with their instalments."""

    list_display = [
        "account",
        "kind",
        "status",
        "total",
        "discount",
        "down_payment",
        "instalment_count",
        "instalment_amount",
        "first_due_date",
        "channel",
        "created_at",
    ]
    list_filter = ["status", "kind", "account__creditor"]
    search_fields = ["account__external_id", "account__customer__document_number"]
    list_select_related = ["account"]
    inlines = [PlanInstalmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
