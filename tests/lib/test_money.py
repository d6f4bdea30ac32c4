from decimal import Decimal

import pytest

from recaudo.lib.money import (
    from_minor_units,
    has_valid_precision,
    minor_unit,
    parse_decimal,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234.567", "1234567"),
        ("1.234", "1234"),
        ("$ 1.500.000", "1500000"),
        ("-20,5", "-20.5"),
        ("0", "0"),
    ],
)
def test_parse_decimal_reads_latin_american_and_english_formats(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "  ", "abc", "1,2,3.4.5x", "NaN", "Infinity"])
def test_parse_decimal_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize(("currency", "digits"), [("COP", 2), ("CLP", 0), ("MXN", 2), ("KWD", 3)])
def test_each_currency_keeps_its_own_minor_unit(currency: str, digits: int) -> None:
    assert minor_unit(currency) == digits


def test_minor_units_round_trip() -> None:
    assert to_minor_units(Decimal("1234.56"), "COP") == 123456
    assert to_minor_units(Decimal("1234"), "CLP") == 1234
    assert from_minor_units(123456, "MXN") == Decimal("1234.56")
    assert not has_valid_precision(Decimal("10.5"), "CLP")
    assert has_valid_precision(Decimal("10.50"), "PEN")
