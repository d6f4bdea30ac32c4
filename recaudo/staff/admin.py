from django.contrib import admin
from django.http import HttpRequest

from recaudo.staff.models import AuditEntry, LoginLock, Task
from recaudo.staff.roles import Capability, can


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["kind", "customer", "account", "status", "priority", "due_at", "created_at"]
    list_filter = ["status", "kind", "creditor"]
    search_fields = ["customer__external_id", "account__external_id"]
    list_select_related = ["customer", "account"]
    raw_id_fields = ["customer", "account", "assigned_to"]
    readonly_fields = ["strategy", "step", "dedupe_key", "created_at", "closed_at"]


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """Failed logins per user name; deleting a row unlocks that name at once."""

    list_display = ["username", "failures", "locked_until", "last_failure_at"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "locked_until", "last_failure_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The access audit log, read-only: no one adds, edits or deletes a line, even here."""

    list_display = ["at", "username", "action", "creditor", "customer", "account", "path", "ip"]
    list_filter = ["action", "creditor"]
    search_fields = ["username", "customer__external_id", "account__external_id", "path"]
    list_select_related = ["creditor", "customer", "account"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    show_full_result_count = False  # the log grows without end: no COUNT(*) of it all

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can(request.user, Capability.ADMINISTER)

    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return can(request.user, Capability.ADMINISTER)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
