"""The dashboards' filters: creditor, segment (or all) and period (last 7/30/90 days or dates)."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recaudo.analytics import queries
from recaudo.analytics.queries import Filters
from recaudo.debts.models import Account, Creditor

PERIODS = (
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("custom", _("Custom dates")),
)
DEFAULT_PERIOD = "30"
LONGEST_PERIOD_DAYS = 366


class DashboardFilterForm(forms.Form):
    """A GET form; unbound values fall back to the first creditor and the last 30 days.

    The creditors are read once (one query) and kept; ``segment`` must be one of the segments
    with figures in the period (``known_segments``, kept for the view's choices) or of the
    creditor's accounts (a segment with no rows yet shows empty figures).
    """

    creditor = forms.ChoiceField(label=_("Creditor"))
    segment = forms.CharField(
        label=_("Segment"), required=False, max_length=100, widget=forms.Select()
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial=DEFAULT_PERIOD)
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, *, today: dt.date | None = None) -> None:
        self.creditors = {
            str(creditor.pk): creditor for creditor in Creditor.objects.order_by("name")
        }
        values = dict(data.items()) if data is not None else {}
        values.setdefault("period", DEFAULT_PERIOD)
        if not values.get("creditor") and self.creditors:
            values["creditor"] = next(iter(self.creditors))
        super().__init__(values)
        self.today = today
        # The period's segments with figures, read while validating (None until then).
        self.known_segments: list[str] | None = None
        creditor_field: Any = self.fields["creditor"]
        creditor_field.choices = [(key, creditor.name) for key, creditor in self.creditors.items()]
        self.set_segments([])

    def set_segments(self, segments: list[str]) -> None:
        """Offer "all" and these segments (plus the chosen one, even when it has no rows)."""
        chosen = self.data.get("segment") or ""
        refused: Any = getattr(self, "_errors", None)  # set once the form is validated
        if refused is not None and "segment" in refused:
            chosen = ""  # a refused segment is not offered back
        names = sorted({*segments, chosen} - {""})
        widget: Any = self.fields["segment"].widget
        widget.choices = [("", _("All segments")), *((name, name) for name in names)]

    @property
    def chosen_creditor(self) -> Creditor:
        return self.creditors[self.cleaned_data["creditor"]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        period = cleaned.get("period")
        creditor_key = cleaned.get("creditor")
        if period is None or creditor_key is None:
            return cleaned
        today = self.today or timezone.localdate(
            timezone=ZoneInfo(self.creditors[creditor_key].timezone)
        )
        if period != "custom":
            cleaned["end"] = today
            cleaned["start"] = today - dt.timedelta(days=int(period) - 1)
            self._check_segment(cleaned)
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None:
            self.add_error("start", _("Enter the first day of the period, or pick a fixed period."))
        if end is None:
            self.add_error("end", _("Enter the last day of the period, or pick a fixed period."))
        if start is None or end is None:
            return cleaned
        if start > end:
            self.add_error("end", _("The last day is before the first day: swap the dates."))
        elif (end - start).days + 1 > LONGEST_PERIOD_DAYS:
            self.add_error(
                "end",
                _("The period is longer than %(days)d days: choose a shorter one.")
                % {"days": LONGEST_PERIOD_DAYS},
            )
        else:
            self._check_segment(cleaned)
        return cleaned

    def _check_segment(self, cleaned: dict[str, Any]) -> None:
        """Read the period's segments; refuse a segment neither they nor the accounts know."""
        creditor = self.creditors[cleaned["creditor"]]
        self.known_segments = queries.segments(creditor.pk, cleaned["start"], cleaned["end"])
        segment = cleaned.get("segment") or ""
        if not segment or segment in self.known_segments:
            return
        if Account.objects.filter(creditor=creditor, segment=segment).exists():
            return
        self.add_error(
            "segment",
            _("%(creditor)s has no segment %(segment)s: choose one from the list, or all segments.")
            % {"creditor": creditor.name, "segment": segment},
        )

    def filters(self) -> Filters:
        cleaned = self.cleaned_data
        return Filters(
            creditor_id=self.chosen_creditor.pk,
            start=cleaned["start"],
            end=cleaned["end"],
            segment=cleaned.get("segment") or "",
        )

    def query_string(self, **extra: str) -> str:
        """The filters as a query string (for the export links)."""
        cleaned = self.cleaned_data
        values = {
            "creditor": cleaned["creditor"],
            "segment": cleaned.get("segment") or "",
            "period": cleaned["period"],
            "start": cleaned["start"].isoformat(),
            "end": cleaned["end"].isoformat(),
            **extra,
        }
        return urlencode(values)
