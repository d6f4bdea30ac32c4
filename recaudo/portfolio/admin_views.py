"""The admin's portfolio upload page: the same import and validation report as the CLI."""

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from recaudo.debts.models import Actor, Creditor
from recaudo.portfolio.importing import (
    KIND_LABELS,
    ImportReport,
    import_accounts,
    import_payments,
)
from recaudo.portfolio.io.files import XLSX_SUFFIXES, table_source

SHOWN_ERRORS = 500
UPLOAD_SUFFIXES = {".csv", ".txt", *XLSX_SUFFIXES}


class ImportForm(forms.Form):
    creditor = forms.ModelChoiceField(queryset=Creditor.objects.all(), label=_("creditor"))
    kind = forms.ChoiceField(
        label=_("what the file holds"),
        choices=[("accounts", _("accounts")), ("payments", _("payments"))],
    )
    file = forms.FileField(label=_("file (CSV or XLSX)"))
    skip_invalid = forms.BooleanField(
        label=_("import the valid rows even when some rows have errors"), required=False
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("upload a .csv or .xlsx file"))
        return upload


@staff_member_required
def import_portfolio(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("debts.add_account"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = _run_import(form.cleaned_data, actor_name=request.user.get_username())
    context = {
        **admin.site.each_context(request),
        "title": _("Import a portfolio"),
        "form": form,
        "report": report,
        "shown_errors": report.errors[:SHOWN_ERRORS] if report else [],
        "hidden_errors": max(0, len(report.errors) - SHOWN_ERRORS) if report else 0,
        "summary": _summary(report) if report else [],
    }
    return render(request, "admin/portfolio/import.html", context)


def _summary(report: ImportReport) -> list[tuple[str, int, int, int]]:
    kinds = {**report.created, **report.updated, **report.unchanged}
    return [
        (
            str(KIND_LABELS.get(kind, kind)),
            report.created.get(kind, 0),
            report.updated.get(kind, 0),
            report.unchanged.get(kind, 0),
        )
        for kind in kinds
    ]


def _run_import(data: dict, *, actor_name: str) -> ImportReport:
    upload = data["file"]
    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        for block in upload.chunks():
            copy.write(block)
        copy.flush()
        source = table_source(Path(copy.name))
        options = {
            "creditor": data["creditor"],
            "actor": Actor.AGENT,
            "actor_name": actor_name,
            "skip_invalid": data["skip_invalid"],
        }
        if data["kind"] == "payments":
            return import_payments(source, **options)
        return import_accounts([source], **options)
