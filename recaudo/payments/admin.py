from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recaudo.payments.models import Checkout, PaymentWebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Checkouts and webhook events are written by providers only: the admin just shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "account", "amount", "currency", "purpose", "provider", "status"]
    list_filter = ["status", "provider", "purpose", "creditor"]
    search_fields = ["public_id", "provider_reference", "account__external_id"]
    date_hierarchy = "created_at"
    list_select_related = ["account"]
    raw_id_fields = ["account", "plan", "payment"]


@admin.register(PaymentWebhookEvent)
class PaymentWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "received_at", "applied"]
    list_filter = ["provider", "applied"]
    search_fields = ["event_id"]
