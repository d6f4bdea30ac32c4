"""Forms of the strategists' editors: segment rules, strategy steps, templates, experiments.

The forms parse and show errors; the rules of what may be saved live in the actions
(``segment_rule_errors``, ``step_errors``, ``experiment_errors``, ``template_errors``), which
the forms call so the user sees every problem next to its field before anything is written.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recaudo.customers.models import Channel, CustomerType
from recaudo.debts.models import Creditor, ProductType, Stage
from recaudo.portfolio.actions import RULE_FIELDS, segment_rule_errors
from recaudo.portfolio.models import SegmentRule
from recaudo.strategies.actions import STEP_FIELDS, step_errors
from recaudo.strategies.models import Step, Strategy, Template

JSON_HELP = _('JSON, e.g. {"no_active_promise": true, "max_days_past_due": 30}')
# ``<input type="date">`` takes only ``yyyy-mm-dd``: a localised value ("01/12/2026") is dropped
# by the browser and the field then fails as required.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _add_errors(form: forms.BaseForm, errors: dict[str, list[str]]) -> None:
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class SegmentRuleForm(forms.ModelForm):
    customer_types = forms.MultipleChoiceField(
        label=_("customer types"),
        choices=CustomerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )
    product_types = forms.MultipleChoiceField(
        label=_("product types"),
        choices=ProductType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )
    stages = forms.MultipleChoiceField(
        label=_("stages"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )

    class Meta:
        model = SegmentRule
        fields = list(RULE_FIELDS)

    def __init__(self, *args: Any, creditor: Creditor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.creditor = creditor
        for name in ("min_score", "max_score"):
            self.fields[name].widget.attrs.update(step="0.01", min="0", max="1")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # the instance now holds the typed values
        if not self.errors:
            _add_errors(self, segment_rule_errors(self.instance))

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}

    def unsaved_rule(self) -> SegmentRule | None:
        """The rule as typed (not saved), for the live count; None while it does not parse."""
        if not self.is_valid():
            return None
        return self.instance


class StepForm(forms.ModelForm):
    conditions = forms.JSONField(
        label=_("conditions"),
        required=False,
        help_text=JSON_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Step
        fields = list(STEP_FIELDS)

    def __init__(self, *args: Any, strategy: Strategy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.strategy = strategy
        self.fields["stage"] = forms.ChoiceField(
            label=_("stage"),
            choices=[("", _("any")), *list(Stage.choices)],
            required=False,
        )
        self.fields["channel"].required = False

    def clean_conditions(self) -> Any:
        value = self.cleaned_data.get("conditions")
        return {} if value in (None, "") else value

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # the instance now holds the typed values
        if not self.errors:
            _add_errors(self, step_errors(self.instance))

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in STEP_FIELDS}


class TemplateForm(forms.Form):
    """A template's editable fields; code and channel only when it is new."""

    code = forms.SlugField(label=_("code"), max_length=80, help_text=_("e.g. reminder-before-due"))
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    name = forms.CharField(label=_("name"), max_length=200, required=False)
    stage = forms.ChoiceField(
        label=_("stage"), choices=[("", _("any")), *list(Stage.choices)], required=False
    )
    language = forms.CharField(label=_("language"), max_length=10, initial="es")
    subject = forms.CharField(label=_("subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Variables in double braces, e.g. {{ first_name }}."),
    )
    provider_template_name = forms.CharField(
        label=_("provider template name"), max_length=200, required=False
    )
    provider_template_params = forms.JSONField(
        label=_("provider template parameters"),
        required=False,
        help_text=_('JSON list of variables, e.g. ["first_name", "amount"]'),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    buttons = forms.JSONField(
        label=_("buttons"),
        required=False,
        help_text=_(
            'JSON list, e.g. [{"type": "url", "text": "Pagar", "url": "{{ payment_link }}"}]'
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sample_account = forms.CharField(
        label=_("sample account (external id)"),
        max_length=100,
        required=False,
        help_text=_("Empty: an invented customer. Viewing a real customer is audited."),
    )

    EDITABLE = (
        "name",
        "stage",
        "language",
        "subject",
        "body",
        "provider_template_name",
        "provider_template_params",
        "buttons",
    )

    def __init__(
        self, *args: Any, existing: bool = False, real_accounts: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing
        if not real_accounts:
            # Only a user who may open customers previews a real account.
            del self.fields["sample_account"]
        if existing:
            for name in ("code", "channel"):
                self.fields[name].disabled = True

    def clean_provider_template_params(self) -> Any:
        value = self.cleaned_data.get("provider_template_params")
        return [] if value in (None, "") else value

    def clean_buttons(self) -> Any:
        value = self.cleaned_data.get("buttons")
        return [] if value in (None, "") else value

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.EDITABLE}

    def unsaved_template(self, creditor: Creditor) -> Template:
        """The template as typed, for the preview (fields that do not parse are left blank)."""
        data = getattr(self, "cleaned_data", {})
        template = Template(
            creditor=creditor,
            code=data.get("code") or self.data.get("code") or self.initial.get("code", ""),
            channel=str(
                data.get("channel") or self.initial.get("channel") or self.data.get("channel") or ""
            ),
        )
        for name in self.EDITABLE:
            if name in data:
                setattr(template, name, data[name])
            elif name in ("name", "stage", "language", "subject", "body", "provider_template_name"):
                setattr(template, name, self.data.get(name, ""))
        return template


class ExperimentForm(forms.Form):
    """A new experiment with two or three variants (the third is optional)."""

    VARIANTS = 3

    name = forms.CharField(label=_("name"), max_length=200)
    segment = forms.CharField(
        label=_("segment"), max_length=100, required=False, help_text=_("Empty: every segment.")
    )
    started_on = forms.DateField(label=_("start date"), widget=DATE_INPUT)

    def __init__(self, *args: Any, creditor: Creditor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        strategies = Strategy.objects.filter(creditor=creditor).order_by("name")
        defaults = (("champion", 50), ("challenger", 50), ("", None))
        for number in range(1, self.VARIANTS + 1):
            name, weight = defaults[number - 1]
            required = number <= 2
            self.fields[f"variant_{number}_name"] = forms.CharField(
                label=_("variant %(number)s: name") % {"number": number},
                max_length=50,
                required=required,
                initial=name,
            )
            self.fields[f"variant_{number}_strategy"] = forms.ModelChoiceField(
                label=_("variant %(number)s: strategy") % {"number": number},
                queryset=strategies,
                required=required,
            )
            self.fields[f"variant_{number}_weight"] = forms.IntegerField(
                label=_("variant %(number)s: weight (%%)") % {"number": number},
                min_value=0,
                max_value=100,
                required=required,
                initial=weight,
            )

    def variants(self) -> list[tuple[str, Strategy | None, int]]:
        rows = []
        for number in range(1, self.VARIANTS + 1):
            name = self.cleaned_data.get(f"variant_{number}_name") or ""
            strategy = self.cleaned_data.get(f"variant_{number}_strategy")
            weight = self.cleaned_data.get(f"variant_{number}_weight")
            if number > 2 and not name and strategy is None and not weight:
                continue
            rows.append((name, strategy, weight or 0))
        return rows

    def variant_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                self[f"variant_{number}_name"],
                self[f"variant_{number}_strategy"],
                self[f"variant_{number}_weight"],
            )
            for number in range(1, self.VARIANTS + 1)
        ]
