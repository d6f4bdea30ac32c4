"""Forms of the agents' inbox and conversation view."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.debts.models import Creditor
from recaudo.staff.models import TaskKind
from recaudo.strategies.models import Template, TemplateStatus


class InboxFilterForm(forms.Form):
    """The queue's filters (GET): they travel in the URL, so the live list keeps them."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *TaskKind.choices]
    )
    creditor = forms.ModelChoiceField(
        label=_("Creditor"),
        required=False,
        queryset=Creditor.objects.order_by("name"),
        empty_label=_("All creditors"),
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is ignored: the queue still shows)."""
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data.get("kind") or "",
            "creditor_id": self.cleaned_data["creditor"].pk
            if self.cleaned_data.get("creditor")
            else None,
            "mine": bool(self.cleaned_data.get("mine")),
        }


class CloseTaskForm(forms.Form):
    """Closing a task: what came of it, optionally (a note on the account's timeline)."""

    outcome = forms.CharField(
        label=_("Outcome (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    """The agent's answer: free text, or (WhatsApp) an approved template."""

    text = forms.CharField(
        label=_("Reply"),
        required=False,
        max_length=1600,
        # The id the canned-reply swap targets (``_reply_text.html``): the label names it.
        widget=forms.Textarea(attrs={"rows": 5, "id": "reply-text"}),
    )
    template = forms.ModelChoiceField(
        label=_("Approved WhatsApp template"),
        required=False,
        queryset=Template.objects.none(),
        empty_label=_("No template (free text)"),
    )
    # A new key each time the form is shown: a double click sends one reply.
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, creditor_id: int, whatsapp: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("form_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        if whatsapp:
            self.fields["template"].queryset = whatsapp_templates(creditor_id)  # type: ignore[attr-defined]
        else:
            del self.fields["template"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("text") or "").strip() and not cleaned.get("template"):
            raise forms.ValidationError(
                _("The reply is empty: write a message or choose a template."), code="empty"
            )
        return cleaned


def whatsapp_templates(creditor_id: int) -> Any:
    """The creditor's templates an agent may send on WhatsApp outside the 24-hour window."""
    return (
        Template.objects.filter(
            creditor_id=creditor_id, channel="whatsapp", status=TemplateStatus.APPROVED
        )
        .exclude(provider_template_name="")
        .order_by("code", "-version")
    )
