"""API items as import tables, and import reports as API answers.

The API writes through the file import (``recaudo.portfolio.importing``) so that it validates and
writes exactly as a file would: the items become an all-text table with the import's canonical
headers, and the report's file rows (the header is row 1) become 1-based item positions.
"""

from collections.abc import Sequence

import polars as pl
from ninja import Schema

from recaudo.api.schemas import ImportResultOut, RowErrorOut
from recaudo.portfolio.importing import ImportReport, TableSource

# The header is the file's first row, so the first item is the file's row 2.
_FIRST_DATA_ROW = 2


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return str(value)


def table_source(items: Sequence[Schema]) -> TableSource:
    """A source yielding one all-text frame, one row per item (at least one), in order.

    Its columns are the fields any item sent, as a file carries only the columns it has: a
    column left out is not the same, to the import, as a column left blank.
    """
    fields = type(items[0]).model_fields
    columns = [name for name in fields if any(name in item.model_fields_set for item in items)]
    frame = pl.DataFrame(
        {column: [_cell(getattr(item, column)) for item in items] for column in columns},
        schema=dict.fromkeys(columns, pl.String),
    )

    return lambda: iter([frame])


def row_errors(report: ImportReport) -> list[RowErrorOut]:
    return [
        RowErrorOut(
            row=error.row - _FIRST_DATA_ROW + 1 if error.row >= _FIRST_DATA_ROW else None,
            field=error.column,
            value=error.value or None,
            message=error.message,
        )
        for error in report.errors
    ]


def import_result(report: ImportReport) -> ImportResultOut:
    return ImportResultOut(
        rows_read=report.rows_read,
        rows_valid=report.rows_valid,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
