"""Model fields shared by several apps."""

from typing import Any

from django.db import models


def money_field(verbose_name: Any, **options: Any) -> models.DecimalField:
    """A money column: 19 digits with 4 places, enough for any ISO currency's minor unit."""
    return models.DecimalField(verbose_name, max_digits=19, decimal_places=4, **options)
