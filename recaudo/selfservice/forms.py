"""The self-service forms: they parse and validate input; the views call the actions."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.lib.money import has_valid_precision, minor_unit, parse_decimal

_DIGITS = {"inputmode": "numeric", "pattern": "[0-9]*"}


class IdentityForm(forms.Form):
    document_digits = forms.RegexField(
        label=_("Last 4 digits of your document"),
        regex=r"^\s*[0-9]{4,20}\s*$",
        max_length=20,
        error_messages={"invalid": _("Write the last 4 digits of your document, numbers only.")},
        widget=forms.TextInput(attrs=_DIGITS | {"autocomplete": "off", "size": "6"}),
    )
    birth_year = forms.RegexField(
        label=_("Year you were born"),
        regex=r"^\s*(19|20)[0-9]{2}\s*$",
        max_length=4,
        error_messages={"invalid": _("Write the year with 4 digits, for example 1985.")},
        widget=forms.TextInput(attrs=_DIGITS | {"autocomplete": "bday-year", "size": "6"}),
    )

    def clean_document_digits(self) -> str:
        return str(self.cleaned_data["document_digits"]).strip()

    def clean_birth_year(self) -> str:
        return str(self.cleaned_data["birth_year"]).strip()


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*[0-9]{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs=_DIGITS | {"autocomplete": "one-time-code", "size": "8"}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class PayForm(forms.Form):
    """How much to pay: the overdue amount, the whole balance or another amount."""

    choice = forms.ChoiceField(label=_("How much do you want to pay?"), widget=forms.RadioSelect)
    other_amount = forms.CharField(
        label=_("Amount, if you chose another amount"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(
        self,
        *args: Any,
        overdue: Decimal,
        balance: Decimal,
        currency: str,
        labels: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.overdue = overdue
        self.balance = balance
        self.currency = currency
        self.limits_text = labels["limits"]
        choices = []
        if overdue > 0 and overdue < balance:
            choices.append(("overdue", labels["overdue"]))
        choices.append(("balance", labels["balance"]))
        choices.append(("other", labels["other"]))
        choice_field = self.fields["choice"]
        assert isinstance(choice_field, forms.ChoiceField)
        choice_field.choices = choices
        self.initial.setdefault("choice", choices[0][0])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("choice")
        if choice == "overdue":
            data["amount"] = self.overdue
        elif choice == "balance":
            data["amount"] = self.balance
        elif choice == "other":
            data["amount"] = self._other_amount(str(data.get("other_amount") or ""))
        return data

    def _other_amount(self, text: str) -> Decimal:
        if not text.strip():
            self.add_error("other_amount", _("Write the amount you want to pay."))
            return Decimal(0)
        try:
            amount = parse_decimal(text)
        except ValueError:
            self.add_error("other_amount", _("Write only the amount in numbers, e.g. 150000."))
            return Decimal(0)
        if amount <= 0 or amount > self.balance:
            self.add_error("other_amount", self.limits_text)
        elif not has_valid_precision(amount, self.currency):
            if minor_unit(self.currency) == 0:
                self.add_error(
                    "other_amount", _("This currency has no cents: write a whole amount.")
                )
            else:
                self.add_error(
                    "other_amount",
                    _("Use at most %(digits)d decimals.") % {"digits": minor_unit(self.currency)},
                )
        return amount


class PlanChoiceForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    option = forms.CharField(widget=forms.HiddenInput, max_length=40)


class PreferencesForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Where we may write to you about your accounts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred = forms.ChoiceField(
        label=_("Your preferred channel"), required=False, widget=forms.RadioSelect
    )
    hours_start = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    hours_end = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, channels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("channels", "preferred"):
            choice_field = self.fields[name]
            assert isinstance(choice_field, forms.ChoiceField)
            choice_field.choices = channels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.time | None = data.get("hours_start")
        end: dt.time | None = data.get("hours_end")
        if (start is None) != (end is None):
            self.add_error("hours_end", _("Give both hours, or neither."))
        elif start is not None and end is not None and start >= end:
            self.add_error("hours_end", _("The end must be later than the start."))
        preferred = data.get("preferred")
        if preferred and preferred not in data.get("channels", []):
            self.add_error("preferred", _("Your preferred channel must be one you accept."))
        return data

    def chosen_channels(self) -> list[str]:
        """The accepted channels, the preferred one first."""
        channels = list(self.cleaned_data.get("channels", []))
        preferred = self.cleaned_data.get("preferred")
        if preferred in channels:
            channels.remove(preferred)
            channels.insert(0, preferred)
        return channels
