"""The customer search and the forms of the customer view's actions.

The forms only check the input (types, ranges, what the person must fill in); the business
rules (the creditor's limits, the contact policy, idempotency) are the actions'.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from recaudo.console.templatetags.console import money
from recaudo.customers.models import Channel
from recaudo.debts.actions import PAYMENT_LINK_CHANNELS
from recaudo.debts.models import Account, Creditor, HoldKind, PaymentMethod
from recaudo.debts.plans import PlanOption
from recaudo.debts.promises import PromiseTerms
from recaudo.lib.money import has_valid_precision

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# Channels an agent may opt a customer out of or accept for them.
CONTACT_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.VOICE, Channel.EMAIL, Channel.RCS)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Name, document (whole or its last digits), phone, e-mail or account number."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    creditor = forms.ModelChoiceField(
        label=_("Creditor"),
        queryset=Creditor.objects.order_by("name"),
        required=False,
        empty_label=_("All creditors"),
    )


class MoneyField(forms.DecimalField):
    """An amount in the account's currency: more than zero, with the currency's decimals."""

    def __init__(self, currency: str, **kwargs: Any) -> None:
        self.currency = currency
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_digits", 18)
        super().__init__(**kwargs)
        self.error_messages["min_value"] = _("Enter an amount greater than zero.")

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)  # type: ignore[arg-type]
        if value is not None and not has_valid_precision(value, self.currency):
            raise forms.ValidationError(
                _("%(currency)s amounts take no more decimals than the currency has: round it."),
                params={"currency": self.currency},
                code="precision",
            )


class PromiseForm(forms.Form):
    """``terms``: the creditor's limits (``debts.promises.promise_terms``), shown up front; the
    action checks them again."""

    def __init__(
        self, *args: Any, account: Account, terms: PromiseTerms, today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.terms = terms
        self.fields["amount"] = MoneyField(
            account.currency,
            label=_("Amount promised (%(currency)s)") % {"currency": account.currency},
            help_text=_("At least %(minimum)s; due now: %(owed)s.")
            % {
                "minimum": money(terms.min_amount, account.currency),
                "owed": money(terms.suggested_amount, account.currency),
            },
        )
        self.fields["amount"].widget.attrs["min"] = str(terms.min_amount)
        self.fields["promised_date"] = forms.DateField(
            label=_("Promised date"),
            widget=forms.DateInput(
                attrs={
                    "type": "date",
                    "min": today.isoformat(),
                    "max": terms.latest_date.isoformat(),
                },
                format="%Y-%m-%d",
            ),
            help_text=_("The day the customer will pay: from today until %(date)s.")
            % {"date": date_format(terms.latest_date, "SHORT_DATE_FORMAT")},
        )


class PlanForm(forms.Form):
    def __init__(self, *args: Any, options: Sequence[PlanOption] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"] = forms.ChoiceField(
            label=_("Plan option"),
            choices=[(option.key, option.key) for option in options],
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choose one of the plan options."),
                "invalid_choice": _("That option is no longer offered: choose one of the list."),
            },
        )


class PaymentForm(forms.Form):
    def __init__(self, *args: Any, account: Account, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["amount"] = MoneyField(
            account.currency, label=_("Amount paid (%(currency)s)") % {"currency": account.currency}
        )
        self.fields["paid_on"] = forms.DateField(
            label=_("Paid on"),
            # The browser's date picker offers no future day; ``clean_paid_on`` refuses one.
            widget=forms.DateInput(
                attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d"
            ),
            initial=today,
        )
        self.fields["method"] = forms.ChoiceField(
            label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER
        )
        self.fields["reference"] = forms.CharField(
            label=_("Reference"),
            max_length=120,
            help_text=_(
                "The bank's or receipt's reference: a payment is recorded once per reference."
            ),
        )

    def clean_paid_on(self) -> dt.date:
        paid_on: dt.date = self.cleaned_data["paid_on"]
        if paid_on > self.today:
            raise forms.ValidationError(
                _("The payment date cannot be in the future: enter the day it was paid."),
                code="future",
            )
        return paid_on

    def clean_reference(self) -> str:
        return str(self.cleaned_data["reference"]).strip()


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before saving it.")},
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What the customer disputes"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write what the customer disputes.")},
    )


class HoldForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Reason for the hold"),
        # A dispute has its own action (it also changes the account's status).
        choices=[(value, label) for value, label in HoldKind.choices if value != HoldKind.DISPUTE],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, accounts: Iterable[Account] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"] = forms.ChoiceField(
            label=_("Applies to"),
            required=False,
            choices=[("", _("All the customer's accounts"))]
            + [(str(account.pk), account.external_id) for account in accounts],
        )
        self.order_fields(["kind", "account", "note"])


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, channels: Sequence[str] = CONTACT_CHANNELS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(channel, Channel(channel).label) for channel in channels]
        self.fields["accepted_channels"] = forms.MultipleChoiceField(
            label=_("Channels the customer accepts"),
            required=False,
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("An unticked channel is withdrawn on every contact point."),
        )
        self.fields["preferred_channel"] = forms.ChoiceField(
            label=_("Preferred channel"),
            required=False,
            choices=[("", _("No preference")), *choices],
        )
        self.fields["hours_start"] = forms.TimeField(
            label=_("Preferred from"), required=False, widget=TIME_INPUT
        )
        self.fields["hours_end"] = forms.TimeField(
            label=_("Preferred until"), required=False, widget=TIME_INPUT
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preferred = data.get("preferred_channel")
        if preferred and preferred not in data.get("accepted_channels", []):
            self.add_error(
                "preferred_channel",
                _("The preferred channel must be one of the accepted ones: tick it above."),
            )
        start, end = data.get("hours_start"), data.get("hours_end")
        if (start is None) != (end is None):
            self.add_error(
                "hours_end", _("Give both hours of the preferred window, or leave both empty.")
            )
        elif start is not None and end is not None and start >= end:
            self.add_error(
                "hours_end", _("The window must end after it starts: change one of the hours.")
            )
        return data


class OptOutForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(channel, Channel(channel).label) for channel in CONTACT_CHANNELS],
    )


class PaymentLinkForm(forms.Form):
    """``channels``: those on which the customer has a reachable contact point (the view asks
    ``customers.queries.reachable_contact_point``); another one is refused as not offered."""

    def __init__(
        self, *args: Any, channels: Sequence[str] = PAYMENT_LINK_CHANNELS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"] = forms.ChoiceField(
            label=_("Send by"),
            choices=[(channel, Channel(channel).label) for channel in channels],
        )
