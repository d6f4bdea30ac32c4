"""Filters and look-ups of the compliance officer's screens (all read-only, sent by GET)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.customers.models import Channel
from recaudo.debts.models import Creditor
from recaudo.staff.models import AuditAction


class CreditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def creditor_field() -> CreditorChoiceField:
    return CreditorChoiceField(
        queryset=Creditor.objects.order_by("name"),
        required=False,
        label=_("Creditor"),
        empty_label=_("All creditors"),
    )


class ComplianceForm(forms.Form):
    label_suffix = ""


class PeriodForm(ComplianceForm):
    """A date range, both ends included; the end may not come before the start."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error(
                "until",
                _("The end date (%(until)s) is before the start date (%(since)s): swap them.")
                % {"until": until.isoformat(), "since": since.isoformat()},
            )
        return cleaned


class AuditFilterForm(PeriodForm):
    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditAction.choices],
    )
    customer = forms.CharField(
        label=_("Customer (id or document)"),
        required=False,
        max_length=100,
        help_text=_("The customer's external id, document number or internal number."),
    )
    creditor = creditor_field()

    field_order = ["username", "action", "customer", "creditor", "since", "until"]


class BlockedFilterForm(PeriodForm):
    creditor = creditor_field()
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    rule = forms.CharField(
        label=_("Rule"),
        required=False,
        max_length=60,
        help_text=_('A rule id such as CO.hours, or a prefix ending in a dot such as "CO."'),
        widget=forms.TextInput(attrs={"list": "known-rules", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Blocked and cancelled")),
            ("blocked", _("Blocked by the policy")),
            ("cancelled", _("Cancelled before sending")),
        ],
    )

    field_order = ["creditor", "channel", "rule", "status", "since", "until"]


class AccountLookupForm(ComplianceForm):
    account = forms.CharField(
        label=_("Account (external id)"),
        max_length=100,
        error_messages={"required": _("Type the account's external id, e.g. A-1001.")},
    )
    creditor = creditor_field()


class AsOfForm(ComplianceForm):
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CustomerLookupForm(ComplianceForm):
    q = forms.CharField(
        label=_("Customer (external id or document)"),
        max_length=100,
        error_messages={"required": _("Type the customer's external id or document number.")},
    )
