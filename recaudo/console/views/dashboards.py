"""Supervisors' dashboards: figures from the daily aggregates, charts, and their export.

Both views read only ``DailyMetric`` (``recaudo.analytics.queries``), so they take the same few
queries on a portfolio of a hundred accounts or of a million.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recaudo.analytics import export, queries
from recaudo.analytics.queries import Dashboard
from recaudo.console.access import requires
from recaudo.console.forms.dashboards import DashboardFilterForm
from recaudo.customers.models import Channel
from recaudo.debts.models import Stage
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction
from recaudo.staff.roles import Capability


def _label(choices: Any, key: str) -> str:
    """A stage's or channel's name on screen; other keys (buckets, segments) as they are."""
    if not key:
        return _("none")
    try:
        return str(choices(key).label)
    except ValueError:
        return key


def _chart_data(figures: Dashboard, currency: str) -> dict[str, Any]:
    """What dashboards.js draws: labels already translated, numbers as plain floats."""
    portfolio, recovery, contact = figures.portfolio, figures.recovery, figures.contact
    agreements, costs = figures.agreements, figures.costs

    def percent(ratio: queries.Ratio) -> float | None:
        value = ratio.value
        return None if value is None else round(value * 100, 2)

    return {
        "currency": currency,
        "portfolio_by_bucket": {
            "title": _("Portfolio by bucket"),
            "labels": [line.key for line in portfolio.by_bucket],
            "datasets": [
                {
                    "label": _("Accounts"),
                    "data": [line.accounts for line in portfolio.by_bucket],
                    "axis": "count",
                },
                {
                    "label": _("Balance"),
                    "data": [float(line.balance) for line in portfolio.by_bucket],
                    "axis": "money",
                },
            ],
        },
        "payments_by_day": {
            "title": _("Payments by day"),
            # The page language's short date ("05/03/2026", "03/05/2026"), not ISO.
            "labels": [date_format(line.day, "SHORT_DATE_FORMAT") for line in recovery.by_day],
            "datasets": [
                {
                    "label": _("Amount paid"),
                    "data": [float(line.amount) for line in recovery.by_day],
                    "axis": "money",
                },
                {
                    "label": _("Payments"),
                    "data": [line.payments for line in recovery.by_day],
                    "axis": "count",
                },
            ],
        },
        "contact_by_channel": {
            "title": _("Contactability by channel"),
            "labels": [_label(Channel, line.channel) for line in contact.by_channel],
            "datasets": [
                {
                    "label": _("Contactability"),
                    "data": [percent(line.contactability) for line in contact.by_channel],
                    "axis": "percent",
                },
                {
                    "label": _("Right-party contact"),
                    "data": [percent(line.right_party_rate) for line in contact.by_channel],
                    "axis": "percent",
                },
            ],
        },
        "promises": {
            "title": _("Promises"),
            "labels": [_("Made"), _("Kept"), _("Broken")],
            "horizontal": True,
            "datasets": [
                {
                    "label": _("Promises"),
                    "data": [
                        agreements.promises_made.count,
                        agreements.promises_kept.count,
                        agreements.promises_broken.count,
                    ],
                    "axis": "count",
                    "colors": ["#0b5cad", "#1a7f37", "#b3261e"],
                }
            ],
        },
        "cost_by_channel": {
            "title": _("Cost by channel"),
            "labels": [_label(Channel, line.channel) for line in costs.by_channel],
            "datasets": [
                {
                    "label": _("Cost"),
                    "data": [float(line.cost) for line in costs.by_channel],
                    "axis": "money",
                }
            ],
        },
    }


@requires(Capability.VIEW_DASHBOARDS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "has_creditors": bool(form.creditors)}
    if form.creditors and form.is_valid():
        filters = form.filters()
        creditor = form.chosen_creditor
        figures = queries.dashboard(filters)
        form.set_segments(form.known_segments or [])
        context.update(
            creditor=creditor,
            currency=creditor.currency,
            figures=figures,
            last_built=queries.last_built_day(creditor.pk),
            charts=_chart_data(figures, creditor.currency),
            stage_lines=[(_label(Stage, line.key), line) for line in figures.portfolio.by_stage],
            contact_lines=[
                (_label(Channel, line.channel), line) for line in figures.contact.by_channel
            ],
            service_lines=[
                (_label(Channel, line.channel), line) for line in figures.service.by_channel
            ],
            cost_lines=[
                (
                    _label(Channel, line.channel),
                    line,
                    figures.costs.configured.get(line.channel),
                )
                for line in figures.costs.by_channel
            ],
            configured_costs=[
                (_label(Channel, channel), unit_cost)
                for channel, unit_cost in sorted(figures.costs.configured.items())
            ],
            export_csv=form.query_string(format="csv"),
            export_xlsx=form.query_string(format="xlsx"),
        )
    else:
        form.set_segments([])
    return render(request, "console/dashboards/dashboard.html", context)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@requires(Capability.VIEW_DASHBOARDS)
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as CSV or XLSX rows (section, metric, dimension, key, value)."""
    file_format = request.GET.get("format", "csv")
    if file_format not in CONTENT_TYPES:
        return HttpResponse(
            _("Unknown export format %(format)s: use csv or xlsx.") % {"format": file_format},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    form = DashboardFilterForm(request.GET)
    if not form.creditors or not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(error) for error in errors)}"
            for field, errors in form.errors.items()
        ) or _("there is no creditor yet")
        return HttpResponse(
            _("The export filters are not valid (%(problems)s). Fix them on the dashboard.")
            % {"problems": problems},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    creditor = form.chosen_creditor
    figures = queries.dashboard(filters)
    body = export.to_csv(figures) if file_format == "csv" else export.to_xlsx(figures)
    parts = ["recaudo-dashboard", creditor.slug, filters.start.isoformat(), filters.end.isoformat()]
    if filters.segment:
        parts.append(slugify(filters.segment) or "segment")
    filename = f"{'_'.join(parts)}.{file_format}"
    record_audit(
        request.user,
        AuditAction.EXPORTED,
        request=request,
        creditor_id=creditor.pk,
        detail={
            "export": "dashboard",
            "format": file_format,
            "start": filters.start.isoformat(),
            "end": filters.end.isoformat(),
            "segment": filters.segment,
        },
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("dashboards/", dashboard, name="dashboard"),
    path("dashboards/export/", dashboard_export, name="dashboard_export"),
]
