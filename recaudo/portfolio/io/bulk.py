"""Frames in and out of database tables, on the default connection and inside its transaction.

PostgreSQL uses ``COPY`` (CSV); SQLite uses ``executemany`` on prepared statements. Columns are
written as they are in the frame: give money as ``pl.Decimal`` (or strings), dates as ``pl.Date``,
timestamps as UTC ``pl.Datetime``.
"""

import io
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from django.db import connection

CHUNK_ROWS = 50_000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes as naive UTC text and decimals as text: the forms Django's SQLite backend stores."""
    conversions = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            conversions.append(column.dt.strftime("%Y-%m-%d %H:%M:%S.%6f").alias(name))
        elif isinstance(dtype, pl.Decimal):
            conversions.append(pl.col(name).cast(pl.String))
        elif dtype == pl.Date:
            conversions.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype in (pl.List, pl.Struct, pl.Object):
            raise TypeError(f"column {name} of type {dtype} cannot be written")
    return frame.with_columns(conversions) if conversions else frame


def _postgresql_csv(frame: pl.DataFrame) -> bytes:
    conversions = [
        pl.col(name).dt.convert_time_zone("UTC")
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
        else pl.col(name).dt.replace_time_zone("UTC")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    ready = frame.with_columns(conversions) if conversions else frame
    return ready.write_csv(include_header=False, null_value=r"\N").encode()


def insert_frame(table: str, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` into ``table`` (columns named as in the frame)."""
    if frame.is_empty():
        return 0
    columns = ", ".join(_quote(name) for name in frame.columns)
    with connection.cursor() as cursor:
        if is_postgresql():
            statement = f"COPY {_quote(table)} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for chunk in frame.iter_slices(CHUNK_ROWS):
                with raw.copy(statement) as copy:
                    copy.write(_postgresql_csv(chunk))
        else:
            placeholders = ", ".join("?" for _ in frame.columns)
            statement = f"INSERT INTO {_quote(table)} ({columns}) VALUES ({placeholders})"
            raw = cursor.cursor
            for chunk in frame.iter_slices(CHUNK_ROWS):
                raw.executemany(statement, _sqlite_ready(chunk).iter_rows())
    return frame.height


def update_from_frame(table: str, frame: pl.DataFrame, *, key: str = "id") -> int:
    """Set the frame's columns on the rows of ``table`` whose ``key`` matches; returns rows given.

    The rows go to a temporary staging table first, then one ``UPDATE ... FROM`` applies them.
    """
    if frame.is_empty():
        return 0
    staging = f"staging_{table}"
    value_columns = [name for name in frame.columns if name != key]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_quote(staging)}")
        like = (
            f"CREATE TEMPORARY TABLE {_quote(staging)} AS "
            f"SELECT {', '.join(_quote(c) for c in frame.columns)} FROM {_quote(table)} WHERE 1 = 0"
        )
        cursor.execute(like)
        insert_frame(staging, frame)
        if is_postgresql():
            cursor.execute(f"ANALYZE {_quote(staging)}")
        assignments = ", ".join(
            f"{_quote(name)} = {_quote(staging)}.{_quote(name)}" for name in value_columns
        )
        cursor.execute(
            f"UPDATE {_quote(table)} SET {assignments} FROM {_quote(staging)} "
            f"WHERE {_quote(table)}.{_quote(key)} = {_quote(staging)}.{_quote(key)}"
        )
        cursor.execute(f"DROP TABLE {_quote(staging)}")
    return frame.height


def read_frame(
    sql: str, params: Sequence[Any], schema: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """Run ``sql`` and return its rows as a frame with ``schema`` (names in the SELECT's order).

    Dates come back as ``pl.Date``; select money as text or integer minor units.
    """
    if is_postgresql():
        with connection.cursor() as cursor:
            query = cursor.cursor.mogrify(sql, params) if params else sql
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return pl.DataFrame(schema=schema)
        return pl.read_csv(buffer, has_header=False, schema=schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _frame_from_cursor(cursor.cursor, schema)


def _frame_from_cursor(
    cursor: object, schema: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    # Django's SQLite connection converts date and datetime columns (naive UTC) to Python objects.
    naive_schema = {
        name: (
            pl.Datetime("us") if isinstance(dtype, pl.Datetime) or dtype == pl.Datetime else dtype
        )
        for name, dtype in schema.items()
    }
    parts = [
        pl.DataFrame(rows, schema=naive_schema, orient="row")
        for rows in _batches(cursor, CHUNK_ROWS * 4)
    ]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=naive_schema)
    aware = [
        pl.col(name).dt.replace_time_zone("UTC")
        for name, dtype in naive_schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    return frame.with_columns(aware) if aware else frame


def _batches(cursor: object, size: int) -> Iterator[list[tuple[object, ...]]]:
    while True:
        rows = cursor.fetchmany(size)  # type: ignore[attr-defined]
        if not rows:
            return
        yield rows


__all__ = ["insert_frame", "is_postgresql", "read_frame", "update_from_frame"]
