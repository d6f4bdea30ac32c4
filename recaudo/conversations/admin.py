"""Conversations in the admin: read-only, with their turns."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recaudo.conversations.models import CannedReply, Conversation, Turn


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    can_delete = False
    fields = ("at", "speaker", "text", "intent", "confidence", "entities", "options")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "customer",
        "status",
        "is_verified",
        "satisfaction",
        "last_turn_at",
    )
    list_filter = ("channel", "status", "satisfaction", "creditor")
    search_fields = ("address", "customer__document_number", "customer__last_name")
    list_select_related = ("customer",)
    date_hierarchy = "last_turn_at"
    inlines = (TurnInline,)
    actions = ("give_back_to_assistant",)
    readonly_fields = (
        "creditor",
        "channel",
        "address",
        "customer",
        "contact_point",
        "account",
        "status",
        "language",
        "state",
        "verified_at",
        "satisfaction",
        "started_at",
        "last_turn_at",
        "handed_off_at",
        "closed_at",
    )

    @admin.display(boolean=True, description=_("verified"), ordering="verified_at")
    def is_verified(self, conversation: Conversation) -> bool:
        return conversation.verified_at is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Return to the assistant"))
    def give_back_to_assistant(
        self, request: HttpRequest, queryset: QuerySet[Conversation]
    ) -> None:
        """Handed-off conversations go back to the assistant (the others are left alone)."""
        from recaudo.conversations.actions import return_to_assistant

        user = request.user
        agent_name = getattr(user, "get_full_name", lambda: "")() or user.get_username()
        returned = sum(
            return_to_assistant(conversation, agent_name=agent_name) for conversation in queryset
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d conversation returned to the assistant.",
                "%(count)d conversations returned to the assistant.",
                returned,
            )
            % {"count": returned},
            messages.SUCCESS,
        )


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "creditor", "language", "active")
    list_filter = ("active", "language", "creditor")
    search_fields = ("title", "body")
