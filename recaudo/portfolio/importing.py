"""Importing portfolios: validate every row of every file first, then write.

``import_accounts`` and ``import_payments`` take table sources (zero-argument callables giving a
fresh iterator of all-String chunks), so files, uploads and API batches go the same way. By
default nothing is written unless the whole input is valid; with ``skip_invalid`` the valid
rows are written and the rejected ones come back in the report with their errors.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.debts.models import Account, Creditor
from recaudo.portfolio import imports as schema
from recaudo.portfolio.imports import CreditorDefaults, HeaderMapping, Kind, RowError
from recaudo.portfolio.io import imports as store
from recaudo.portfolio.io.files import TableSource, UnreadableFile

Progress = Callable[[int], None]
GROUP_ORDER = (
    schema.CUSTOMER,
    schema.CONTACT,
    schema.ACCOUNT,
    schema.CONTACT_FILE,
    schema.INSTALMENT,
)
ERROR_COLUMN = "error"
KIND_LABELS = {
    "customers": gettext_lazy("customers"),
    "contact_points": gettext_lazy("contact points"),
    "accounts": gettext_lazy("accounts"),
    "instalments": gettext_lazy("instalments"),
    "payments": gettext_lazy("payments"),
}


@dataclass
class ImportReport:
    kind: str
    rows_read: int = 0
    rows_valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    # Rows the import left alone on purpose (instalments replaced by a payment plan).
    skipped: dict[str, int] = field(default_factory=dict)
    rejected: pl.DataFrame | None = None
    written: bool = False
    elapsed_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.elapsed_seconds if self.elapsed_seconds else 0.0


@dataclass
class _Source:
    """One input and what the validation pass learnt about it."""

    index: int
    read: TableSource
    mapping: HeaderMapping | None = None
    invalid_rows: set[int] = field(default_factory=set)

    @property
    def writable(self) -> bool:
        return self.mapping is not None and not self.mapping.errors


@dataclass
class _Known:
    """What earlier chunks defined, for the chunks that refer to it."""

    accounts: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"account_id": pl.String, "currency": pl.String}
        )
    )
    customers: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"customer_id": pl.String, "country": pl.String}
        )
    )
    seen: dict[tuple[str, ...], pl.DataFrame] = field(default_factory=dict)


def import_accounts(
    sources: list[TableSource],
    *,
    creditor: Creditor,
    actor: str = "system",
    actor_name: str = "",
    skip_invalid: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import customers, contact points, accounts and instalments from one or several tables."""
    started = time.perf_counter()
    report = ImportReport(kind="accounts")
    today = today or timezone.localdate(timezone=ZoneInfo(creditor.timezone))
    defaults = CreditorDefaults(creditor.country, creditor.currency, creditor.timezone)
    plans = _ordered([_Source(index, read) for index, read in enumerate(sources)])
    known = _Known()
    rejected: list[pl.DataFrame] = []
    for plan in plans:
        for first_row, chunk in _chunks(plan, "accounts", report):
            rows, errors = _validate_accounts_chunk(
                chunk, plan, first_row, known, creditor, defaults, today
            )
            _remember(rows, plan.mapping, known)
            _count_chunk(report, plan, chunk, first_row, errors, rejected, progress)
    _finish_validation(report, rejected)
    if report.errors and not skip_invalid:
        return _done(report, started)
    writer = store.Writer(creditor, actor, actor_name, timezone.now())
    counts = store.Counts()
    with transaction.atomic():
        for plan in (plan for plan in plans if plan.writable):
            for first_row, chunk in _chunks(plan, "accounts", report, counting=False):
                rows, _errors = _validate_accounts_chunk(
                    chunk, plan, first_row, _Known(), creditor, defaults, today, from_database=True
                )
                valid = rows.filter(~pl.col(schema.ROW).is_in(list(plan.invalid_rows)))
                assert plan.mapping is not None
                store.write_accounts_chunk(valid, plan.mapping.groups, writer, counts)
                if progress:
                    progress(chunk.height)
    _apply_counts(report, counts)
    report.written = True
    return _done(report, started)


def import_payments(
    source: TableSource,
    *,
    creditor: Creditor,
    actor: str = "system",
    actor_name: str = "",
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Record payments once per reference, re-allocate instalments and apply the balance rule."""
    started = time.perf_counter()
    report = ImportReport(kind="payments")
    plan = _Source(0, source)
    known = _Known()
    rejected: list[pl.DataFrame] = []
    for first_row, chunk in _chunks(plan, "payments", report):
        rows, errors = _validate_payments_chunk(chunk, plan, first_row, creditor, known)
        _count_chunk(report, plan, chunk, first_row, errors, rejected, progress)
    _finish_validation(report, rejected)
    if (report.errors and not skip_invalid) or not plan.writable:
        return _done(report, started)
    writer = store.Writer(creditor, actor, actor_name, timezone.now())
    counts = store.Counts()
    with transaction.atomic():
        for first_row, chunk in _chunks(plan, "payments", report, counting=False):
            rows, _errors = _validate_payments_chunk(chunk, plan, first_row, creditor, _Known())
            valid = rows.filter(~pl.col(schema.ROW).is_in(list(plan.invalid_rows)))
            store.write_payments(valid, writer, counts)
            if progress:
                progress(chunk.height)
    _apply_counts(report, counts)
    report.written = True
    return _done(report, started)


# ------------------------------------------------------------------------------- reading


def _ordered(plans: list[_Source]) -> list[_Source]:
    """Sources in the order their groups apply: customers, accounts, contact points, instalments."""
    for plan in plans:
        header = _first_chunk(plan.read)
        if header is not None:
            plan.mapping = schema.map_headers(header.columns, "accounts")

    def rank(plan: _Source) -> int:
        if plan.mapping is None:
            return 0
        return max((GROUP_ORDER.index(g) for g in plan.mapping.groups), default=0)

    return sorted(plans, key=rank)


def _first_chunk(read: TableSource) -> pl.DataFrame | None:
    chunks = read()
    try:
        return next(chunks, None)
    except UnreadableFile:
        return None  # reported by the validation pass
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _chunks(
    plan: _Source, kind: Kind, report: ImportReport, *, counting: bool = True
) -> Iterator[tuple[int, pl.DataFrame]]:
    """``(first row number, chunk)`` for each chunk; file-level problems become row errors."""
    first_row = 2
    try:
        for chunk in plan.read():
            if plan.mapping is None:
                plan.mapping = schema.map_headers(chunk.columns, kind)
            if counting and first_row == 2:
                report.errors.extend(_in_file(plan, error) for error in plan.mapping.errors)
            if plan.writable:
                yield first_row, chunk
            elif counting:
                report.rows_read += chunk.height
            first_row += chunk.height
    except UnreadableFile as problem:
        if counting:
            report.errors.append(_in_file(plan, RowError(problem.row, "", "", problem.message)))
        plan.mapping = HeaderMapping({}, frozenset(), [RowError(problem.row, "", "", "")])


def _in_file(plan: _Source, error: RowError) -> RowError:
    """The error's column as the file spells it (``saldo``, not ``balance``); errors of the
    second and later files also name their file (``file 2: saldo``)."""
    column = _header_in_file(plan, error.column)
    if plan.index > 0:
        prefix = _("file %(number)s") % {"number": plan.index + 1}
        column = f"{prefix}: {column}" if column else prefix
    return RowError(error.row, column, error.value, error.message)


def _header_in_file(plan: _Source, column: str) -> str:
    if plan.mapping is None:
        return column
    headers = {canonical: header for header, canonical in plan.mapping.renames.items()}
    return headers.get(column, column)


# ---------------------------------------------------------------------------- validation


def _validate_accounts_chunk(
    chunk: pl.DataFrame,
    plan: _Source,
    first_row: int,
    known: _Known,
    creditor: Creditor,
    defaults: CreditorDefaults,
    today: date,
    *,
    from_database: bool = False,
) -> tuple[pl.DataFrame, list[RowError]]:
    assert plan.mapping is not None
    groups = plan.mapping.groups
    frame = schema.prepare(chunk, plan.mapping, first_row)
    account_currencies = customer_countries = None
    if schema.INSTALMENT in groups and schema.ACCOUNT not in groups:
        account_currencies = _known_or_stored_accounts(frame, known, creditor)
    if schema.CONTACT_FILE in groups:
        customer_countries = _known_or_stored_customers(frame, known, creditor)
    validated = schema.validate_accounts(
        frame,
        groups,
        defaults=defaults,
        today=today,
        account_currencies=account_currencies,
        customer_countries=customer_countries,
    )
    errors = list(validated.errors)
    if not from_database:
        errors += _duplicates(frame, groups, known)
        errors += _disagreements(validated.rows, groups)
    return validated.rows, errors


def _duplicates(frame: pl.DataFrame, groups: frozenset[str], known: _Known) -> list[RowError]:
    key = schema.duplicate_key(groups)
    if not all(name in frame.columns for name in key):
        return []
    seen = known.seen.get(tuple(key))
    if seen is None:
        seen = schema.seen_keys(dict.fromkeys(key, pl.String))
    errors, known.seen[tuple(key)] = schema.duplicate_errors(frame, key, seen)
    return errors


def _disagreements(rows: pl.DataFrame, groups: frozenset[str]) -> list[RowError]:
    errors = []
    if schema.INSTALMENT in groups and schema.ACCOUNT in groups:
        errors += schema.disagreement_errors(rows, "account_id", schema.ACCOUNT_FIELDS)
    if schema.CUSTOMER in groups:
        errors += schema.disagreement_errors(rows, "customer_id", schema.CUSTOMER_FIELDS)
    return errors


def _remember(rows: pl.DataFrame, mapping: HeaderMapping | None, known: _Known) -> None:
    """Keep the valid accounts and customers of this chunk for the files that refer to them."""
    if mapping is None:
        return
    if schema.ACCOUNT in mapping.groups:
        known.accounts = pl.concat(
            [known.accounts, rows.select("account_id", "currency").unique("account_id")]
        )
    if schema.CUSTOMER in mapping.groups:
        known.customers = pl.concat(
            [known.customers, rows.select("customer_id", "country").unique("customer_id")]
        )


def _known_or_stored_accounts(
    frame: pl.DataFrame, known: _Known, creditor: Creditor
) -> pl.DataFrame:
    ids = frame["account_id"].drop_nulls().unique()
    missing = ids.filter(~ids.is_in(known.accounts["account_id"].implode()))
    stored = _stored_account_currencies(missing, creditor)
    return pl.concat([known.accounts.filter(pl.col("account_id").is_in(ids.implode())), stored])


def _stored_account_currencies(ids: pl.Series, creditor: Creditor) -> pl.DataFrame:
    return store.stored_by_external_id(
        Account._meta.db_table, ids, creditor, {"account_id": pl.String, "currency": pl.String}
    )


def _known_or_stored_customers(
    frame: pl.DataFrame, known: _Known, creditor: Creditor
) -> pl.DataFrame:
    ids = frame["customer_id"].drop_nulls().unique()
    missing = ids.filter(~ids.is_in(known.customers["customer_id"].implode()))
    stored = store.stored_by_external_id(
        "customers_customer", missing, creditor, {"customer_id": pl.String, "country": pl.String}
    )
    return pl.concat([known.customers.filter(pl.col("customer_id").is_in(ids.implode())), stored])


def _validate_payments_chunk(
    chunk: pl.DataFrame, plan: _Source, first_row: int, creditor: Creditor, known: _Known
) -> tuple[pl.DataFrame, list[RowError]]:
    assert plan.mapping is not None
    frame = schema.prepare(chunk, plan.mapping, first_row)
    accounts = _stored_account_currencies(frame["account_id"].drop_nulls().unique(), creditor)
    validated = schema.validate_payments(
        frame, timezone=creditor.timezone, account_currencies=accounts
    )
    return validated.rows, list(validated.errors) + _duplicates(frame, plan.mapping.groups, known)


def _count_chunk(
    report: ImportReport,
    plan: _Source,
    chunk: pl.DataFrame,
    first_row: int,
    errors: list[RowError],
    rejected: list[pl.DataFrame],
    progress: Progress | None,
) -> None:
    report.rows_read += chunk.height
    report.errors.extend(_in_file(plan, error) for error in errors)
    bad_rows = {error.row for error in errors}
    plan.invalid_rows |= bad_rows
    report.rows_valid += chunk.height - len(bad_rows)
    if bad_rows:
        rejected.append(_rejected_rows(chunk, errors, first_row))
    if progress:
        progress(chunk.height)


def _rejected_rows(chunk: pl.DataFrame, errors: list[RowError], first_row: int) -> pl.DataFrame:
    """The chunk's rejected rows as they were in the file, plus their errors in one column."""
    messages: dict[int, list[str]] = {}
    for error in errors:
        messages.setdefault(error.row, []).append(f"{error.column}: {error.message}")
    indexed = chunk.with_row_index("_index")
    rows = pl.DataFrame(
        {
            "_index": [row - first_row for row in messages],
            ERROR_COLUMN: ["; ".join(text) for text in messages.values()],
        },
        schema={"_index": pl.UInt32, ERROR_COLUMN: pl.String},
    )
    return indexed.join(rows, on="_index").drop("_index").with_columns(pl.all().cast(pl.String))


def _finish_validation(report: ImportReport, rejected: list[pl.DataFrame]) -> None:
    report.errors.sort(key=lambda error: error.row)
    if rejected:
        report.rejected = pl.concat(rejected, how="diagonal")


def _apply_counts(report: ImportReport, counts: store.Counts) -> None:
    report.created, report.updated, report.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    report.skipped = counts.skipped


def _done(report: ImportReport, started: float) -> ImportReport:
    report.elapsed_seconds = time.perf_counter() - started
    return report


def frame_source(frame: pl.DataFrame) -> TableSource:
    """A table source for a frame already in memory (an API batch, a test)."""
    return lambda: iter([frame])


__all__ = [
    "KIND_LABELS",
    "ImportReport",
    "RowError",
    "TableSource",
    "frame_source",
    "import_accounts",
    "import_payments",
]
