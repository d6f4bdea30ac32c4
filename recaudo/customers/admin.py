from django.contrib import admin

from recaudo.customers.models import Consent, ContactPoint, Customer


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ["medium", "value", "role", "name", "verified", "status"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "full_name",
        "document_type",
        "document_number",
        "creditor",
        "customer_type",
        "vulnerable",
    ]
    list_filter = ["creditor", "customer_type", "kind", "vulnerable", "country"]
    search_fields = ["external_id", "document_number", "first_name", "last_name"]
    list_select_related = ["creditor"]
    inlines = [ContactPointInline]


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["channel", "purpose", "granted", "source", "at"]
    ordering = ["-at", "-id"]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["value", "medium", "role", "customer", "verified", "status"]
    list_filter = ["medium", "role", "status", "verified"]
    search_fields = ["value", "customer__external_id"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["contact_point", "channel", "purpose", "granted", "source", "at"]
    list_filter = ["channel", "purpose", "granted"]
    search_fields = ["contact_point__value"]
    list_select_related = ["contact_point"]
    raw_id_fields = ["contact_point"]
