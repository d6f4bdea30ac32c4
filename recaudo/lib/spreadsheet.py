"""Cells a spreadsheet will show as text, never run as a formula (CSV and XLSX exports)."""

from typing import TypeVar

# A text starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice
# and Google Sheets; tab and carriage return are stripped by some of them before the check.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = TypeVar("Value")


def safe_cell(value: Value) -> Value | str:
    """``value`` unchanged unless it is a text a spreadsheet would run: then prefixed with ``'``.

    Numbers (``int``, ``float``, ``Decimal``), dates and ``None`` pass as they are, so a
    negative amount stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value
