"""Cells a spreadsheet shows as text, never runs."""

import datetime as dt
from decimal import Decimal

import pytest

from recaudo.lib.spreadsheet import safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+57 300", "'+57 300"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Préstamos", "Préstamos"),
        ("", ""),
        ("1-30", "1-30"),
    ],
)
def test_a_text_that_would_run_is_prefixed(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    "value", [-5, -1.5, Decimal("-120.50"), 0, None, dt.date(2026, 3, 1)], ids=str
)
def test_numbers_dates_and_none_pass_unchanged(value):
    assert safe_cell(value) is value
