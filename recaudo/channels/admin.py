"""The outbox in the admin: read-only (messages change through the worker and webhooks), with
actions that make the fake provider play delivery, read, reply and failure for demos."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recaudo.channels.models import Message, WebhookEvent
from recaudo.channels.providers import fake


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "direction",
        "channel",
        "address",
        "status",
        "provider",
        "creditor",
        "account",
        "attempts",
        "send_after",
    ]
    list_filter = ["status", "channel", "direction", "provider", "creditor"]
    search_fields = ["address", "provider_message_id", "account__external_id"]
    list_select_related = ["creditor", "account"]
    date_hierarchy = "created_at"
    actions = [
        "simulate_delivered",
        "simulate_read",
        "simulate_reply",
        "simulate_opt_out_reply",
        "simulate_failure",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _simulate(
        self,
        request: HttpRequest,
        queryset: QuerySet[Message],
        simulate: Callable[[Message], object],
    ) -> None:
        done = skipped = 0
        for message in queryset:
            if message.provider != fake.FakeProvider.kind or not message.provider_message_id:
                skipped += 1
                continue
            simulate(message)
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d message simulated.", "%(count)d messages simulated.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message skipped: only messages sent by the fake provider can be "
                    "simulated.",
                    "%(count)d messages skipped: only messages sent by the fake provider can be "
                    "simulated.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Simulate delivered (fake provider)"))
    def simulate_delivered(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        self._simulate(request, queryset, lambda m: fake.simulate_status(m, "delivered"))

    @admin.action(description=_("Simulate read (fake provider)"))
    def simulate_read(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        self._simulate(request, queryset, lambda m: fake.simulate_status(m, "read"))

    @admin.action(description=_("Simulate a reply (fake provider)"))
    def simulate_reply(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        text = str(_("Thank you, I will pay on Friday."))
        self._simulate(request, queryset, lambda m: fake.simulate_reply(m, text))

    @admin.action(description=_("Simulate an opt-out reply, BAJA (fake provider)"))
    def simulate_opt_out_reply(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        self._simulate(request, queryset, lambda m: fake.simulate_reply(m, "BAJA"))

    @admin.action(description=_("Simulate a failure, invalid number (fake provider)"))
    def simulate_failure(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        self._simulate(request, queryset, lambda m: fake.simulate_failure(m))


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_id"]
    list_filter = ["provider"]
    search_fields = ["event_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in WebhookEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
