"""Admin for templates (with a rendered preview, SMS length and the content check), strategies
with their steps, and experiments with their variants.

Template writes that matter go through ``actions``: a new template is a draft; an approved or
retired version is read-only here (the "new version" action makes an editable draft from it);
approval runs the content check.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recaudo.customers.models import Channel
from recaudo.strategies.actions import (
    approve_template,
    create_template_version,
    retire_template,
)
from recaudo.strategies.models import (
    Experiment,
    Step,
    Strategy,
    Template,
    TemplateStatus,
    Variant,
)
from recaudo.strategies.queries import latest_version
from recaudo.strategies.templating import (
    VARIABLES,
    Preview,
    preview,
    provider_body,
    template_errors,
)

TEMPLATE_FIELDS = [
    "creditor",
    "code",
    "channel",
    "name",
    "stage",
    "language",
    "subject",
    "body",
    "provider_template_name",
    "provider_template_params",
    "buttons",
]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = TEMPLATE_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate = Template(**{k: v for k, v in cleaned.items() if k in TEMPLATE_FIELDS})
        errors = template_errors(candidate)
        if errors:
            raise ValidationError(errors)
        return cleaned


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["code", "channel", "version", "status", "stage", "creditor", "approved_at"]
    list_filter = ["status", "channel", "stage", "creditor"]
    search_fields = ["code", "name", "body", "provider_template_name"]
    list_select_related = ["creditor"]
    ordering = ["creditor", "code", "channel", "-version"]
    actions = ["approve_selected", "new_version_of_selected", "retire_selected"]
    computed_fields = [
        "variables_help",
        "rendered_preview",
        "sms_length",
        "content_check",
        "provider_text",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Template | None = None) -> Any:
        fieldsets: list[Any] = [
            (None, {"fields": TEMPLATE_FIELDS[:6]}),
            (_("Text"), {"fields": ["subject", "body", "variables_help"]}),
            (
                _("Provider template (WhatsApp)"),
                {"fields": ["provider_template_name", "provider_template_params", "buttons"]},
            ),
        ]
        if obj is not None:
            fieldsets.append(
                (
                    _("Preview with a sample customer"),
                    {
                        "fields": [
                            "rendered_preview",
                            "sms_length",
                            "content_check",
                            "provider_text",
                        ]
                    },
                )
            )
            fieldsets.append(
                (_("Approval"), {"fields": ["version", "status", "approved_by", "approved_at"]})
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Template | None = None) -> Any:
        fixed = [*self.computed_fields, "version", "status", "approved_by", "approved_at"]
        if obj is not None and obj.status != TemplateStatus.DRAFT:
            return [*TEMPLATE_FIELDS, *fixed]
        if obj is not None:
            return ["creditor", "code", "channel", *fixed]
        return fixed

    def save_model(self, request: HttpRequest, obj: Template, form: Any, change: bool) -> None:
        if not change:
            # A new row for an existing code and channel is its next version, as a draft.
            latest = latest_version(obj.creditor_id, obj.code, obj.channel)
            obj.version = latest.version + 1 if latest else 1
            obj.status = TemplateStatus.DRAFT
        super().save_model(request, obj, form, change)

    def _preview(self, obj: Template) -> Preview | None:
        if obj.pk is None:
            return None
        cached: Preview | None = getattr(obj, "_admin_preview", None)
        if cached is None:
            cached = preview(obj)
            obj._admin_preview = cached  # type: ignore[attr-defined]
        return cached

    @admin.display(description=_("variables"))
    def variables_help(self, obj: Template) -> SafeString:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><code>{{{{ {} }}}}</code>: {}</li>", ((k, v) for k, v in VARIABLES.items())
            ),
        )

    @admin.display(description=_("rendered text"))
    def rendered_preview(self, obj: Template) -> SafeString:
        result = self._preview(obj)
        if result is None:
            return SafeString("")
        subject = (
            format_html("<p><strong>{}</strong></p>", result.subject) if result.subject else ""
        )
        return format_html(
            '{}<pre style="white-space: pre-wrap; max-width: 60em;">{}</pre>', subject, result.body
        )

    @admin.display(description=_("SMS length"))
    def sms_length(self, obj: Template) -> str:
        result = self._preview(obj)
        if result is None or obj.channel != Channel.SMS:
            return "-"
        return ngettext(
            "%(segments)d segment (%(encoding)s, %(units)d units)",
            "%(segments)d segments (%(encoding)s, %(units)d units)",
            result.segments,
        ) % {"segments": result.segments, "encoding": result.encoding, "units": result.units}

    @admin.display(description=_("content check"))
    def content_check(self, obj: Template) -> SafeString:
        result = self._preview(obj)
        if result is None:
            return SafeString("")
        problems = [*result.errors, *(str(finding) for finding in result.findings)]
        if not problems:
            return format_html('<span style="color: #2a7d2a;">{}</span>', _("No problems found."))
        return format_html(
            '<ul style="color: #b00020;">{}</ul>',
            format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)),
        )

    @admin.display(description=_("text for the provider"))
    def provider_text(self, obj: Template) -> SafeString:
        if not obj.provider_template_name:
            return SafeString("")
        return format_html(
            '<pre style="white-space: pre-wrap; max-width: 60em;">{}</pre>', provider_body(obj)
        )

    @admin.action(description=_("Approve the selected drafts (runs the content check)"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        approved = 0
        for template in queryset.select_related("creditor"):
            try:
                approve_template(template, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(
                    request,
                    format_html("{}: {}", str(template), " ".join(str(m) for m in error.messages)),
                    messages.ERROR,
                )
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(count)d template approved.", "%(count)d templates approved.", approved)
                % {"count": approved},
                messages.SUCCESS,
            )

    @admin.action(description=_("Make a new draft version of the selected templates"))
    def new_version_of_selected(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        for template in queryset.select_related("creditor"):
            create_template_version(template.creditor, code=template.code, channel=template.channel)

    @admin.action(description=_("Retire the selected templates"))
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Template]) -> None:
        for template in queryset:
            retire_template(template)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    ordering = ["order"]
    fields = [
        "order",
        "name",
        "trigger",
        "offset_days",
        "stage",
        "action",
        "channel",
        "template_code",
        "conditions",
    ]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "creditor", "segment", "active", "created_at"]
    list_filter = ["active", "creditor"]
    search_fields = ["name", "segment"]
    list_select_related = ["creditor"]
    inlines = [StepInline]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["name", "strategy", "weight"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "creditor", "segment", "active", "started_on", "ended_on"]
    list_filter = ["active", "creditor"]
    search_fields = ["name", "segment"]
    list_select_related = ["creditor"]
    inlines = [VariantInline]
