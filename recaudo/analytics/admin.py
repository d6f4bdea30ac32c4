"""Administrators set each creditor's unit cost per channel here; daily metrics are read-only.

The dashboards link to the channel costs ("configure costs") for users who may administer.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction


@admin.register(ChannelCost)
class ChannelCostAdmin(admin.ModelAdmin):
    list_display = ["creditor", "channel", "unit_cost"]
    list_filter = ["creditor", "channel"]
    list_select_related = ["creditor"]
    ordering = ["creditor__name", "channel"]
    fields = ["creditor", "channel", "unit_cost"]

    def save_model(self, request: HttpRequest, obj: ChannelCost, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_audit(
            request.user,
            AuditAction.EDITED,
            request=request,
            creditor_id=obj.creditor_id,
            detail={
                "object": "channel_cost",
                "channel": obj.channel,
                "unit_cost": str(obj.unit_cost),
                "change": change,
            },
        )

    def delete_model(self, request: HttpRequest, obj: ChannelCost) -> None:
        record_audit(
            request.user,
            AuditAction.EDITED,
            request=request,
            creditor_id=obj.creditor_id,
            detail={"object": "channel_cost", "channel": obj.channel, "deleted": True},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ChannelCost]) -> None:
        for cost in queryset:
            self.delete_model(request, cost)


@admin.register(DailyMetric)
class DailyMetricAdmin(admin.ModelAdmin):
    """Written only by ``recaudo analytics build``; shown to check a figure at its source."""

    list_display = [
        "day",
        "creditor",
        "metric",
        "segment",
        "dimension",
        "key",
        "count",
        "amount",
        "total",
    ]
    list_filter = ["creditor", "metric", "dimension"]
    list_select_related = ["creditor"]
    search_fields = ["metric", "segment", "key"]
    ordering = ["-day", "metric", "segment", "dimension", "key"]
    # Counting a large table for every page is the slow part of a change list.
    show_full_result_count = False
    readonly_fields = [
        "creditor",
        "day",
        "metric",
        "segment",
        "dimension",
        "key",
        "count",
        "amount",
        "total",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
