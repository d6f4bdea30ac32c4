"""Money: ``Decimal`` amounts in each currency's own minor unit (CLP has none, USD has cents)."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency
from iso4217 import Currency


@cache
def minor_units_by_currency() -> dict[str, int]:
    """Every active ISO 4217 currency and its minor unit.

    From the ISO table, not babel: CLDR's display digits differ (it says COP 0) and change
    between releases, and the ledger's precision must not.
    """
    return {currency.code: int(currency.exponent or 0) for currency in Currency}


def is_currency(code: str) -> bool:
    return code in minor_units_by_currency()


def minor_unit(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (ISO 4217): COP 2, CLP 0, KWD 3."""
    return minor_units_by_currency()[currency]


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_EVEN)


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than ``currency`` allows."""
    return quantize(amount, currency) == amount


def to_minor_units(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(minor_unit(currency)))


def from_minor_units(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_unit(currency))


def parse_decimal(text: str) -> Decimal:
    """Parse ``1234.56``, ``1.234,56``, ``1,234.56`` or ``1234,56``; raise ``ValueError`` otherwise.

    The last of ``.`` and ``,`` is the decimal separator when both appear. A single separator
    followed by exactly three digits (``1.234``) is read as a thousands separator, because
    portfolio files do not carry amounts in thousandths.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("$", "")
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned and "." in cleaned:
        decimal_sep = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        cleaned = cleaned.replace(thousands_sep, "").replace(decimal_sep, ".")
    elif "," in cleaned or "." in cleaned:
        sep = "," if "," in cleaned else "."
        head, _, tail = cleaned.rpartition(sep)
        if cleaned.count(sep) > 1 or (len(tail) == 3 and head.lstrip("-").isdigit()):
            cleaned = cleaned.replace(sep, "")
        else:
            cleaned = cleaned.replace(sep, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


def format_money(amount: Decimal, currency: str, locale: str = "es_CO") -> str:
    return format_currency(quantize(amount, currency), currency, locale=locale)
