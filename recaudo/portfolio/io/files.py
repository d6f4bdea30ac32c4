"""Portfolio files in and out: CSV and XLSX read as streams of all-String chunks; rejected rows out.

Cells are never evaluated: a CSV or XLSX cell starting with ``=`` is kept as text, and every
cell that a spreadsheet could take for a formula is escaped with ``'`` when written back.
"""

import codecs
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import fastexcel
import polars as pl
from django.utils.translation import gettext as _

CHUNK_ROWS = 50_000
SNIFF_BYTES = 64 * 1024
BLOCK_BYTES = 1024 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

TableSource = Callable[[], Iterator[pl.DataFrame]]


class UnreadableFile(ValueError):
    """The file cannot be read as a table; ``row`` is the line where the problem is (1 = header)."""

    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


def table_source(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> TableSource:
    """A zero-argument callable giving a fresh iterator of the file's chunks at each call.

    Raises ``UnreadableFile`` (at the first call) for an empty file, a header without rows or
    text that is neither UTF-8 nor Latin-1.
    """
    if path.suffix.lower() in XLSX_SUFFIXES:
        return lambda: _xlsx_chunks(path, chunk_rows)
    return lambda: _csv_chunks(path, chunk_rows)


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    if path.stat().st_size == 0:
        raise UnreadableFile(_("the file is empty"))
    with _utf8_path(path) as utf8_path:
        separator = _sniff_separator(utf8_path)
        lazy = pl.scan_csv(
            utf8_path,
            separator=separator,
            infer_schema=False,
        )
        yield from _non_empty(lazy.collect_batches(chunk_size=chunk_rows), _header_of(lazy))


def _header_of(lazy: pl.LazyFrame) -> list[str]:
    return lazy.collect_schema().names()


def _non_empty(chunks: Iterator[pl.DataFrame], header: list[str]) -> Iterator[pl.DataFrame]:
    any_rows = False
    try:
        for chunk in chunks:
            if chunk.height:
                any_rows = True
                yield chunk
    except pl.exceptions.ComputeError as error:
        raise UnreadableFile(
            _("the file is not a well-formed CSV: %(detail)s") % {"detail": str(error)[:200]}
        ) from error
    if not any_rows:
        if header:
            raise UnreadableFile(_("the file has a header row but no data rows"), row=2)
        raise UnreadableFile(_("the file is empty"))


@contextmanager
def _utf8_path(path: Path) -> Iterator[Path]:
    """The path itself when the file is UTF-8 (with or without BOM), else a UTF-8 temporary copy."""
    encoding = detect_encoding(path)
    if encoding == "utf-8":
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix=".csv") as copy, path.open("rb") as source:
        for block in iter(lambda: source.read(BLOCK_BYTES), b""):
            copy.write(block.decode(encoding).encode())
        copy.flush()
        yield Path(copy.name)


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``cp1252`` (Latin-1 as Windows writes it); raise ``UnreadableFile`` otherwise."""
    if _decodes(path, "utf-8") is None:
        return "utf-8"
    bad_offset = _decodes(path, "cp1252")
    if bad_offset is None and not _has_nul(path):
        return "cp1252"
    raise UnreadableFile(
        _(
            "the file is neither UTF-8 nor Latin-1 text; open it in your spreadsheet and "
            "save it as 'CSV UTF-8'"
        ),
        row=_line_of(path, bad_offset or 0),
    )


def _decodes(path: Path, encoding: str) -> int | None:
    """None when the whole file decodes, else the offset of the first undecodable byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as source:
        for block in iter(lambda: source.read(BLOCK_BYTES), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                return offset + error.start
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _has_nul(path: Path) -> bool:
    with path.open("rb") as source:
        return any(b"\x00" in block for block in iter(lambda: source.read(BLOCK_BYTES), b""))


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as source:
        return source.read(offset).count(b"\n") + 1


def _sniff_separator(path: Path) -> str:
    with path.open("rb") as source:
        first_line = source.read(SNIFF_BYTES).split(b"\n", 1)[0]
    return ";" if first_line.count(b";") > first_line.count(b",") else ","


def _xlsx_chunks(path: Path, chunk_rows: int) -> Iterator[pl.DataFrame]:
    # XLSX sheets hold at most 1,048,576 rows, and the reader loads one sheet at a time.
    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string")
    except Exception as error:  # fastexcel raises its own error types for damaged files
        raise UnreadableFile(_("the file is not a readable XLSX workbook")) from error
    frame = sheet.to_polars()
    if not frame.columns:
        raise UnreadableFile(_("the file is empty"))
    frame = frame.with_columns(pl.all().cast(pl.String))
    yield from _non_empty(frame.iter_slices(chunk_rows), frame.columns)


def escape_formula(column: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to cells a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@`` ...)."""
    looks_like_formula = pl.any_horizontal(
        [column.str.starts_with(prefix) for prefix in FORMULA_PREFIXES]
    )
    return pl.when(looks_like_formula).then(pl.lit("'") + column).otherwise(column)


def write_rejected(rows: pl.DataFrame, path: Path) -> Path:
    """Write rejected rows (original cells plus the error column) as UTF-8 CSV that Excel opens."""
    escaped = rows.select(
        escape_formula(pl.col(name).cast(pl.String)).alias(name) for name in rows.columns
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    escaped.write_csv(path, include_bom=True)
    return path


__all__ = [
    "CHUNK_ROWS",
    "TableSource",
    "UnreadableFile",
    "detect_encoding",
    "escape_formula",
    "table_source",
    "write_rejected",
]
