"""``recaudo import accounts|payments FILE ... --creditor SLUG``: load a portfolio from files.

Every row is validated before anything is written; errors are printed as a table (the first
ones) and all of them go to the rejected-rows file. Exits with status 1 when nothing was written.
"""

from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from recaudo.debts.models import Creditor
from recaudo.portfolio.importing import (
    KIND_LABELS,
    ImportReport,
    import_accounts,
    import_payments,
)
from recaudo.portfolio.io.files import table_source, write_rejected

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import accounts (customers, contact points, accounts, instalments) or payments."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=["accounts", "payments"])
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--creditor", required=True, help="the creditor's slug")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the valid rows and put the invalid ones in the rejected-rows file",
        )
        parser.add_argument(
            "--rejected-out", type=Path, help="rejected-rows CSV (default: FILE.rejected.csv)"
        )
        parser.add_argument("--lang", choices=["es", "en"], default="es")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout._out, width=120)  # type: ignore[arg-type]
        with translation.override(options["lang"]):
            report = self._import(options, console)
            self._print_report(report, options, console)
            if not report.written:
                raise CommandError(_("nothing was imported: correct the errors and try again"))

    def _import(self, options: dict[str, Any], console: Console) -> ImportReport:
        creditor = _creditor(options["creditor"])
        files: list[Path] = options["files"]
        for path in files:
            if not path.is_file():
                raise CommandError(_("file not found: %(path)s") % {"path": path})
        if options["kind"] == "payments" and len(files) != 1:
            raise CommandError(_("give exactly one payments file"))
        with _progress(console) as progress:
            if options["kind"] == "payments":
                return import_payments(
                    table_source(files[0]),
                    creditor=creditor,
                    skip_invalid=options["skip_invalid"],
                    progress=progress,
                )
            return import_accounts(
                [table_source(path) for path in files],
                creditor=creditor,
                skip_invalid=options["skip_invalid"],
                progress=progress,
            )

    def _print_report(
        self, report: ImportReport, options: dict[str, Any], console: Console
    ) -> None:
        if report.errors:
            console.print(_error_table(report))
        if report.rejected is not None:
            path = options["rejected_out"] or _default_rejected_path(options["files"][0])
            write_rejected(report.rejected, path)
            console.print(_("Rejected rows written to %(path)s") % {"path": path})
        console.print(_summary_table(report))
        if report.skipped.get("instalments"):
            console.print(
                _(
                    "%(count)s instalments left as they are: a payment plan agreed with the "
                    "customer replaced them (docs/agreements.md)."
                )
                % {"count": f"{report.skipped['instalments']:,}"}
            )
        console.print(
            _("%(rows)s rows in %(seconds).1f s (%(rate)s rows/s)")
            % {
                "rows": f"{report.rows_read:,}",
                "seconds": report.elapsed_seconds,
                "rate": f"{report.rows_per_second:,.0f}",
            }
        )


def _creditor(slug: str) -> Creditor:
    try:
        return Creditor.objects.get(slug=slug)
    except Creditor.DoesNotExist as error:
        raise CommandError(_("no creditor with slug %(slug)s") % {"slug": slug}) from error


@contextmanager
def _progress(console: Console) -> Iterator[Any]:
    columns = (
        SpinnerColumn(),
        TextColumn(_("{task.completed:,} rows validated and written")),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False
    ) as bar:
        task = bar.add_task("import", total=None)
        yield lambda rows: bar.advance(task, rows)


def _error_table(report: ImportReport) -> Table:
    table = Table(title=_("Errors"))
    for heading in (_("row"), _("column"), _("value"), _("reason")):
        table.add_column(heading)
    for error in report.errors[:SHOWN_ERRORS]:
        table.add_row(str(error.row), error.column, error.value, error.message)
    hidden = len(report.errors) - SHOWN_ERRORS
    if hidden > 0:
        table.caption = _("... and %(count)s more errors (all are in the rejected-rows file)") % {
            "count": f"{hidden:,}"
        }
    return table


def _summary_table(report: ImportReport) -> Table:
    table = Table(title=_("Summary"))
    for heading in ("", _("created"), _("updated"), _("unchanged")):
        table.add_column(heading)
    for kind in {**report.created, **report.updated, **report.unchanged}:
        table.add_row(
            str(KIND_LABELS.get(kind, kind)),
            f"{report.created.get(kind, 0):,}",
            f"{report.updated.get(kind, 0):,}",
            f"{report.unchanged.get(kind, 0):,}",
        )
    table.caption = _("%(read)s rows read, %(valid)s valid, %(errors)s errors") % {
        "read": f"{report.rows_read:,}",
        "valid": f"{report.rows_valid:,}",
        "errors": f"{len(report.errors):,}",
    }
    return table


def _default_rejected_path(first_file: Path) -> Path:
    return first_file.with_name(f"{first_file.stem}.rejected.csv")
