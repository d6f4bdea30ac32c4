from django.contrib import admin

from recaudo.staff.models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["kind", "customer", "account", "status", "priority", "due_at", "created_at"]
    list_filter = ["status", "kind", "creditor"]
    search_fields = ["customer__external_id", "account__external_id"]
    list_select_related = ["customer", "account"]
    raw_id_fields = ["customer", "account", "assigned_to"]
    readonly_fields = ["strategy", "step", "dedupe_key", "created_at", "closed_at"]
