from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from recaudo.api.keys import revoke_api_key
from recaudo.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created with ``recaudo api-key create`` (the only time the key is shown)."""

    list_display = ["prefix", "name", "creditor", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["creditor", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name"]
    fields = [
        "creditor",
        "name",
        "prefix",
        "hashed_secret",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "creditor",
        "prefix",
        "hashed_secret",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            revoke_api_key(api_key)
        self.message_user(request, _("The keys were revoked."), messages.SUCCESS)
