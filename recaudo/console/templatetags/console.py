"""Filters every console screen uses: money in the screen's language."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language, to_locale

from recaudo.lib.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | None, currency: str) -> str:
    """``{{ account.balance|money:account.currency }}`` → "$ 1.250.000" (es) or "COP 1,250,000" (en)."""
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(str(amount)), currency, to_locale(get_language() or "es"))
