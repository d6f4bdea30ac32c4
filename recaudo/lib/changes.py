"""What an edit changed, for the audit log: ``{field: [before, after]}`` in JSON-friendly values."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

Changes = dict[str, list[Any]]


def plain(value: Any) -> Any:
    """A value an audit line can store as JSON: Decimals as exact text, other objects as text."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if value is None or isinstance(value, dict | list | str | int | float | bool):
        return value
    return str(value)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """The fields of ``after`` that are new or differ from ``before``, with both values."""
    return {
        name: [plain(before.get(name)), plain(value)]
        for name, value in after.items()
        if name not in before or before[name] != value
    }
